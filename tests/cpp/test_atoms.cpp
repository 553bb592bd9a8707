// Atom traits and the registry: every table row is self-consistent and registered.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "families/mma/registry.hpp"
#include "ptx/mma_sync.hpp"

namespace tcb {
namespace {

std::vector<AtomInfo> table_atoms() {
  std::vector<AtomInfo> v;
#define TCB_COLLECT(NAME, ...) v.push_back(atoms::NAME::info);
  TCB_MMA_SYNC_ATOMS(TCB_COLLECT)
#undef TCB_COLLECT
  return v;
}

int elements_per_warp(int regs, int reg_bytes, DType t) { return 32 * regs * reg_bytes * 8 / dtype_bits(t); }

TEST(Atoms, RegisterCountsCoverEachMatrixExactly) {
  for (const AtomInfo& a : table_atoms()) {
    SCOPED_TRACE(a.name);
    EXPECT_EQ(elements_per_warp(a.a_regs, a.ab_reg_bytes, a.a), a.m * a.k * a.mmas_per_warp);
    EXPECT_EQ(elements_per_warp(a.b_regs, a.ab_reg_bytes, a.b), a.k * a.n * a.mmas_per_warp);
    EXPECT_EQ(elements_per_warp(a.c_regs, a.cd_reg_bytes, a.c), a.m * a.n * a.mmas_per_warp);
    EXPECT_EQ(elements_per_warp(a.d_regs, a.cd_reg_bytes, a.d), a.m * a.n * a.mmas_per_warp);
  }
}

TEST(Atoms, NamesFollowCuteConventionAndMatchThePtx) {
  std::set<std::string> names;
  for (const AtomInfo& a : table_atoms()) {
    SCOPED_TRACE(a.name);
    EXPECT_TRUE(names.insert(a.name).second) << "duplicate";
    std::string name = a.name, ptx = a.ptx;
    EXPECT_EQ(name.rfind("SM" + std::to_string(a.min_sm) + "_", 0), 0u);
    EXPECT_NE(name.find("_" + std::to_string(a.m) + "x" + std::to_string(a.n) + "x" + std::to_string(a.k) + "_"),
              std::string::npos);
    EXPECT_NE(ptx.find(".m" + std::to_string(a.m) + "n" + std::to_string(a.n) + "k" + std::to_string(a.k) + "."),
              std::string::npos);
    EXPECT_EQ(ptx.rfind("mma.sync.aligned.", 0), 0u);
    std::string types = std::string(".") + dtype_name(a.d == DType::s32 ? DType::s32 : a.d) + "." + dtype_name(a.a) +
                        "." + dtype_name(a.b) + "." + dtype_name(a.c);
    EXPECT_NE(ptx.find(types), std::string::npos) << types;
    EXPECT_FALSE(std::string(a.sass).empty());
  }
}

TEST(Atoms, OpsPerInstructionCountFmaAsTwo) {
  EXPECT_EQ(atoms::SM80_16x8x16_F32F16F16F32_TN::info.ops_per_instr(), 2.0 * 16 * 8 * 16);
  // m8n8k4 f16: one warp instruction is four independent 8x8x4 products (one per quad-pair).
  EXPECT_EQ(atoms::SM70_8x8x4_F32F16F16F32_TN::info.ops_per_instr(), 4 * 2.0 * 8 * 8 * 4);
  EXPECT_EQ(atoms::SM80_16x8x256_S32U1U1S32_TN_ANDPOPC::info.ops_per_instr(), 2.0 * 16 * 8 * 256);
}

TEST(Atoms, ArchitectureGating) {
  EXPECT_TRUE(atoms::SM70_8x8x4_F16F16F16F16_TN::info.exists_on(70));
  EXPECT_FALSE(atoms::SM80_16x8x16_F32F16F16F32_TN::info.exists_on(75));
  EXPECT_TRUE(atoms::SM80_16x8x16_F32F16F16F32_TN::info.exists_on(90));
  EXPECT_FALSE(atoms::SM89_16x8x32_F32E4M3E4M3F32_TN::info.exists_on(86));
  EXPECT_TRUE(atoms::SM89_16x8x32_F32E4M3E4M3F32_TN::info.exists_on(89));
  EXPECT_FALSE(atoms::SM90_16x8x16_F64F64F64F64_TN::info.exists_on(89));
  EXPECT_FALSE(atoms::SM75_8x8x128_S32U1U1S32_TN_XORPOPC::info.exists_on(70));
}

TEST(Registry, EveryTableRowIsRegisteredOnceWithAllIlpVariants) {
  auto table = table_atoms();
  std::set<std::string> seen;
  for (const Benchmark& b : registry()) {
    if (b.info.family != Family::mma_sync) continue;
    EXPECT_TRUE(seen.insert(b.info.name).second) << b.info.name;
    EXPECT_EQ(b.ilps, (std::vector<int>{1, 2, 4, 8})) << b.info.name;
    for (int ilp : b.ilps) EXPECT_NE(b.kernel(ilp), nullptr) << b.info.name;
    EXPECT_EQ(b.kernel(3), nullptr) << "ILP 3 was never compiled";
  }
  EXPECT_EQ(seen.size(), table.size());
  EXPECT_GE(table.size(), 54u);  // a floor (52 PTX variants + 2 .satfinite forms): adding a row needs no edit
  // ... and every row is a distinct instruction.
  std::set<std::string> ptx;
  for (const AtomInfo& a : table) EXPECT_TRUE(ptx.insert(a.ptx).second) << "two rows for " << a.ptx;
}

}  // namespace
}  // namespace tcb
