// WMMA atom table (ptx/wmma_table.hpp): rows are self-consistent, named by the scheme, gated by
// the architectures the CUDA C++ Programming Guide gives, and every row is registered once per
// kind of work. Host-only: no GPU, no device code.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "families/mma/registry.hpp"
#include "ptx/wmma.hpp"

namespace tcb {
namespace {

std::vector<AtomInfo> wmma_atoms() {
  std::vector<AtomInfo> v;
#define TCB_COLLECT(NAME, ...) v.push_back(atoms::NAME::info);
  TCB_WMMA_ATOMS(TCB_COLLECT)
#undef TCB_COLLECT
  return v;
}

std::string upper(const char* s) {
  std::string r = s;
  for (char& c : r) c = char(std::toupper(static_cast<unsigned char>(c)));
  return r;
}
std::string type_token(DType t) { return t == DType::b1 ? "U1" : upper(dtype_name(t)); }

// Minimum SM of each multiplicand type for WMMA (Programming Guide, "Element Types and Matrix
// Sizes"; <mma.h> guards): f16 7.0, s8/u8 7.2, s4/u4/b1 7.5 (AND-popc 8.0), bf16/tf32/f64 8.0.
int expected_min_sm(const AtomInfo& a) {
  switch (a.a) {
    case DType::f16: return 70;
    case DType::s8: case DType::u8: return 72;
    case DType::s4: case DType::u4: return 75;
    case DType::b1: return a.bitop == BitOp::and_popc ? 80 : 75;
    default: return 80;
  }
}

TEST(WmmaAtoms, TableHasEveryShapeAndType) {
  auto atoms = wmma_atoms();
  EXPECT_GE(atoms.size(), 21u);  // floors, not counts: adding a row needs no edit here
  std::map<std::string, int> per_type;
  for (const AtomInfo& a : atoms) ++per_type[std::string(dtype_name(a.a)) + "->" + dtype_name(a.d)];
  EXPECT_GE(per_type["f16->f16"], 3);
  EXPECT_GE(per_type["f16->f32"], 3);
  EXPECT_GE(per_type["bf16->f32"], 3);
  EXPECT_GE(per_type["tf32->f32"], 1);
  EXPECT_GE(per_type["s8->s32"], 3);
  EXPECT_GE(per_type["u8->s32"], 3);
  EXPECT_GE(per_type["s4->s32"], 1);
  EXPECT_GE(per_type["u4->s32"], 1);
  EXPECT_GE(per_type["b1->s32"], 2);
  EXPECT_GE(per_type["f64->f64"], 1);
}

TEST(WmmaAtoms, NamesAreUniqueAndFollowTheScheme) {
  std::set<std::string> names;
  for (const AtomInfo& a : wmma_atoms()) {
    SCOPED_TRACE(a.name);
    EXPECT_TRUE(names.insert(a.name).second) << "duplicate";
    const std::string expect = "SM" + std::to_string(a.min_sm) + "_WMMA_" + std::to_string(a.m) + "x" +
                               std::to_string(a.n) + "x" + std::to_string(a.k) + "_" + type_token(a.d) +
                               type_token(a.a) + type_token(a.b) + type_token(a.c) + "_TN" +
                               (a.bitop == BitOp::xor_popc ? "_XORPOPC" : a.bitop == BitOp::and_popc ? "_ANDPOPC" : "");
    EXPECT_EQ(std::string(a.name), expect);
  }
}

TEST(WmmaAtoms, PtxMatchesShapeTypesAndBitOp) {
  for (const AtomInfo& a : wmma_atoms()) {
    SCOPED_TRACE(a.name);
    const std::string ptx = a.ptx;
    const std::string bit = a.bitop == BitOp::xor_popc ? ".xor.popc" : a.bitop == BitOp::and_popc ? ".and.popc" : "";
    const std::string head = "wmma.mma" + bit + ".sync.aligned.row.col.m" + std::to_string(a.m) + "n" +
                             std::to_string(a.n) + "k" + std::to_string(a.k) + ".";
    EXPECT_EQ(ptx.rfind(head, 0), 0u) << head;
    // f16 multiplicands: the PTX names only D and C types; every other form names all four.
    std::string types = a.a == DType::f16 ? std::string(dtype_name(a.d)) + "." + dtype_name(a.c)
                                          : std::string(dtype_name(a.d)) + "." + dtype_name(a.a) + "." +
                                                dtype_name(a.b) + "." + dtype_name(a.c);
    if (a.d == DType::f64) types += ".rn";
    EXPECT_EQ(ptx.substr(head.size()), types);
  }
}

TEST(WmmaAtoms, TypesAndRegistersAreConsistent) {
  for (const AtomInfo& a : wmma_atoms()) {
    SCOPED_TRACE(a.name);
    EXPECT_EQ(a.family, Family::wmma);
    EXPECT_EQ(a.a, a.b);  // the C++ API pairs A and B of one type
    EXPECT_EQ(a.c, a.d);  // a chain feeds D back as C
    EXPECT_EQ(a.mmas_per_warp, 1);
    EXPECT_EQ(a.max_sm, 0);
    EXPECT_EQ(a.cd_reg_bytes, a.d == DType::f64 ? 8 : 4);
    EXPECT_EQ(a.ab_reg_bytes, a.a == DType::f64 ? 8 : 4);
    EXPECT_EQ(a.d_regs, a.c_regs);
    // Fragments are opaque and may replicate data (f16 A/B keep the Volta layout: m16n16k16
    // holds each element twice, m32n8k16 B and m8n32k16 A four times), but a warp's registers
    // must hold the whole matrix, at most four times over; C/D are never replicated.
    auto bits = [](int regs, int bytes) { return 32L * regs * bytes * 8; };
    const long a_bits = long(a.m) * a.k * dtype_bits(a.a), b_bits = long(a.k) * a.n * dtype_bits(a.b),
               c_bits = long(a.m) * a.n * dtype_bits(a.c);
    EXPECT_GE(bits(a.a_regs, a.ab_reg_bytes), a_bits);
    EXPECT_LE(bits(a.a_regs, a.ab_reg_bytes), 4 * a_bits);
    EXPECT_GE(bits(a.b_regs, a.ab_reg_bytes), b_bits);
    EXPECT_LE(bits(a.b_regs, a.ab_reg_bytes), 4 * b_bits);
    EXPECT_EQ(bits(a.c_regs, a.cd_reg_bytes), c_bits);
  }
}

TEST(WmmaAtoms, OpsPerInstructionCountFmaAsTwo) {
  for (const AtomInfo& a : wmma_atoms()) EXPECT_EQ(a.ops_per_instr(), 2.0 * a.m * a.n * a.k) << a.name;
  EXPECT_EQ(atoms::SM70_WMMA_16x16x16_F32F16F16F32_TN::info.ops_per_instr(), 8192.0);
  EXPECT_EQ(atoms::SM80_WMMA_8x8x4_F64F64F64F64_TN::info.ops_per_instr(), 512.0);
  EXPECT_EQ(atoms::SM75_WMMA_8x8x128_S32U1U1S32_TN_XORPOPC::info.ops_per_instr(), 16384.0);
}

TEST(WmmaAtoms, ArchitectureGating) {
  for (const AtomInfo& a : wmma_atoms()) {
    SCOPED_TRACE(a.name);
    EXPECT_EQ(a.min_sm, expected_min_sm(a));
    EXPECT_FALSE(a.exists_on(a.min_sm - 1));
    EXPECT_TRUE(a.exists_on(a.min_sm));
    EXPECT_TRUE(a.exists_on(90));
  }
  EXPECT_TRUE(atoms::SM70_WMMA_16x16x16_F16F16F16F16_TN::info.exists_on(70));
  EXPECT_FALSE(atoms::SM72_WMMA_16x16x16_S32S8S8S32_TN::info.exists_on(70));
  EXPECT_TRUE(atoms::SM75_WMMA_8x8x128_S32U1U1S32_TN_XORPOPC::info.exists_on(75));
  EXPECT_FALSE(atoms::SM80_WMMA_8x8x128_S32U1U1S32_TN_ANDPOPC::info.exists_on(75));
  EXPECT_FALSE(atoms::SM80_WMMA_16x16x8_F32TF32TF32F32_TN::info.exists_on(75));
  EXPECT_FALSE(atoms::SM80_WMMA_8x8x4_F64F64F64F64_TN::info.exists_on(75));
}

// The expected-SASS regexes accept the native opcodes seen on sm_75 / sm_80 / sm_90a (CUDA 13.0)
// and reject what s4/u4 and b1-XOR are emulated with on sm_90a, and a wrong type.
TEST(WmmaAtoms, SassRegexesMatchNativeOpcodesOnly) {
  const std::map<std::string, std::vector<std::string>> native = {
      {"SM70_WMMA_16x16x16_F16F16F16F16_TN", {"HMMA.16816.F16", "HMMA.1688.F16"}},
      {"SM70_WMMA_16x16x16_F32F16F16F32_TN", {"HMMA.16816.F32", "HMMA.1688.F32"}},
      {"SM80_WMMA_8x32x16_F32BF16BF16F32_TN", {"HMMA.16816.F32.BF16"}},
      {"SM80_WMMA_16x16x8_F32TF32TF32F32_TN", {"HMMA.1684.F32.TF32"}},
      {"SM72_WMMA_32x8x16_S32S8S8S32_TN", {"IMMA.16816.S8.S8", "IMMA.8816.S8.S8"}},
      {"SM72_WMMA_16x16x16_S32U8U8S32_TN", {"IMMA.16816.U8.U8", "IMMA.8816.U8.U8"}},
      {"SM75_WMMA_8x8x32_S32S4S4S32_TN", {"IMMA.8832.S4.S4"}},
      {"SM75_WMMA_8x8x32_S32U4U4S32_TN", {"IMMA.8832.U4.U4"}},
      {"SM75_WMMA_8x8x128_S32U1U1S32_TN_XORPOPC", {"BMMA.88128.XOR.POPC"}},
      {"SM80_WMMA_8x8x128_S32U1U1S32_TN_ANDPOPC", {"BMMA.88128.AND.POPC"}},
      {"SM80_WMMA_8x8x4_F64F64F64F64_TN", {"DMMA.884", "DMMA.8x8x4"}},
  };
  const std::map<std::string, std::string> rejected = {
      {"SM75_WMMA_8x8x32_S32S4S4S32_TN", "IMMA.8816.S8.S8"},
      {"SM75_WMMA_8x8x32_S32U4U4S32_TN", "IMMA.8816.U8.U8"},
      {"SM75_WMMA_8x8x128_S32U1U1S32_TN_XORPOPC", "BMMA.88128.AND.POPC"},
      {"SM70_WMMA_16x16x16_F32F16F16F32_TN", "HMMA.16816.F32.BF16"},
      {"SM80_WMMA_16x16x16_F32BF16BF16F32_TN", "HMMA.16816.F32"},
  };
  for (const AtomInfo& a : wmma_atoms()) {
    SCOPED_TRACE(a.name);
    std::regex re(a.sass);  // throws on a bad regex
    if (auto it = native.find(a.name); it != native.end()) {
      for (const auto& op : it->second) EXPECT_TRUE(std::regex_search(op, re)) << op;
    }
    if (auto it = rejected.find(a.name); it != rejected.end()) {
      EXPECT_FALSE(std::regex_search(it->second, re)) << it->second;
    }
  }
}

// Volta (sm_70, CUDA 12.4; sass/sm_70/opcodes.csv): the f16 rows lower to HMMA.884 in STEP parts,
// with D's type twice. Each row accepts its own accumulator type's form, not the other's.
TEST(WmmaAtoms, SassRegexesAcceptVoltaHmma884Steps) {
  int checked = 0;
  for (const AtomInfo& a : wmma_atoms()) {
    if (a.min_sm != 70) continue;
    SCOPED_TRACE(a.name);
    std::regex re(a.sass);
    const bool f32 = a.d == DType::f32;
    const int steps = f32 ? 4 : 2;
    for (int s = 0; s < steps; ++s) {
      const std::string own = std::string("HMMA.884.") + (f32 ? "F32.F32" : "F16.F16") + ".STEP" + std::to_string(s);
      const std::string other = std::string("HMMA.884.") + (f32 ? "F16.F16" : "F32.F32") + ".STEP" + std::to_string(s);
      EXPECT_TRUE(std::regex_search(own, re)) << own;
      EXPECT_FALSE(std::regex_search(other, re)) << other;
    }
    EXPECT_FALSE(std::regex_search(std::string("HMMA.884.F32.F32"), re)) << "Volta's form always carries a STEP";
    EXPECT_TRUE(std::regex_search(std::string(f32 ? "HMMA.16816.F32" : "HMMA.16816.F16"), re)) << "sm_80 form still native";
    ++checked;
  }
  EXPECT_EQ(checked, 6);  // f16 and f32 accumulate, three shapes
}

TEST(WmmaRegistry, EveryRowIsRegisteredOncePerWork) {
  const auto atoms = wmma_atoms();
  std::map<std::string, AtomInfo> by_name;
  for (const AtomInfo& a : atoms) by_name.emplace(a.name, a);
  std::set<std::pair<std::string, Work>> seen;
  for (const Benchmark& b : registry()) {
    if (b.info.family != Family::wmma) continue;
    SCOPED_TRACE(std::string(b.info.name) + " " + work_name(b.work));
    ASSERT_TRUE(by_name.count(b.info.name));
    EXPECT_TRUE(seen.insert({b.info.name, b.work}).second) << "registered twice";
    EXPECT_EQ(b.form, OperandForm::matrices);
    EXPECT_EQ(b.threads_per_unit, 32);
    EXPECT_EQ(b.ilps, (std::vector<int>{1, 2, 4, 8}));
    for (int ilp : b.ilps) EXPECT_NE(b.kernel(ilp), nullptr);
    EXPECT_EQ(b.kernel(3), nullptr) << "ILP 3 was never compiled";
    EXPECT_NE(b.launch, nullptr);
    const AtomInfo& a = by_name.at(b.info.name);
    int bytes = 0;
    switch (b.work) {
      case Work::mma: bytes = 0; break;
      case Work::load_a: bytes = a.m * a.k * dtype_bits(a.a) / 8; break;
      case Work::load_b: bytes = a.k * a.n * dtype_bits(a.b) / 8; break;
      case Work::load_c: case Work::store_d: bytes = a.m * a.n * dtype_bits(a.c) / 8; break;
    }
    EXPECT_EQ(b.bytes_per_step, bytes);
  }
  EXPECT_EQ(seen.size(), atoms.size() * 5);
}

}  // namespace
}  // namespace tcb
