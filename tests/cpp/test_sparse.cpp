// Sparse mma.sp: the atom table, metadata encoding and layouts, operand generation, and the
// chain reference (families/mma/sparse_operands.hpp). No GPU needed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "families/mma/sparse_operands.hpp"
#include "ptx/mma_sp.hpp"

namespace tcb {
namespace {

struct SpAtom {
  AtomInfo info;
  int selector;
  SparseForm form;
};

std::vector<SpAtom> sparse_atoms() {
  std::vector<SpAtom> v;
#define TCB_COLLECT(NAME, ...) v.push_back({atoms::NAME::info, atoms::NAME::selector, atoms::NAME::form});
  TCB_MMA_SP_ATOMS(TCB_COLLECT)
#undef TCB_COLLECT
  return v;
}

const AtomInfo& atom_named(const std::string& name) {
  static const std::vector<SpAtom> all = sparse_atoms();
  for (const SpAtom& a : all)
    if (name == a.info.name) return a.info;
  throw std::invalid_argument("no sparse atom " + name);
}

bool is_fp8(DType t) { return t == DType::e4m3 || t == DType::e5m2; }

uint32_t word(const std::vector<uint8_t>& bytes, size_t i) {
  uint32_t w;
  std::memcpy(&w, bytes.data() + 4 * i, 4);
  return w;
}

// ---- the table -------------------------------------------------------------------------------

TEST(SparseTable, RowsAreUniqueAndSelfConsistent) {
  const auto all = sparse_atoms();
  EXPECT_GE(all.size(), 104u);  // a floor (every legal selector today): adding a row needs no edit here
  std::set<std::string> names;
  for (const SpAtom& s : all) {
    const AtomInfo& a = s.info;
    SCOPED_TRACE(a.name);
    EXPECT_TRUE(names.insert(a.name).second) << "duplicate";
    EXPECT_EQ(a.family, Family::mma_sp);
    EXPECT_EQ(a.layout, FragLayout::m16n8);
    EXPECT_EQ(a.mmas_per_warp, 1);
    EXPECT_EQ(a.m, 16);
    EXPECT_EQ(a.n, 8);
    // Compressed A: m * k / 2 elements per warp; B and C/D as dense.
    EXPECT_EQ(32 * a.a_regs * 32 / dtype_bits(a.a), a.m * a.k / 2);
    EXPECT_EQ(32 * a.b_regs * 32 / dtype_bits(a.b), a.k * a.n);
    EXPECT_EQ(32 * a.c_regs * a.cd_reg_bytes * 8 / dtype_bits(a.c), a.m * a.n);
    EXPECT_EQ(32 * a.d_regs * a.cd_reg_bytes * 8 / dtype_bits(a.d), a.m * a.n);

    const std::string name = a.name, ptx = a.ptx;
    const bool ordered = s.form == SparseForm::ordered_metadata;
    EXPECT_EQ(ptx.rfind(ordered ? "mma.sp::ordered_metadata.sync.aligned." : "mma.sp.sync.aligned.", 0), 0u);
    EXPECT_EQ(name.find("_SPARSE_ORDERED_") != std::string::npos, ordered);
    EXPECT_EQ(name.rfind("SM" + std::to_string(a.min_sm) + "_16x8x" + std::to_string(a.k) + "_", 0), 0u);
    EXPECT_EQ(name.substr(name.size() - 5), "_SEL" + std::to_string(s.selector));
    EXPECT_NE(ptx.find(".m16n8k" + std::to_string(a.k) + ".row.col."), std::string::npos);
    const std::string types = std::string(".") + dtype_name(a.d) + "." + dtype_name(a.a) + "." + dtype_name(a.b) +
                              "." + dtype_name(a.c);
    EXPECT_EQ(ptx.substr(ptx.size() - types.size()), types);
    EXPECT_EQ(a.min_sm, is_fp8(a.a) ? 89 : 80);
    EXPECT_EQ(a.max_sm, 0);
    EXPECT_FALSE(std::string(a.sass).empty());
    // The run-time lookups agree with the compiled-in constants.
    EXPECT_TRUE(sparse_selector_valid(a, s.selector));
    EXPECT_EQ(sparse_selector(a), s.selector);
    EXPECT_EQ(sparse_ordered_metadata(a), ordered);
  }
}

// PTX ISA 9.7.14.6.1: which selectors each shape/type allows.
TEST(SparseTable, SelectorRulesFollowTheIsa) {
  auto count = [](const char* name) { return sparse_geometry(atom_named(name)).selectors; };
  EXPECT_EQ(count("SM80_16x8x16_F32F16F16F32_TN_SPARSE_SEL0"), 4);   // one thread: 0..3
  EXPECT_EQ(count("SM80_16x8x16_F32BF16BF16F32_TN_SPARSE_SEL0"), 4);
  EXPECT_EQ(count("SM80_16x8x32_F16F16F16F16_TN_SPARSE_SEL0"), 2);   // thread pair: 0 or 1
  EXPECT_EQ(count("SM80_16x8x32_F32BF16BF16F32_TN_SPARSE_SEL0"), 2);
  EXPECT_EQ(count("SM80_16x8x8_F32TF32TF32F32_TN_SPARSE_SEL0"), 4);
  EXPECT_EQ(count("SM80_16x8x16_F32TF32TF32F32_TN_SPARSE_SEL0"), 2);
  EXPECT_EQ(count("SM80_16x8x32_S32S8U8S32_TN_SPARSE_SEL0"), 2);
  EXPECT_EQ(count("SM80_16x8x64_S32U8U8S32_TN_SPARSE_SEL0"), 1);     // all four threads: 0 only
  EXPECT_EQ(count("SM80_16x8x64_S32S4S4S32_TN_SPARSE_SEL0"), 2);
  EXPECT_EQ(count("SM80_16x8x128_S32U4S4S32_TN_SPARSE_SEL0"), 1);
  EXPECT_EQ(count("SM89_16x8x64_F32E4M3E5M2F32_TN_SPARSE_SEL0"), 1);
  EXPECT_FALSE(sparse_selector_valid(atom_named("SM80_16x8x32_F16F16F16F16_TN_SPARSE_SEL0"), 2));
  EXPECT_FALSE(sparse_selector_valid(atom_named("SM80_16x8x64_S32S8S8S32_TN_SPARSE_SEL0"), 1));
  EXPECT_FALSE(sparse_selector_valid(atom_named("SM80_16x8x16_F16F16F16F16_TN_SPARSE_SEL0"), -1));
  EXPECT_THROW(make_sparse_operands(atom_named("SM80_16x8x64_S32S8S8S32_TN_SPARSE_SEL0"), DataMode::exact, 1, 1, 1),
               std::invalid_argument);

  // Every instruction appears once per legal selector and form: 28 instructions per form.
  std::map<std::string, std::pair<AtomInfo, std::set<int>>> by_ptx;
  for (const SpAtom& s : sparse_atoms()) {
    auto& entry = by_ptx.emplace(s.info.ptx, std::make_pair(s.info, std::set<int>{})).first->second;
    EXPECT_TRUE(entry.second.insert(s.selector).second) << s.info.name;
  }
  EXPECT_EQ(by_ptx.size(), 2u * 28);
  for (const auto& [ptx, entry] : by_ptx) EXPECT_EQ(int(entry.second.size()), sparse_geometry(entry.first).selectors) << ptx;
}

// ---- metadata encoding -----------------------------------------------------------------------

TEST(SparseMetadata, ChunkCodesOfKnownPatterns) {
  const AtomInfo& h = atom_named("SM80_16x8x32_F32F16F16F32_TN_SPARSE_SEL0");
  // The six ascending 2:4 patterns are exactly the ISA's "meaningful" ordered-metadata values.
  EXPECT_EQ(sparse_chunk_code(h, 0, 1), 0b0100u);
  EXPECT_EQ(sparse_chunk_code(h, 0, 2), 0b1000u);
  EXPECT_EQ(sparse_chunk_code(h, 1, 2), 0b1001u);
  EXPECT_EQ(sparse_chunk_code(h, 0, 3), 0b1100u);
  EXPECT_EQ(sparse_chunk_code(h, 1, 3), 0b1101u);
  EXPECT_EQ(sparse_chunk_code(h, 2, 3), 0b1110u);
  EXPECT_THROW(sparse_chunk_code(h, 2, 1), std::invalid_argument);
  EXPECT_THROW(sparse_chunk_code(h, 1, 1), std::invalid_argument);
  for (uint32_t bad : {0b0000u, 0b0101u, 0b1010u, 0b1111u}) {
    int i0, i1;
    EXPECT_FALSE(decode_sparse_chunk_code(h, bad, &i0, &i1)) << bad;
  }
  int i0, i1;
  ASSERT_TRUE(decode_sparse_chunk_code(h, 0b1101, &i0, &i1));
  EXPECT_EQ(i0, 1);
  EXPECT_EQ(i1, 3);

  // tf32 1:2: the 2:4 code of the kept element's two halves.
  const AtomInfo& t = atom_named("SM80_16x8x8_F32TF32TF32F32_TN_SPARSE_SEL0");
  EXPECT_EQ(sparse_chunk_code(t, 0, -1), 0b0100u);
  EXPECT_EQ(sparse_chunk_code(t, 1, -1), 0b1110u);
  EXPECT_THROW(sparse_chunk_code(t, 2, -1), std::invalid_argument);
  for (uint32_t code = 0; code < 16; ++code)
    EXPECT_EQ(decode_sparse_chunk_code(t, code, &i0, &i1), code == 0b0100 || code == 0b1110) << code;

  // s4/u4: the indices name kept pairs (2-element sub-chunks) of the 8-wide chunk.
  const AtomInfo& q = atom_named("SM80_16x8x64_S32S4S4S32_TN_SPARSE_SEL0");
  EXPECT_EQ(sparse_chunk_code(q, 1, 3), 0b1101u);
  EXPECT_EQ(sparse_geometry(q).chunk, 8);
  EXPECT_EQ(sparse_geometry(q).group, 2);
}

// Known positions, as measured on an H100 (one metadata nibble flipped at a time): 16/32-bit
// types put chunk 4j+q of rows g / g+8 in bits 4q / 16+4q of the quad's j-th metadata thread;
// 8/4-bit types give thread j one row, g + 8 (j % 2), and chunk 8 (j / 2) + q at bits 4q.
TEST(SparseMetadata, RegisterLayout) {
  const AtomInfo& k16 = atom_named("SM80_16x8x16_F16F16F16F16_TN_SPARSE_SEL2");
  EXPECT_EQ(sparse_meta_position(k16, 2, 3, 1).lane, 14);
  EXPECT_EQ(sparse_meta_position(k16, 2, 3, 1).shift, 4);
  EXPECT_EQ(sparse_meta_position(k16, 2, 11, 3).lane, 14);
  EXPECT_EQ(sparse_meta_position(k16, 2, 11, 3).shift, 28);
  const AtomInfo& k32 = atom_named("SM80_16x8x32_F16F16F16F16_TN_SPARSE_SEL1");
  EXPECT_EQ(sparse_meta_position(k32, 1, 0, 5).lane, 3);  // T2,T3 hold chunks 0-3, 4-7
  EXPECT_EQ(sparse_meta_position(k32, 1, 0, 5).shift, 4);
  EXPECT_EQ(sparse_meta_position(k32, 0, 8, 2).lane, 0);
  EXPECT_EQ(sparse_meta_position(k32, 0, 8, 2).shift, 24);
  const AtomInfo& i8 = atom_named("SM80_16x8x64_S32S8S8S32_TN_SPARSE_SEL0");
  EXPECT_EQ(sparse_meta_position(i8, 0, 9, 13).lane, 7);   // row g+8, chunks 8-15: thread 3
  EXPECT_EQ(sparse_meta_position(i8, 0, 9, 13).shift, 20);
  EXPECT_EQ(sparse_meta_position(i8, 0, 1, 5).lane, 4);    // row g, chunks 0-7: thread 0
  EXPECT_EQ(sparse_meta_position(i8, 0, 1, 5).shift, 20);
  const AtomInfo& i8k32 = atom_named("SM80_16x8x32_S32U8S8S32_TN_SPARSE_SEL1");
  EXPECT_EQ(sparse_meta_position(i8k32, 1, 0, 5).lane, 2);  // T2: row g, T3: row g+8
  EXPECT_EQ(sparse_meta_position(i8k32, 1, 0, 5).shift, 20);
  EXPECT_EQ(sparse_meta_position(i8k32, 1, 8, 0).lane, 3);
  EXPECT_EQ(sparse_meta_position(i8k32, 1, 8, 0).shift, 0);
  const AtomInfo& i4 = atom_named("SM80_16x8x128_S32U4U4S32_TN_SPARSE_SEL0");
  EXPECT_EQ(sparse_meta_position(i4, 0, 15, 8).lane, 31);
  EXPECT_EQ(sparse_meta_position(i4, 0, 15, 8).shift, 0);
  const AtomInfo& f8 = atom_named("SM89_16x8x64_F32E5M2E4M3F32_TN_SPARSE_SEL0");
  EXPECT_EQ(sparse_meta_position(f8, 0, 2, 15).lane, 10);
  EXPECT_EQ(sparse_meta_position(f8, 0, 2, 15).shift, 28);

  // The MLIR sparse-mma-2-4-f16 integration test (hardware-checked): m16n8k32 f16, every chunk
  // keeping columns 0 and 2, metadata 0x8888 per row half, lanes 4g and 4g+1 for selector 0.
  std::vector<uint32_t> e(32, 0);
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 8; ++c) {
      const MetaPos p = sparse_meta_position(k32, 0, r, c);
      e[p.lane] |= sparse_chunk_code(k32, 0, 2) << p.shift;
    }
  for (int lane = 0; lane < 32; ++lane) EXPECT_EQ(e[lane], lane % 4 < 2 ? 0x88888888u : 0u) << lane;

  // Every atom and selector: the codes of all (row, chunk) tile the used lanes' 32 bits exactly.
  for (const SpAtom& s : sparse_atoms()) {
    const AtomInfo& a = s.info;
    const SparseGeometry g = sparse_geometry(a);
    for (int sel = 0; sel < g.selectors; ++sel) {
      SCOPED_TRACE(std::string(a.name) + " selector " + std::to_string(sel));
      std::set<std::pair<int, int>> seen;
      for (int r = 0; r < a.m; ++r)
        for (int c = 0; c < g.chunks_per_row; ++c) {
          const MetaPos p = sparse_meta_position(a, sel, r, c);
          EXPECT_TRUE(sparse_meta_lane_used(a, sel, p.lane));
          EXPECT_EQ(p.shift % 4, 0);
          EXPECT_TRUE(seen.insert({p.lane, p.shift}).second);
        }
      int used = 0;
      for (int lane = 0; lane < 32; ++lane) used += sparse_meta_lane_used(a, sel, lane);
      EXPECT_EQ(used, 8 * g.meta_threads);
      EXPECT_EQ(int(seen.size()), used * 8);
    }
  }
}

// ---- the compressed A fragment ---------------------------------------------------------------

// The ISA's per-shape formulas for the thread holding compressed element a_i: its row, and the
// dense columns [firstcol, firstcol + span) its kept values come from.
void isa_a_rule(const AtomInfo& a, int lane, int i, int* row, int* firstcol, int* span) {
  const int g = lane >> 2, t = lane & 3;
  const bool b16 = a.a == DType::f16 || a.a == DType::bf16, b8 = dtype_bits(a.a) == 8;
  bool low;  // row groupID (else groupID + 8)
  if (b16 && a.k == 16) low = i < 2, *firstcol = 4 * t, *span = 4;
  else if (b16) low = i < 2 || (i >= 4 && i < 6), *firstcol = 4 * t + (i >= 4 ? 16 : 0), *span = 4;
  else if (a.a == DType::tf32 && a.k == 8) low = i == 0, *firstcol = 2 * t, *span = 2;
  else if (a.a == DType::tf32) low = i == 0 || i == 2, *firstcol = 2 * t + (i >= 2 ? 8 : 0), *span = 2;
  else if (b8 && a.k == 32) low = i < 4, *firstcol = 8 * t, *span = 8;
  else if (b8) low = i < 4 || (i >= 8 && i < 12), *firstcol = 8 * t + (i >= 8 ? 32 : 0), *span = 8;
  else if (a.k == 64) low = i < 8, *firstcol = 16 * t, *span = 16;
  else low = i < 8 || (i >= 16 && i < 24), *firstcol = 16 * t + (i >= 16 ? 64 : 0), *span = 16;
  *row = low ? g : g + 8;
}

TEST(SparseOperands, CompressedElementsLandAtDistinctPositionsOfTheDenseA) {
  for (const SpAtom& s : sparse_atoms()) {
    if (s.form != SparseForm::sp) continue;  // layouts do not depend on the form
    const AtomInfo& a = s.info;
    SCOPED_TRACE(a.name);
    const SparseGeometry g = sparse_geometry(a);
    const SparseOperandSet ops = make_sparse_operands(a, DataMode::random, 7, 1, s.selector);
    const int kc = a.k / 2, epr = 32 / dtype_bits(a.a);
    std::set<std::pair<int, int>> dense_seen, compressed_seen;
    for (int lane = 0; lane < 32; ++lane)
      for (int reg = 0; reg < a.a_regs; ++reg)
        for (int e = 0; e < epr; ++e) {
          const ElemPos p = sparse_a_position(a, lane, reg, e);
          ASSERT_LT(p.col, kc);
          EXPECT_TRUE(compressed_seen.insert({p.row, p.col}).second);
          const int col = ops.a_col[size_t(p.row) * kc + p.col];
          EXPECT_TRUE(dense_seen.insert({p.row, col}).second);
          int row, first, span;
          isa_a_rule(a, lane, reg * epr + e, &row, &first, &span);
          EXPECT_EQ(p.row, row) << "lane " << lane << " a" << reg * epr + e;
          EXPECT_GE(col, first) << "lane " << lane << " a" << reg * epr + e;
          EXPECT_LT(col, first + span) << "lane " << lane << " a" << reg * epr + e;
        }
    EXPECT_EQ(int(compressed_seen.size()), a.m * kc);
    // Per chunk: `kept` columns, ascending, inside the chunk, pairs aligned for 4-bit types; the
    // dense A is zero elsewhere and non-zero at the kept positions.
    for (int r = 0; r < a.m; ++r)
      for (int c = 0; c < g.chunks_per_row; ++c) {
        for (int s2 = 0; s2 < g.kept; ++s2) {
          const int col = ops.a_col[size_t(r) * kc + c * g.kept + s2];
          EXPECT_EQ(col / g.chunk, c);
          const int prev = s2 ? ops.a_col[size_t(r) * kc + c * g.kept + s2 - 1] : -1;
          if (s2) {
            EXPECT_GT(col, prev);
          }
          if (g.group == 2 && s2 % 2) {
            EXPECT_EQ(col, prev + 1);
          }
        }
      }
    int nonzero = 0;
    for (int r = 0; r < a.m; ++r)
      for (int col = 0; col < a.k; ++col) nonzero += decode_value(a.a, ops.a_dense[size_t(r) * a.k + col]) != 0;
    EXPECT_EQ(nonzero, a.m * kc);
    EXPECT_EQ(ops.a, ops.a_dense);
  }
}

TEST(SparseOperands, DecompressionRoundTripIgnoresUnselectedLanes) {
  for (const SpAtom& s : sparse_atoms()) {
    for (DataMode mode : {DataMode::random, DataMode::exact, DataMode::zeros}) {
      const AtomInfo& a = s.info;
      SCOPED_TRACE(std::string(a.name) + " " + data_mode_name(mode));
      SparseOperandSet ops = make_sparse_operands(a, mode, 11, 1000, s.selector);
      EXPECT_EQ(sparse_decompress(a, ops), ops.a_dense);
      // Unselected lanes hold garbage, and changing it changes nothing.
      int garbage = 0;
      for (int lane = 0; lane < 32; ++lane)
        if (!sparse_meta_lane_used(a, s.selector, lane)) {
          garbage += word(ops.e_regs, lane) != 0;
          const uint32_t flipped = ~word(ops.e_regs, lane);
          std::memcpy(ops.e_regs.data() + 4 * lane, &flipped, 4);
        }
      if (sparse_geometry(a).selectors > 1) {
        EXPECT_GT(garbage, 0);
      }
      EXPECT_EQ(sparse_decompress(a, ops), ops.a_dense);
      // Every selected lane's word decodes to legal, ascending codes.
      for (int lane = 0; lane < 32; ++lane) {
        if (!sparse_meta_lane_used(a, s.selector, lane)) continue;
        for (int q = 0; q < 8; ++q) {
          int i0, i1;
          ASSERT_TRUE(decode_sparse_chunk_code(a, word(ops.e_regs, lane) >> (4 * q), &i0, &i1));
          if (a.a != DType::tf32) {
            EXPECT_LT(i0, i1);
          }
        }
      }
    }
  }
}

TEST(SparseOperands, DeterministicPerSeedAndDifferentAcrossSeeds) {
  const AtomInfo& a = atom_named("SM80_16x8x32_F32BF16BF16F32_TN_SPARSE_ORDERED_SEL1");
  const SparseOperandSet x = make_sparse_operands(a, DataMode::random, 5, 1, 1);
  const SparseOperandSet y = make_sparse_operands(a, DataMode::random, 5, 1, 1);
  const SparseOperandSet z = make_sparse_operands(a, DataMode::random, 6, 1, 1);
  EXPECT_EQ(x.a_regs, y.a_regs);
  EXPECT_EQ(x.e_regs, y.e_regs);
  EXPECT_NE(x.a_col, z.a_col);
  EXPECT_NE(x.a_regs, z.a_regs);
}

TEST(SparseOperands, IntegerDataSurviveTheLongestChain) {
  for (const char* name : {"SM80_16x8x64_S32S8S8S32_TN_SPARSE_SEL0", "SM80_16x8x128_S32U4U4S32_TN_SPARSE_SEL0"}) {
    const AtomInfo& a = atom_named(name);
    const long steps = 1 << 20;
    const SparseOperandSet ops = make_sparse_operands(a, DataMode::random, 3, steps, 0);
    for (int r = 0; r < a.m; ++r)
      for (int c = 0; c < a.n; ++c) {
        long double sum = 0;
        for (int kk = 0; kk < a.k; ++kk)
          sum += std::fabs((long double)decode_value(a.a, ops.a[size_t(r) * a.k + kk]) *
                           decode_value(a.b, ops.b[size_t(kk) * a.n + c]));
        EXPECT_LE(std::fabs((long double)decode_value(a.c, ops.c[size_t(r) * a.n + c])) + steps * sum, 2147483647.0L);
      }
  }
}

// ---- the chain reference ---------------------------------------------------------------------

// What a correct GPU would return, computed from the registers alone (compressed A + metadata
// of the selected lanes), rounded once to D's type.
std::vector<uint8_t> emulate_d(const AtomInfo& a, const SparseOperandSet& ops, long steps) {
  const std::vector<uint64_t> A = sparse_decompress(a, ops);
  const AtomInfo full = sparse_dense_equivalent(a, a.k);
  const bool is_float = dtype_is_float(a.d);
  const long double s = is_float ? steps % 2 : steps;
  const int bits = dtype_bits(a.d), epr = a.cd_reg_bytes * 8 / bits;
  std::vector<uint8_t> d(size_t(32) * a.d_regs * 4, 0);
  for (int lane = 0; lane < 32; ++lane)
    for (int reg = 0; reg < a.d_regs; ++reg) {
      uint32_t w = 0;
      for (int e = 0; e < epr; ++e) {
        const ElemPos p = fragment_position(full, 'D', lane, reg, e);
        long double acc = 0;
        for (int kk = 0; kk < a.k; ++kk)
          acc += (long double)decode_value(a.a, A[size_t(p.row) * a.k + kk]) *
                 decode_value(a.b, ops.b[size_t(kk) * a.n + p.col]);
        const long double v = decode_value(a.c, ops.c[size_t(p.row) * a.n + p.col]) + s * acc;
        const uint64_t mask = bits == 32 ? 0xffffffffu : (uint64_t(1) << bits) - 1;
        w |= uint32_t(encode_value(a.d, double(v)) & mask) << (e * bits);
      }
      std::memcpy(d.data() + (size_t(lane) * a.d_regs + reg) * 4, &w, 4);
    }
  return d;
}

TEST(SparseVerify, AcceptsTheEmulatedResultAndRejectsACorruptedOne) {
  for (const SpAtom& s : sparse_atoms()) {
    for (DataMode mode : {DataMode::exact, DataMode::random, DataMode::zeros}) {
      for (long steps : {1L, 2L, 7L}) {
        const AtomInfo& a = s.info;
        SCOPED_TRACE(std::string(a.name) + " " + data_mode_name(mode) + " steps " + std::to_string(steps));
        const SparseOperandSet ops = make_sparse_operands(a, mode, 1234 + steps, 16, s.selector);
        std::vector<uint8_t> d = emulate_d(a, ops, steps);
        const Verdict ok = verify_sparse_chain(a, ops, mode, steps, d.data());
        EXPECT_TRUE(ok.ok) << ok.detail;
        EXPECT_EQ(ok.bit_exact, mode != DataMode::random || !dtype_is_float(a.d));

        // Corrupt one element of lane 13's last register by far more than any tolerance.
        const int bits = dtype_bits(a.d), reg = a.d_regs - 1;
        uint32_t w = word(d, size_t(13) * a.d_regs + reg);
        const uint64_t mask = bits == 32 ? 0xffffffffu : (uint64_t(1) << bits) - 1;
        const double v = decode_value(a.d, w & mask);
        w = (w & ~uint32_t(mask)) | uint32_t(encode_value(a.d, v + 100) & mask);
        std::memcpy(d.data() + (size_t(13) * a.d_regs + reg) * 4, &w, 4);
        const Verdict bad = verify_sparse_chain(a, ops, mode, steps, d.data());
        EXPECT_FALSE(bad.ok);
        EXPECT_EQ(bad.mismatches, 1);
      }
    }
  }
}

// A result computed with the dense A "as if" the metadata were ignored (kept values packed at
// the start of each chunk) is wrong: the reference really uses the sparsity pattern.
TEST(SparseVerify, RejectsAResultThatIgnoresTheMetadata) {
  const AtomInfo& a = atom_named("SM80_16x8x32_F32F16F16F32_TN_SPARSE_ORDERED_SEL0");
  SparseOperandSet ops = make_sparse_operands(a, DataMode::exact, 99, 1, 0);
  SparseOperandSet wrong = ops;
  for (int lane = 0; lane < 32; ++lane)
    if (sparse_meta_lane_used(a, 0, lane)) {
      const uint32_t packed = 0x44444444u;  // every chunk "keeps columns 0 and 1"
      std::memcpy(wrong.e_regs.data() + 4 * lane, &packed, 4);
    }
  const std::vector<uint8_t> d = emulate_d(a, wrong, 1);
  EXPECT_FALSE(verify_sparse_chain(a, ops, DataMode::exact, 1, d.data()).ok);
}

TEST(SparseVerify, RejectsAnInconsistentOperandSet) {
  const AtomInfo& a = atom_named("SM80_16x8x16_F32TF32TF32F32_TN_SPARSE_SEL1");
  SparseOperandSet ops = make_sparse_operands(a, DataMode::exact, 2, 1, 1);
  const std::vector<uint8_t> d = emulate_d(a, ops, 1);
  ops.a[0] ^= 1;
  EXPECT_FALSE(verify_sparse_chain(a, ops, DataMode::exact, 1, d.data()).ok);
}

}  // namespace
}  // namespace tcb
