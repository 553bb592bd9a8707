// Operand encodings, fragment layouts, data generation and chain verification (no GPU).
// The layouts are checked against an emulated warp: the CPU computes D = C + s*A*B per matrix
// element and scatters it into 32 lanes x registers exactly as the hardware would, using
// fragment_position in reverse.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "families/mma/operands.hpp"
#include "ptx/mma_sync.hpp"

namespace tcb {
namespace {

std::vector<AtomInfo> all_atoms() {
  std::vector<AtomInfo> v;
#define TCB_COLLECT(NAME, ...) v.push_back(atoms::NAME::info);
  TCB_MMA_SYNC_ATOMS(TCB_COLLECT)
#undef TCB_COLLECT
  return v;
}

const AtomInfo& atom_named(const std::string& name) {
  static const std::vector<AtomInfo> atoms = all_atoms();
  for (const AtomInfo& a : atoms)
    if (name == a.name) return a;
  throw std::runtime_error("no atom " + name);
}

// Hand-made atoms of the whole-matrix families (wmma, wgmma), independent of their tables. The
// register fields are deliberately non-zero: make_operands must not read them for these families.
AtomInfo matrix_atom(const char* name, Family f, int m, int n, int k, DType d, DType a, DType b,
                     BitOp op = BitOp::none) {
  const int ab_bytes = a == DType::f64 ? 8 : 4, cd_bytes = d == DType::f64 ? 8 : 4;
  return AtomInfo{name, "", f, m, n, k, d, a, b, d, 8, 4, 4, 8, cd_bytes, ab_bytes, 80, 0, "",
                  FragLayout::m16n8, 1, op};
}

std::vector<AtomInfo> matrix_atoms() {
  const Family W = Family::wmma, G = Family::wgmma;
  return {
      matrix_atom("WMMA_16x16x16_F32F16F16F32", W, 16, 16, 16, DType::f32, DType::f16, DType::f16),
      matrix_atom("WMMA_32x8x16_F16F16F16F16", W, 32, 8, 16, DType::f16, DType::f16, DType::f16),
      matrix_atom("WMMA_16x16x8_F32TF32TF32F32", W, 16, 16, 8, DType::f32, DType::tf32, DType::tf32),
      matrix_atom("WMMA_8x32x16_S32U8U8S32", W, 8, 32, 16, DType::s32, DType::u8, DType::u8),
      matrix_atom("WMMA_8x8x32_S32S4S4S32", W, 8, 8, 32, DType::s32, DType::s4, DType::s4),
      matrix_atom("WMMA_8x8x128_S32U1U1S32_XORPOPC", W, 8, 8, 128, DType::s32, DType::b1, DType::b1, BitOp::xor_popc),
      matrix_atom("WMMA_8x8x4_F64F64F64F64", W, 8, 8, 4, DType::f64, DType::f64, DType::f64),
      matrix_atom("WGMMA_64x256x16_F32F16F16F32", G, 64, 256, 16, DType::f32, DType::f16, DType::f16),
      matrix_atom("WGMMA_64x256x16_F16F16F16F16", G, 64, 256, 16, DType::f16, DType::f16, DType::f16),
      matrix_atom("WGMMA_64x200x16_F32BF16BF16F32", G, 64, 200, 16, DType::f32, DType::bf16, DType::bf16),
      matrix_atom("WGMMA_64x128x8_F32TF32TF32F32", G, 64, 128, 8, DType::f32, DType::tf32, DType::tf32),
      matrix_atom("WGMMA_64x128x32_F16E4M3E4M3F16", G, 64, 128, 32, DType::f16, DType::e4m3, DType::e4m3),
      matrix_atom("WGMMA_64x256x32_F32E4M3E5M2F32", G, 64, 256, 32, DType::f32, DType::e4m3, DType::e5m2),
      matrix_atom("WGMMA_64x8x32_F16E5M2E5M2F16", G, 64, 8, 32, DType::f16, DType::e5m2, DType::e5m2),
      matrix_atom("WGMMA_64x64x32_S32S8S8S32", G, 64, 64, 32, DType::s32, DType::s8, DType::s8),
      matrix_atom("WGMMA_64x256x256_S32U1U1S32_ANDPOPC", G, 64, 256, 256, DType::s32, DType::b1, DType::b1,
                  BitOp::and_popc),
  };
}

const AtomInfo& matrix_atom_named(const std::string& name) {
  static const std::vector<AtomInfo> atoms = matrix_atoms();
  for (const AtomInfo& a : atoms)
    if (name == a.name) return a;
  throw std::runtime_error("no matrix atom " + name);
}

// Every atom make_operands must serve: the mma.sync table and the hand-made matrix atoms.
std::vector<AtomInfo> every_atom() {
  std::vector<AtomInfo> v = all_atoms(), m = matrix_atoms();
  v.insert(v.end(), m.begin(), m.end());
  return v;
}

bool is_nan(DType t, uint64_t bits) { return dtype_is_float(t) && std::isnan(decode_value(t, bits)); }

// ---------------------------------------------------------------------------------------------
// Data modes
// ---------------------------------------------------------------------------------------------

TEST(DataModes, NamesRoundTrip) {
  for (DataMode m : {DataMode::random, DataMode::exact, DataMode::zeros}) {
    DataMode out = DataMode::zeros;
    ASSERT_TRUE(parse_data_mode(data_mode_name(m), &out));
    EXPECT_EQ(out, m);
  }
  DataMode out = DataMode::exact;
  EXPECT_FALSE(parse_data_mode("Random", &out));
  EXPECT_FALSE(parse_data_mode("", &out));
  EXPECT_EQ(out, DataMode::exact);
}

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

TEST(Encoding, EveryNonNanPatternRoundTrips) {
  for (DType t : {DType::f16, DType::bf16, DType::e4m3, DType::e5m2, DType::s8, DType::u8, DType::s4, DType::u4,
                  DType::b1}) {
    SCOPED_TRACE(dtype_name(t));
    const uint64_t n = uint64_t(1) << dtype_bits(t);
    long nans = 0;
    for (uint64_t b = 0; b < n; ++b) {
      if (is_nan(t, b)) { ++nans; continue; }
      ASSERT_EQ(encode_value(t, decode_value(t, b)), b) << "pattern " << b;
    }
    if (t == DType::e4m3) { EXPECT_EQ(nans, 2); }  // only S.1111.111
    if (t == DType::e5m2) { EXPECT_EQ(nans, 6); }
    if (t == DType::f16 || t == DType::bf16) { EXPECT_EQ(nans, 2 * ((t == DType::f16 ? 1 << 10 : 1 << 7) - 1)); }
  }
}

TEST(Encoding, WidePatternsRoundTrip) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t r = rng();
    const uint32_t f32 = uint32_t(r), tf32 = uint32_t(r) & ~0x1FFFu, s32 = uint32_t(r >> 32);
    if (!is_nan(DType::f32, f32)) { ASSERT_EQ(encode_value(DType::f32, decode_value(DType::f32, f32)), f32); }
    if (!is_nan(DType::tf32, tf32)) { ASSERT_EQ(encode_value(DType::tf32, decode_value(DType::tf32, tf32)), tf32); }
    if (!is_nan(DType::f64, r)) { ASSERT_EQ(encode_value(DType::f64, decode_value(DType::f64, r)), r); }
    ASSERT_EQ(encode_value(DType::s32, decode_value(DType::s32, s32)), s32);
  }
}

TEST(Encoding, KnownConstants) {
  EXPECT_EQ(decode_value(DType::f16, 0x3C00), 1.0);
  EXPECT_EQ(decode_value(DType::f16, 0x7BFF), 65504.0);
  EXPECT_EQ(decode_value(DType::f16, 0x0001), std::ldexp(1.0, -24));
  EXPECT_EQ(decode_value(DType::f16, 0x0400), std::ldexp(1.0, -14));
  EXPECT_EQ(decode_value(DType::f16, 0xC000), -2.0);
  EXPECT_EQ(decode_value(DType::f16, 0xFC00), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::signbit(decode_value(DType::f16, 0x8000)));
  EXPECT_EQ(decode_value(DType::bf16, 0x3F80), 1.0);
  EXPECT_EQ(decode_value(DType::bf16, 0x7F7F), std::ldexp(255.0, 120));
  EXPECT_EQ(decode_value(DType::bf16, 0x0001), std::ldexp(1.0, -133));
  EXPECT_EQ(decode_value(DType::tf32, 0x3F800000), 1.0);
  EXPECT_EQ(decode_value(DType::tf32, 0x3F802000), 1.0 + std::ldexp(1.0, -10));
  EXPECT_EQ(decode_value(DType::e4m3, 0x7E), 448.0);
  EXPECT_EQ(decode_value(DType::e4m3, 0x78), 256.0);  // exponent field 15 is finite in E4M3FN
  EXPECT_EQ(decode_value(DType::e4m3, 0x38), 1.0);
  EXPECT_EQ(decode_value(DType::e4m3, 0x08), std::ldexp(1.0, -6));
  EXPECT_EQ(decode_value(DType::e4m3, 0x01), std::ldexp(1.0, -9));
  EXPECT_EQ(decode_value(DType::e4m3, 0xFE), -448.0);
  EXPECT_TRUE(std::isnan(decode_value(DType::e4m3, 0x7F)));
  EXPECT_TRUE(std::isnan(decode_value(DType::e4m3, 0xFF)));
  EXPECT_EQ(decode_value(DType::e5m2, 0x3C), 1.0);
  EXPECT_EQ(decode_value(DType::e5m2, 0x7B), 57344.0);
  EXPECT_EQ(decode_value(DType::e5m2, 0x01), std::ldexp(1.0, -16));
  EXPECT_EQ(decode_value(DType::e5m2, 0x7C), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(decode_value(DType::e5m2, 0x7D)));
  EXPECT_EQ(decode_value(DType::s8, 0x80), -128.0);
  EXPECT_EQ(decode_value(DType::s8, 0xFF), -1.0);
  EXPECT_EQ(decode_value(DType::u8, 0xFF), 255.0);
  EXPECT_EQ(decode_value(DType::s4, 0x8), -8.0);
  EXPECT_EQ(decode_value(DType::s4, 0xF), -1.0);
  EXPECT_EQ(decode_value(DType::s4, 0x7), 7.0);
  EXPECT_EQ(decode_value(DType::u4, 0xF), 15.0);
  EXPECT_EQ(decode_value(DType::b1, 1), 1.0);
  EXPECT_EQ(decode_value(DType::s32, 0x80000000u), -2147483648.0);
  EXPECT_EQ(decode_value(DType::f64, 0x3FF0000000000000ull), 1.0);
  // Only the low `bits` of the pattern count.
  EXPECT_EQ(decode_value(DType::s4, 0xF7), 7.0);
  EXPECT_EQ(decode_value(DType::e4m3, 0x138), 1.0);
}

TEST(Encoding, RoundsToNearestEvenAndSaturates) {
  const double inf = std::numeric_limits<double>::infinity();
  // f16: ties to even, subnormal ties, overflow threshold max + half ulp.
  EXPECT_EQ(encode_value(DType::f16, 1.0 + std::ldexp(1.0, -11)), 0x3C00u);
  EXPECT_EQ(encode_value(DType::f16, 1.0 + 3 * std::ldexp(1.0, -11)), 0x3C02u);
  EXPECT_EQ(encode_value(DType::f16, std::ldexp(1.0, -25)), 0x0000u);
  EXPECT_EQ(encode_value(DType::f16, std::ldexp(1.0, -25) * 1.0001), 0x0001u);
  EXPECT_EQ(encode_value(DType::f16, 3 * std::ldexp(1.0, -25)), 0x0002u);
  EXPECT_EQ(encode_value(DType::f16, -std::ldexp(1.0, -30)), 0x8000u);
  EXPECT_EQ(encode_value(DType::f16, std::ldexp(1023.5, -24)), 0x0400u);  // rounds up to min normal
  EXPECT_EQ(encode_value(DType::f16, 65519.0), 0x7BFFu);
  EXPECT_EQ(encode_value(DType::f16, 65520.0), 0x7C00u);
  EXPECT_EQ(encode_value(DType::f16, -1e9), 0xFC00u);
  EXPECT_EQ(encode_value(DType::f16, inf), 0x7C00u);
  EXPECT_TRUE(is_nan(DType::f16, encode_value(DType::f16, std::nan(""))));
  // bf16 and tf32.
  EXPECT_EQ(encode_value(DType::bf16, 1.0 + std::ldexp(1.0, -8)), 0x3F80u);
  EXPECT_EQ(encode_value(DType::bf16, 1.0 + 3 * std::ldexp(1.0, -8)), 0x3F82u);
  EXPECT_EQ(encode_value(DType::bf16, 1e39), 0x7F80u);
  EXPECT_EQ(encode_value(DType::tf32, 1.0 + std::ldexp(1.0, -11)), 0x3F800000u);
  EXPECT_EQ(encode_value(DType::tf32, 1.0 + 3 * std::ldexp(1.0, -11)), 0x3F804000u);
  EXPECT_EQ(encode_value(DType::tf32, 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -30)), 0x3F802000u);
  EXPECT_EQ(encode_value(DType::tf32, -0.1) & 0x1FFFu, 0u);
  EXPECT_EQ(encode_value(DType::tf32, std::nan("")), 0x7FC00000u);
  // e4m3 saturates (no inf); e5m2 overflows to inf.
  EXPECT_EQ(encode_value(DType::e4m3, 448.0), 0x7Eu);
  EXPECT_EQ(encode_value(DType::e4m3, 464.0), 0x7Eu);  // tie between 448 and "480": saturated
  EXPECT_EQ(encode_value(DType::e4m3, 1000.0), 0x7Eu);
  EXPECT_EQ(encode_value(DType::e4m3, -inf), 0xFEu);
  EXPECT_EQ(encode_value(DType::e4m3, 1.0625), 0x38u);  // tie -> even (1.0)
  EXPECT_EQ(encode_value(DType::e4m3, 1.1875), 0x3Au);  // tie -> even (1.25)
  EXPECT_EQ(encode_value(DType::e4m3, std::ldexp(1.0, -10)), 0x00u);
  EXPECT_EQ(encode_value(DType::e4m3, std::ldexp(3.0, -11)), 0x01u);
  EXPECT_EQ(encode_value(DType::e4m3, std::nan("")), 0x7Fu);
  EXPECT_EQ(encode_value(DType::e5m2, 57344.0), 0x7Bu);
  EXPECT_EQ(encode_value(DType::e5m2, 61439.0), 0x7Bu);
  EXPECT_EQ(encode_value(DType::e5m2, 61440.0), 0x7Cu);
  EXPECT_EQ(encode_value(DType::e5m2, -1e6), 0xFCu);
  // Integers: round to nearest even, saturate, two's complement in the low bits.
  EXPECT_EQ(encode_value(DType::s8, -1.0), 0xFFu);
  EXPECT_EQ(encode_value(DType::s8, 300.0), 0x7Fu);
  EXPECT_EQ(encode_value(DType::s8, 2.5), 2u);
  EXPECT_EQ(encode_value(DType::s4, -8.0), 0x8u);
  EXPECT_EQ(encode_value(DType::s4, -9.0), 0x8u);
  EXPECT_EQ(encode_value(DType::u4, 16.0), 0xFu);
  EXPECT_EQ(encode_value(DType::u8, -3.0), 0u);
  EXPECT_EQ(encode_value(DType::b1, 1.0), 1u);
  EXPECT_EQ(encode_value(DType::s32, -1.0), 0xFFFFFFFFu);
  EXPECT_EQ(encode_value(DType::s32, -2147483648.0), 0x80000000u);
}

// Brute-force oracle: the nearest finite pattern, ties to the even pattern; IEEE formats go to inf
// from max + half an ulp, E4M3 saturates.
uint64_t oracle_encode(DType t, double v) {
  static std::map<DType, std::vector<double>> positive;  // decoded non-negative patterns
  const int bits = dtype_bits(t);
  const uint64_t sign = uint64_t(1) << (bits - 1);
  std::vector<double>& table = positive[t];
  if (table.empty())
    for (uint64_t b = 0; b < sign; ++b) table.push_back(decode_value(t, b));
  const double a = std::fabs(v);
  uint64_t best = 0, max_finite = 0;
  double best_err = std::numeric_limits<double>::infinity();
  for (uint64_t b = 0; b < sign; ++b) {
    if (!std::isfinite(table[b])) continue;
    max_finite = std::max(max_finite, b);
    const double err = std::fabs(table[b] - a);
    if (err < best_err || (err == best_err && (b & 1) == 0)) { best = b; best_err = err; }
  }
  if (t != DType::e4m3) {
    const double top = table[max_finite], ulp = top - table[max_finite - 1];
    if (a >= top + ulp / 2) best = max_finite + 1;  // the inf pattern
  }
  return (std::signbit(v) ? sign : 0) | best;
}

TEST(Encoding, MatchesBruteForceNearestEven) {
  std::mt19937_64 rng(11);
  for (DType t : {DType::f16, DType::bf16, DType::e4m3, DType::e5m2}) {
    SCOPED_TRACE(dtype_name(t));
    const int bits = dtype_bits(t);
    const int samples = bits == 8 ? 4000 : 400;
    for (int i = 0; i < samples; ++i) {
      // A finite pattern and its successor: test both, the midpoint and a random point between.
      uint64_t p = rng() & ((uint64_t(1) << bits) - 1);
      if (!std::isfinite(decode_value(t, p)) || !std::isfinite(decode_value(t, p + 1)) ||
          ((p + 1) & (uint64_t(1) << (bits - 1))) != (p & (uint64_t(1) << (bits - 1))))
        continue;
      const double x = decode_value(t, p), y = decode_value(t, p + 1);
      const double u = std::uniform_real_distribution<double>(0, 1)(rng);
      for (double v : {x, (x + y) / 2, x + (y - x) * u, y * 1.5, y * 1e3}) {
        ASSERT_EQ(encode_value(t, v), oracle_encode(t, v)) << "v=" << v;
      }
    }
  }
}

TEST(Encoding, F32AndF16MatchTheCompilersConversions) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    // Random doubles spread over the f32 range, including f32 subnormals and ties.
    const double v = std::ldexp(double(rng() >> 11), int(rng() % 320) - 200 - 53) * ((rng() & 1) ? -1 : 1);
    const float f = float(v);
    uint32_t fb;
    std::memcpy(&fb, &f, 4);
    ASSERT_EQ(encode_value(DType::f32, v), fb) << v;
#ifdef __FLT16_MAX__
    const double w = std::ldexp(double(rng() >> 11), int(rng() % 50) - 30 - 53);
    const _Float16 h = _Float16(w);
    uint16_t hb;
    std::memcpy(&hb, &h, 2);
    ASSERT_EQ(encode_value(DType::f16, w), hb) << w;
#endif
  }
}

// ---------------------------------------------------------------------------------------------
// Fragment layouts
// ---------------------------------------------------------------------------------------------

size_t expected_elements(const AtomInfo& a, char op) {
  const size_t mm = size_t(a.mmas_per_warp);
  return op == 'A' ? mm * a.m * a.k : op == 'B' ? mm * a.k * a.n : mm * a.m * a.n;
}

int operand_regs(const AtomInfo& a, char op) {
  return op == 'A' ? a.a_regs : op == 'B' ? a.b_regs : op == 'C' ? a.c_regs : a.d_regs;
}

TEST(Fragments, EveryLayoutIsABijectionOntoTheMatrix) {
  for (const AtomInfo& a : all_atoms()) {
    SCOPED_TRACE(a.name);
    for (char op : {'A', 'B', 'C', 'D'}) {
      SCOPED_TRACE(std::string(1, op));
      const int rows = op == 'A' ? a.m : op == 'B' ? a.k : a.m;
      const int cols = op == 'A' ? a.k : op == 'B' ? a.n : a.n;
      std::set<std::tuple<int, int, int>> seen;
      const int e = elements_per_register(a, op);
      for (int lane = 0; lane < 32; ++lane)
        for (int r = 0; r < operand_regs(a, op); ++r)
          for (int el = 0; el < e; ++el) {
            const ElemPos p = fragment_position(a, op, lane, r, el);
            ASSERT_GE(p.row, 0); ASSERT_LT(p.row, rows);
            ASSERT_GE(p.col, 0); ASSERT_LT(p.col, cols);
            ASSERT_GE(p.mma, 0); ASSERT_LT(p.mma, a.mmas_per_warp);
            ASSERT_TRUE(seen.insert({p.mma, p.row, p.col}).second)
                << "lane " << lane << " reg " << r << " elem " << el << " duplicates (" << p.row << "," << p.col << ")";
          }
      EXPECT_EQ(seen.size(), expected_elements(a, op));
    }
  }
}

TEST(Fragments, ElementsPerRegister) {
  EXPECT_EQ(elements_per_register(atom_named("SM80_16x8x16_F32F16F16F32_TN"), 'A'), 2);
  EXPECT_EQ(elements_per_register(atom_named("SM80_16x8x16_F32F16F16F32_TN"), 'D'), 1);
  EXPECT_EQ(elements_per_register(atom_named("SM80_16x8x16_F16F16F16F16_TN"), 'C'), 2);
  EXPECT_EQ(elements_per_register(atom_named("SM80_16x8x64_S32S4S4S32_TN"), 'B'), 8);
  EXPECT_EQ(elements_per_register(atom_named("SM80_16x8x256_S32U1U1S32_TN_XORPOPC"), 'A'), 32);
  EXPECT_EQ(elements_per_register(atom_named("SM90_16x8x16_F64F64F64F64_TN"), 'A'), 1);
  EXPECT_EQ(elements_per_register(atom_named("SM89_16x8x32_F32E4M3E4M3F32_TN"), 'A'), 4);
}

// Spot checks against the PTX ISA formulas, written out per case.
TEST(Fragments, MatchesPtxIsaFormulas) {
  auto pos = [](const char* atom, char op, int lane, int reg, int elem) {
    const ElemPos p = fragment_position(atom_named(atom), op, lane, reg, elem);
    return std::make_tuple(p.mma, p.row, p.col);
  };
  using T = std::tuple<int, int, int>;
  // m16n8k16 f16 A: a_i, i = 2*reg + elem; row g (+8 for i in 2,3,6,7), col 2t + (i&1) (+8 for i >= 4).
  EXPECT_EQ(pos("SM80_16x8x16_F32F16F16F32_TN", 'A', 5, 3, 1), T(0, 9, 11));
  EXPECT_EQ(pos("SM80_16x8x16_F32F16F16F32_TN", 'A', 5, 1, 0), T(0, 9, 2));
  // m16n8k16 f16 B: row 2t + (i&1) (+8 for i >= 2), col g.
  EXPECT_EQ(pos("SM80_16x8x16_F32F16F16F32_TN", 'B', 30, 1, 1), T(0, 13, 7));
  // m16n8kK C: row g (+8 for c2, c3), col 2t + (i&1).
  EXPECT_EQ(pos("SM80_16x8x16_F32F16F16F32_TN", 'C', 30, 3, 0), T(0, 15, 5));
  EXPECT_EQ(pos("SM80_16x8x16_F16F16F16F16_TN", 'C', 30, 1, 1), T(0, 15, 5));
  // m16n8k8 tf32 A: a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4).
  EXPECT_EQ(pos("SM80_16x8x8_F32TF32TF32F32_TN", 'A', 6, 2, 0), T(0, 1, 6));
  EXPECT_EQ(pos("SM80_16x8x8_F32TF32TF32F32_TN", 'B', 6, 1, 0), T(0, 6, 1));
  // m16n8k16 f64 A: row g (+8 for odd i), col (i*2)+t for even i, (i*2)-2+t for odd i.
  EXPECT_EQ(pos("SM90_16x8x16_F64F64F64F64_TN", 'A', 7, 5, 0), T(0, 9, 8 + 3));
  EXPECT_EQ(pos("SM90_16x8x16_F64F64F64F64_TN", 'B', 7, 3, 0), T(0, 15, 1));
  // m16n8k32 s8 A: row g (+8 for a4-7, a12-15), col 4t + (i&3) (+16 for i >= 8).
  EXPECT_EQ(pos("SM80_16x8x32_S32S8S8S32_TN", 'A', 9, 3, 2), T(0, 10, 16 + 4 + 2));
  // m16n8k64 s4 B: row 8t + (i&7) (+32 for i >= 8), col g.
  EXPECT_EQ(pos("SM80_16x8x64_S32S4S4S32_TN", 'B', 31, 1, 7), T(0, 32 + 24 + 7, 7));
  // m16n8k256 b1 A: row g (+8), col 32t + (i&31) (+128 for i >= 64).
  EXPECT_EQ(pos("SM80_16x8x256_S32U1U1S32_TN_ANDPOPC", 'A', 2, 2, 31), T(0, 0, 128 + 64 + 31));
  // m8n8k16 s8, m8n8k32 s4, m8n8k128 b1, m8n8k4 f64: row g, col t*e + i; C col 2t + i.
  EXPECT_EQ(pos("SM75_8x8x16_S32S8S8S32_TN", 'A', 13, 0, 3), T(0, 3, 7));
  EXPECT_EQ(pos("SM75_8x8x32_S32S4S4S32_TN", 'B', 13, 0, 3), T(0, 11, 3));
  EXPECT_EQ(pos("SM75_8x8x128_S32U1U1S32_TN_XORPOPC", 'A', 3, 0, 5), T(0, 0, 101));
  EXPECT_EQ(pos("SM80_8x8x4_F64F64F64F64_TN", 'A', 13, 0, 0), T(0, 3, 1));
  EXPECT_EQ(pos("SM80_8x8x4_F64F64F64F64_TN", 'C', 13, 1, 0), T(0, 3, 3));
  // m8n8k4 f16: quad-pair (lane>>2)&3; row lane%4 (+4 for lanes >= 16); A col / B row = i.
  EXPECT_EQ(pos("SM70_8x8x4_F16F16F16F16_TN", 'A', 22, 1, 1), T(1, 6, 3));
  EXPECT_EQ(pos("SM70_8x8x4_F16F16F16F16_TN", 'B', 9, 0, 1), T(2, 1, 1));
  EXPECT_EQ(pos("SM70_8x8x4_F16F16F16F16_TN", 'C', 29, 3, 0), T(3, 5, 6));
  // m8n8k4 f32 C: row (lane&1) + (i&2) (+4 for lanes >= 16), col (i&4) + (lane&2) + (i&1).
  EXPECT_EQ(pos("SM70_8x8x4_F32F16F16F32_TN", 'C', 17, 6, 0), T(0, 7, 4));
  EXPECT_EQ(pos("SM70_8x8x4_F32F16F16F32_TN", 'C', 6, 5, 0), T(1, 0, 7));
  EXPECT_EQ(pos("SM70_8x8x4_F32F16F16F32_TN", 'C', 27, 3, 0), T(2, 7, 3));
}

TEST(Fragments, QuadPairLanesOnlyTouchTheirOwnProduct) {
  for (const char* name : {"SM70_8x8x4_F16F16F16F16_TN", "SM70_8x8x4_F32F16F16F32_TN"}) {
    const AtomInfo& a = atom_named(name);
    for (char op : {'A', 'B', 'C'})
      for (int lane = 0; lane < 32; ++lane)
        for (int r = 0; r < operand_regs(a, op); ++r)
          for (int el = 0; el < elements_per_register(a, op); ++el) {
            const ElemPos p = fragment_position(a, op, lane, r, el);
            EXPECT_EQ(p.mma, (lane % 16) / 4);
            if (op != 'B') { EXPECT_EQ(p.row >= 4, lane >= 16); }  // low group rows 0-3, high group 4-7
          }
  }
}

// ---------------------------------------------------------------------------------------------
// Emulated warp: reference result scattered into registers
// ---------------------------------------------------------------------------------------------

uint64_t get_elem(const uint8_t* regs, int nregs, int reg_bytes, int lane, int reg, int elem, int bits) {
  uint64_t w = 0;
  const uint8_t* p = regs + (size_t(lane) * nregs + reg) * reg_bytes;
  for (int i = 0; i < reg_bytes; ++i) w |= uint64_t(p[i]) << (8 * i);
  w >>= elem * bits;
  return bits == 64 ? w : w & ((uint64_t(1) << bits) - 1);
}

void set_elem(uint8_t* regs, int nregs, int reg_bytes, int lane, int reg, int elem, int bits, uint64_t v) {
  uint8_t* p = regs + (size_t(lane) * nregs + reg) * reg_bytes;
  uint64_t w = 0;
  for (int i = 0; i < reg_bytes; ++i) w |= uint64_t(p[i]) << (8 * i);
  const uint64_t mask = (bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1) << (elem * bits);
  w = (w & ~mask) | ((v << (elem * bits)) & mask);
  for (int i = 0; i < reg_bytes; ++i) p[i] = uint8_t(w >> (8 * i));
}

// sum_k a*b of one output element, straight from the matrices (b1: popc of AND / XOR).
long double ref_dot(const AtomInfo& a, const OperandSet& ops, int mma, int row, int col, long double* abs_sum = nullptr) {
  long double s = 0, as = 0;
  for (int kk = 0; kk < a.k; ++kk) {
    const uint64_t x = ops.a[size_t(mma) * a.m * a.k + size_t(row) * a.k + kk];
    const uint64_t y = ops.b[size_t(mma) * a.k * a.n + size_t(kk) * a.n + col];
    long double t;
    if (a.bitop == BitOp::and_popc) t = (long double)(x & y & 1);
    else if (a.bitop == BitOp::xor_popc) t = (long double)((x ^ y) & 1);
    else t = (long double)decode_value(a.a, x) * decode_value(a.b, y);
    s += t;
    as += std::fabs(t);
  }
  if (abs_sum) *abs_sum = as;
  return s;
}

long double ref_d(const AtomInfo& a, const OperandSet& ops, long steps, int mma, int row, int col) {
  const long double c = decode_value(a.c, ops.c[size_t(mma) * a.m * a.n + size_t(row) * a.n + col]);
  const long double s = dtype_is_float(a.d) ? steps % 2 : steps;
  return c + s * ref_dot(a, ops, mma, row, col);
}

std::vector<uint8_t> emulate_warp(const AtomInfo& a, const OperandSet& ops, long steps) {
  std::vector<uint8_t> d(size_t(32) * a.d_regs * a.cd_reg_bytes, 0);
  const int bits = dtype_bits(a.d);
  for (int lane = 0; lane < 32; ++lane)
    for (int r = 0; r < a.d_regs; ++r)
      for (int el = 0; el < elements_per_register(a, 'D'); ++el) {
        const ElemPos p = fragment_position(a, 'D', lane, r, el);
        set_elem(d.data(), a.d_regs, a.cd_reg_bytes, lane, r, el, bits,
                 encode_value(a.d, double(ref_d(a, ops, steps, p.mma, p.row, p.col))));
      }
  return d;
}

// Registers hold exactly the matrix elements that fragment_position says they do.
TEST(Operands, RegistersMatchMatricesThroughTheLayout) {
  for (const AtomInfo& a : all_atoms()) {
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::random, 42, 1025);
    ASSERT_EQ(ops.a.size(), expected_elements(a, 'A'));
    ASSERT_EQ(ops.b.size(), expected_elements(a, 'B'));
    ASSERT_EQ(ops.c.size(), expected_elements(a, 'C'));
    ASSERT_EQ(ops.a_regs.size(), size_t(32) * a.a_regs * a.ab_reg_bytes);
    ASSERT_EQ(ops.b_regs.size(), size_t(32) * a.b_regs * a.ab_reg_bytes);
    ASSERT_EQ(ops.b_neg_regs.size(), ops.b_regs.size());
    ASSERT_EQ(ops.c_regs.size(), size_t(32) * a.c_regs * a.cd_reg_bytes);
    struct Op { char op; const std::vector<uint64_t>& m; const std::vector<uint8_t>& regs; int nregs, rb; DType t; };
    for (const Op& o : {Op{'A', ops.a, ops.a_regs, a.a_regs, a.ab_reg_bytes, a.a},
                        Op{'B', ops.b, ops.b_regs, a.b_regs, a.ab_reg_bytes, a.b},
                        Op{'C', ops.c, ops.c_regs, a.c_regs, a.cd_reg_bytes, a.c}}) {
      const int n = o.op == 'A' ? a.k : o.op == 'B' ? a.n : a.n;
      const size_t block = expected_elements(a, o.op) / a.mmas_per_warp;
      for (int lane = 0; lane < 32; ++lane)
        for (int r = 0; r < o.nregs; ++r)
          for (int el = 0; el < elements_per_register(a, o.op); ++el) {
            const ElemPos p = fragment_position(a, o.op, lane, r, el);
            ASSERT_EQ(get_elem(o.regs.data(), o.nregs, o.rb, lane, r, el, dtype_bits(o.t)),
                      o.m[p.mma * block + size_t(p.row) * n + p.col]);
          }
    }
  }
}

TEST(Operands, BnegFlipsFloatSignsAndEqualsBForIntegers) {
  for (const AtomInfo& a : all_atoms()) {
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::exact, 5, 1025);
    if (!dtype_is_float(a.b)) {
      EXPECT_EQ(ops.b_neg_regs, ops.b_regs);
      continue;
    }
    const int bits = dtype_bits(a.b), e = elements_per_register(a, 'B');
    for (int lane = 0; lane < 32; ++lane)
      for (int r = 0; r < a.b_regs; ++r)
        for (int el = 0; el < e; ++el) {
          const double b = decode_value(a.b, get_elem(ops.b_regs.data(), a.b_regs, a.ab_reg_bytes, lane, r, el, bits));
          const double nb = decode_value(a.b, get_elem(ops.b_neg_regs.data(), a.b_regs, a.ab_reg_bytes, lane, r, el, bits));
          ASSERT_NE(b, 0.0);
          ASSERT_EQ(nb, -b);
        }
  }
}

TEST(Operands, ZerosModeIsAllZeroBits) {
  for (const AtomInfo& a : all_atoms()) {
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::zeros, 1, 1025);
    for (const auto* regs : {&ops.a_regs, &ops.b_regs, &ops.b_neg_regs, &ops.c_regs})
      for (uint8_t byte : *regs) ASSERT_EQ(byte, 0);
  }
}

TEST(Operands, RandomFloatsAreNonZeroNearOneWithFullSignificands) {
  for (const AtomInfo& a : all_atoms()) {
    if (!dtype_is_float(a.a)) continue;
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::random, 9, 1025);
    std::set<uint64_t> distinct;
    for (const auto* m : {&ops.a, &ops.b}) {
      const DType t = m == &ops.a ? a.a : a.b;
      for (uint64_t x : *m) {
        const double v = std::fabs(decode_value(t, x));
        ASSERT_GE(v, 0.25);
        ASSERT_LT(v, 4.0);
        if (t == DType::tf32) { ASSERT_EQ(x & 0x1FFFu, 0u); }
        distinct.insert(x);
      }
    }
    for (uint64_t x : ops.c) ASSERT_NE(decode_value(a.c, x), 0.0);
    EXPECT_GT(distinct.size(), size_t(a.a == DType::e5m2 || a.b == DType::e5m2 ? 20 : 40));
  }
}

TEST(Operands, IntegerDataCannotOverflowTheChain) {
  for (const AtomInfo& a : every_atom()) {
    if (dtype_is_float(a.a)) continue;
    SCOPED_TRACE(a.name);
    for (long max_steps : {1L, 1025L, 100000L}) {
      const OperandSet ops = make_operands(a, DataMode::random, 3, max_steps);
      double ma = 0, mb = 0, mc = 0;
      for (uint64_t x : ops.a) ma = std::max(ma, std::fabs(decode_value(a.a, x)));
      for (uint64_t x : ops.b) mb = std::max(mb, std::fabs(decode_value(a.b, x)));
      for (uint64_t x : ops.c) mc = std::max(mc, std::fabs(decode_value(a.c, x)));
      EXPECT_LT(mc + double(max_steps) * a.k * ma * mb, 2147483648.0);
      EXPECT_GT(ma * mb, 0.0);
      // Full range when the bound allows it (one step: every type's extremes fit).
      if (max_steps == 1 && a.a != DType::b1) {
        EXPECT_GE(ma, a.a == DType::s8 || a.a == DType::u8 ? 100 : 7);
        EXPECT_GE(mb, a.b == DType::s8 || a.b == DType::u8 ? 100 : 7);
      }
    }
  }
  EXPECT_THROW(make_operands(atom_named("SM80_16x8x256_S32U1U1S32_TN_XORPOPC"), DataMode::random, 1, 100000000L),
               std::invalid_argument);
}

// Every exact-mode set: values non-zero; all addends (C and each product) are multiples of one
// grid 2^L and |C| + sum|a*b| < 2^budget * 2^L, so any summation order is exact within budget
// bits; C and C + A*B are exactly representable in the accumulator type and C + A*B != 0.
int exact_budget_for(const AtomInfo& a) {
  const bool fp8 = a.a == DType::e4m3 || a.a == DType::e5m2 || a.b == DType::e4m3 || a.b == DType::e5m2;
  return a.d == DType::f16 ? 11 : a.d == DType::f64 ? 50 : fp8 ? 13 : 22;
}

int lowest_set_bit_exponent(long double v) {  // largest L with v a multiple of 2^L
  int e;
  long double m = std::frexp(std::fabs(v), &e);  // v = m * 2^e
  int l = e;
  while (m != std::floor(m)) { m *= 2; --l; }
  return l;
}

int significant_bits(double v) {
  if (v == 0) return 0;
  int e;
  double m = std::frexp(std::fabs(v), &e);
  int n = 0;
  while (m != 0) { m = m * 2 - std::floor(m * 2); ++n; }
  return n;
}

TEST(Operands, ExactDataGivesExactlyRepresentableResults) {
  for (const AtomInfo& a : every_atom()) {
    if (!dtype_is_float(a.a)) continue;
    SCOPED_TRACE(a.name);
    const int budget = exact_budget_for(a);
    for (uint64_t seed : {1ull, 2ull, 77ull, 12345ull, 0xdeadbeefull}) {
      const OperandSet ops = make_operands(a, DataMode::exact, seed, 1025);
      std::set<int> exps;
      std::set<bool> signs;
      for (uint64_t x : ops.a) {
        const double v = decode_value(a.a, x);
        ASSERT_NE(v, 0.0);
        if (a.a == DType::f64) { ASSERT_LE(significant_bits(v), 20); }
        int e;
        std::frexp(v, &e);
        exps.insert(e);
        signs.insert(v < 0);
      }
      EXPECT_GE(exps.size(), 2u) << "exponents should vary";
      EXPECT_EQ(signs.size(), 2u);
      for (int mma = 0; mma < a.mmas_per_warp; ++mma)
        for (int r = 0; r < a.m; ++r)
          for (int c = 0; c < a.n; ++c) {
            const long double cv = decode_value(a.c, ops.c[size_t(mma) * a.m * a.n + size_t(r) * a.n + c]);
            ASSERT_NE(cv, 0.0L);
            int grid = lowest_set_bit_exponent(cv);
            long double abs_sum = std::fabs(cv), sum = cv;
            for (int kk = 0; kk < a.k; ++kk) {
              const long double p = (long double)decode_value(a.a, ops.a[size_t(mma) * a.m * a.k + size_t(r) * a.k + kk]) *
                                    decode_value(a.b, ops.b[size_t(mma) * a.k * a.n + size_t(kk) * a.n + c]);
              grid = std::min(grid, lowest_set_bit_exponent(p));
              abs_sum += std::fabs(p);
              sum += p;
            }
            ASSERT_LT(abs_sum, std::ldexp(1.0L, grid + budget)) << "partial sums may need more than " << budget << " bits";
            ASSERT_NE(sum, 0.0L);
            for (long double v : {cv, sum}) {
              ASSERT_EQ((long double)decode_value(a.d, encode_value(a.d, double(v))), v);
              ASSERT_EQ((long double)decode_value(a.c, encode_value(a.c, double(v))), v);
            }
          }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// verify_chain
// ---------------------------------------------------------------------------------------------

TEST(Verify, AcceptsTheEmulatedWarpForEveryAtomModeAndChainLength) {
  for (const AtomInfo& a : all_atoms()) {
    SCOPED_TRACE(a.name);
    for (DataMode mode : {DataMode::exact, DataMode::random, DataMode::zeros}) {
      SCOPED_TRACE(data_mode_name(mode));
      const OperandSet ops = make_operands(a, mode, 2024, 7);
      for (long steps : {0L, 1L, 2L, 7L}) {
        SCOPED_TRACE(steps);
        const std::vector<uint8_t> d = emulate_warp(a, ops, steps);
        const Verdict v = verify_chain(a, ops, mode, steps, d.data());
        EXPECT_TRUE(v.ok) << v.detail;
        EXPECT_EQ(v.mismatches, 0);
        EXPECT_EQ(v.bit_exact, !dtype_is_float(a.d) || mode != DataMode::random);
        if (v.bit_exact) { EXPECT_EQ(v.max_abs_err, 0.0); }
        else EXPECT_GT(v.tolerance, 0.0);
        // Even chains of float atoms give C back: the registers then equal c_regs.
        if (dtype_is_float(a.d) && steps % 2 == 0) { EXPECT_EQ(d, ops.c_regs); }
      }
    }
  }
}

TEST(Verify, IntegerChainsAccumulateEveryStep) {
  const AtomInfo& a = atom_named("SM80_16x8x32_S32S8S8S32_TN");
  const OperandSet ops = make_operands(a, DataMode::random, 8, 7);
  const std::vector<uint8_t> d1 = emulate_warp(a, ops, 1);
  EXPECT_TRUE(verify_chain(a, ops, DataMode::random, 1, d1.data()).ok);
  EXPECT_FALSE(verify_chain(a, ops, DataMode::random, 7, d1.data()).ok);
  EXPECT_TRUE(verify_chain(a, ops, DataMode::random, 7, emulate_warp(a, ops, 7).data()).ok);
}

// Exact data make A*B visible in every output: the result of an odd chain fails an even one.
TEST(Verify, RejectsTheWrongChainParity) {
  for (const AtomInfo& a : all_atoms()) {
    if (!dtype_is_float(a.d)) continue;
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::exact, 21, 7);
    const Verdict v = verify_chain(a, ops, DataMode::exact, 2, emulate_warp(a, ops, 1).data());
    EXPECT_FALSE(v.ok);
    EXPECT_GT(v.mismatches, long(a.m * a.n * a.mmas_per_warp) / 2);
  }
}

TEST(Verify, RejectsOneFlippedBitInExactMode) {
  for (const AtomInfo& a : all_atoms()) {
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::exact, 99, 7);
    for (long steps : {1L, 2L, 7L}) {
      std::vector<uint8_t> d = emulate_warp(a, ops, steps);
      d[size_t(13) * a.d_regs * a.cd_reg_bytes] ^= 1;  // lowest bit of lane 13's first register
      const Verdict v = verify_chain(a, ops, DataMode::exact, steps, d.data());
      EXPECT_FALSE(v.ok);
      EXPECT_EQ(v.mismatches, 1);
      EXPECT_NE(v.detail.find("lane 13 reg 0 elem 0"), std::string::npos) << v.detail;
      EXPECT_GT(v.max_abs_err, 0.0);
    }
  }
}

TEST(Verify, RejectsSwappedLanes) {
  for (const AtomInfo& a : all_atoms()) {
    SCOPED_TRACE(a.name);
    for (DataMode mode : {DataMode::exact, DataMode::random}) {
      const OperandSet ops = make_operands(a, mode, 4, 7);
      std::vector<uint8_t> d = emulate_warp(a, ops, 1);
      const size_t lane_bytes = size_t(a.d_regs) * a.cd_reg_bytes;
      ASSERT_NE(std::memcmp(&d[0], &d[5 * lane_bytes], lane_bytes), 0);
      std::swap_ranges(d.begin(), d.begin() + lane_bytes, d.begin() + 5 * lane_bytes);
      const Verdict v = verify_chain(a, ops, mode, 1, d.data());
      EXPECT_FALSE(v.ok) << data_mode_name(mode);
      EXPECT_GE(v.mismatches, 1);
    }
  }
}

// Random mode: a 10% error in the largest output must exceed the tolerance.
TEST(Verify, RejectsATenPercentErrorInRandomMode) {
  for (const AtomInfo& a : all_atoms()) {
    if (!dtype_is_float(a.d)) continue;
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::random, 17, 7);
    std::vector<uint8_t> d = emulate_warp(a, ops, 1);
    const int bits = dtype_bits(a.d);
    int best_lane = 0, best_reg = 0, best_el = 0;
    double best = -1;
    for (int lane = 0; lane < 32; ++lane)
      for (int r = 0; r < a.d_regs; ++r)
        for (int el = 0; el < elements_per_register(a, 'D'); ++el) {
          const double v = std::fabs(decode_value(a.d, get_elem(d.data(), a.d_regs, a.cd_reg_bytes, lane, r, el, bits)));
          if (v > best) { best = v; best_lane = lane; best_reg = r; best_el = el; }
        }
    const double v = decode_value(a.d, get_elem(d.data(), a.d_regs, a.cd_reg_bytes, best_lane, best_reg, best_el, bits));
    set_elem(d.data(), a.d_regs, a.cd_reg_bytes, best_lane, best_reg, best_el, bits, encode_value(a.d, v * 1.1));
    const Verdict verdict = verify_chain(a, ops, DataMode::random, 1, d.data());
    EXPECT_FALSE(verdict.ok) << "tolerance " << verdict.tolerance << " value " << v;
    EXPECT_EQ(verdict.mismatches, 1);
    EXPECT_FALSE(verdict.bit_exact);
  }
}

TEST(Verify, NanNeverPasses) {
  for (const char* name : {"SM80_16x8x16_F32F16F16F32_TN", "SM80_16x8x16_F16F16F16F16_TN", "SM90_16x8x4_F64F64F64F64_TN"}) {
    const AtomInfo& a = atom_named(name);
    for (DataMode mode : {DataMode::random, DataMode::exact, DataMode::zeros}) {
      const OperandSet ops = make_operands(a, mode, 1, 7);
      std::vector<uint8_t> d = emulate_warp(a, ops, 1);
      set_elem(d.data(), a.d_regs, a.cd_reg_bytes, 0, 0, 0, dtype_bits(a.d), encode_value(a.d, std::nan("")));
      const Verdict v = verify_chain(a, ops, mode, 1, d.data());
      EXPECT_FALSE(v.ok) << name << " " << data_mode_name(mode);
      EXPECT_TRUE(std::isinf(v.max_abs_err));
    }
  }
}

TEST(Verify, DetailNamesTheMismatch) {
  const AtomInfo& a = atom_named("SM80_16x8x8_F32BF16BF16F32_TN");
  const OperandSet ops = make_operands(a, DataMode::exact, 3, 7);
  std::vector<uint8_t> d = emulate_warp(a, ops, 1);
  // lane 6, reg 2 -> row g + 8 = 9, col 2*t + 0 = 4.
  set_elem(d.data(), a.d_regs, a.cd_reg_bytes, 6, 2, 0, 32, encode_value(DType::f32, 12345.0));
  const Verdict v = verify_chain(a, ops, DataMode::exact, 1, d.data());
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.detail.find("lane 6 reg 2"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("row 9, col 4"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("got 12345"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("1 of 128"), std::string::npos) << v.detail;
}

// ---------------------------------------------------------------------------------------------
// Packed matrices (OperandForm::matrices) and verify_matrix_chain
// ---------------------------------------------------------------------------------------------

// Reads `bits` bits at bit offset `bit` of a little-endian byte stream (independent of the
// library's packed_element).
uint64_t read_bits(const std::vector<uint8_t>& bytes, size_t bit, int bits) {
  if (bits >= 8) {
    EXPECT_EQ(bit % 8, 0u);
    uint64_t v = 0;
    for (int i = 0; i < bits / 8; ++i) v |= uint64_t(bytes.at(bit / 8 + i)) << (8 * i);
    return v;
  }
  return (bytes.at(bit / 8) >> (bit % 8)) & ((1u << bits) - 1);
}

uint64_t low(uint64_t v, int bits) { return bits == 64 ? v : v & ((uint64_t(1) << bits) - 1); }

// The reference D as a packed matrix (what a correct kernel stores).
std::vector<uint8_t> emulate_matrix(const AtomInfo& a, const OperandSet& ops, long steps) {
  const int bits = dtype_bits(a.d);
  std::vector<uint8_t> d(size_t(a.mmas_per_warp) * a.m * a.n * bits / 8, 0);
  size_t i = 0;
  for (int mma = 0; mma < a.mmas_per_warp; ++mma)
    for (int r = 0; r < a.m; ++r)
      for (int c = 0; c < a.n; ++c, ++i) {
        const uint64_t v = encode_value(a.d, double(ref_d(a, ops, steps, mma, r, c)));
        for (int j = 0; j < bits / 8; ++j) d[i * bits / 8 + j] = uint8_t(v >> (8 * j));
      }
  return d;
}

// a_mat / b_mat / c_mat unpack to exactly a, the columns of b, and c, for every atom.
TEST(MatrixOperands, PackedMatricesHoldTheMatrices) {
  for (const AtomInfo& a : every_atom()) {
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::random, 42, 7);
    const int ba = dtype_bits(a.a), bb = dtype_bits(a.b), bc = dtype_bits(a.c);
    const size_t mm = size_t(a.mmas_per_warp);
    ASSERT_EQ(ops.a_mat.size(), mm * a.m * a.k * ba / 8);
    ASSERT_EQ(ops.b_mat.size(), mm * a.n * a.k * bb / 8);
    ASSERT_EQ(ops.b_neg_mat.size(), ops.b_mat.size());
    ASSERT_EQ(ops.c_mat.size(), mm * a.m * a.n * bc / 8);
    for (size_t mma = 0; mma < mm; ++mma) {
      for (int r = 0; r < a.m; ++r)
        for (int kk = 0; kk < a.k; ++kk) {  // row r of block mma starts at byte (mma*m + r)*k*bits/8
          const size_t bit = ((mma * a.m + r) * a.k + kk) * ba;
          ASSERT_EQ(read_bits(ops.a_mat, bit, ba), low(ops.a[(mma * a.m + r) * a.k + kk], ba)) << r << "," << kk;
        }
      for (int col = 0; col < a.n; ++col)
        for (int kk = 0; kk < a.k; ++kk) {  // column col of B: k contiguous elements
          const size_t bit = ((mma * a.n + col) * a.k + kk) * bb;
          ASSERT_EQ(read_bits(ops.b_mat, bit, bb), low(ops.b[(mma * a.k + kk) * a.n + col], bb)) << kk << "," << col;
        }
      for (int r = 0; r < a.m; ++r)
        for (int col = 0; col < a.n; ++col) {
          const size_t idx = (mma * a.m + r) * a.n + col;
          ASSERT_EQ(read_bits(ops.c_mat, idx * bc, bc), low(ops.c[idx], bc));
          ASSERT_EQ(packed_element(ops.c_mat.data(), idx, bc), low(ops.c[idx], bc));
        }
    }
  }
}

// The bit order inside a byte, spelled out for the sub-byte types, and the element widths.
TEST(MatrixOperands, SubByteAndWideElementsPackLittleEndian) {
  {
    const AtomInfo& a = matrix_atom_named("WMMA_8x8x32_S32S4S4S32");
    const OperandSet ops = make_operands(a, DataMode::random, 1, 7);
    for (int i = 0; i < 16; ++i) ASSERT_EQ(ops.a_mat[i], (ops.a[2 * i] & 0xF) | (ops.a[2 * i + 1] & 0xF) << 4);
    EXPECT_EQ(decode_value(DType::s4, ops.a_mat[0] & 0xF), decode_value(DType::s4, ops.a[0]));
  }
  for (const char* name : {"WMMA_8x8x128_S32U1U1S32_XORPOPC", "WGMMA_64x256x256_S32U1U1S32_ANDPOPC"}) {
    const AtomInfo& a = matrix_atom_named(name);
    const OperandSet ops = make_operands(a, DataMode::random, 1, 7);
    for (int i = 0; i < 64; ++i) ASSERT_EQ((ops.a_mat[i / 8] >> (i % 8)) & 1, ops.a[i] & 1) << name;
    // Row 1 starts at byte k/8; column 1 of B at byte k/8 and holds B[kk][1].
    for (int kk = 0; kk < 8; ++kk) {
      ASSERT_EQ((ops.a_mat[a.k / 8] >> kk) & 1, ops.a[a.k + kk] & 1);
      ASSERT_EQ((ops.b_mat[a.k / 8] >> kk) & 1, ops.b[size_t(kk) * a.n + 1] & 1);
    }
  }
  {
    const AtomInfo& a = matrix_atom_named("WMMA_8x8x4_F64F64F64F64");
    const OperandSet ops = make_operands(a, DataMode::exact, 1, 7);
    double v;
    std::memcpy(&v, &ops.a_mat[8 * 5], 8);  // A[1][1] = element 5 (k = 4)
    EXPECT_EQ(v, decode_value(DType::f64, ops.a[5]));
    std::memcpy(&v, &ops.b_mat[8 * 6], 8);  // column 1, kk = 2 -> B[2][1]
    EXPECT_EQ(v, decode_value(DType::f64, ops.b[2 * 8 + 1]));
  }
  {
    const AtomInfo& a = matrix_atom_named("WGMMA_64x128x32_F16E4M3E4M3F16");
    const OperandSet ops = make_operands(a, DataMode::exact, 1, 7);
    EXPECT_EQ(ops.a_mat[33], ops.a[33]);            // one byte per e4m3 element
    EXPECT_EQ(ops.b_mat[32 + 3], ops.b[3 * 128 + 1]);  // column 1, kk = 3
    EXPECT_EQ(ops.c_mat[2 * 7] | ops.c_mat[2 * 7 + 1] << 8, ops.c[7]);  // f16 accumulator: 2 bytes
  }
}

TEST(MatrixOperands, BnegMatFlipsFloatSignsAndZerosModeIsAllZero) {
  for (const AtomInfo& a : every_atom()) {
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::exact, 5, 7);
    if (!dtype_is_float(a.b)) {
      EXPECT_EQ(ops.b_neg_mat, ops.b_mat);
    } else {
      const int bits = dtype_bits(a.b);
      for (size_t i = 0; i < ops.b.size(); ++i) {
        const double b = decode_value(a.b, read_bits(ops.b_mat, i * bits, bits));
        ASSERT_NE(b, 0.0);
        ASSERT_EQ(decode_value(a.b, read_bits(ops.b_neg_mat, i * bits, bits)), -b);
      }
    }
    const OperandSet z = make_operands(a, DataMode::zeros, 5, 7);
    for (const auto* m : {&z.a_mat, &z.b_mat, &z.b_neg_mat, &z.c_mat}) {
      ASSERT_FALSE(m->empty());
      for (uint8_t byte : *m) ASSERT_EQ(byte, 0);
    }
  }
}

// wmma / wgmma register fields describe opaque fragments: no lane registers are built for them.
TEST(MatrixOperands, NoLaneRegistersForWholeMatrixFamilies) {
  for (const AtomInfo& a : matrix_atoms()) {
    SCOPED_TRACE(a.name);
    for (DataMode mode : {DataMode::random, DataMode::exact, DataMode::zeros}) {
      const OperandSet ops = make_operands(a, mode, 3, 7);
      EXPECT_TRUE(ops.a_regs.empty() && ops.b_regs.empty() && ops.b_neg_regs.empty() && ops.c_regs.empty());
      EXPECT_FALSE(ops.a_mat.empty());
    }
  }
  const OperandSet ops = make_operands(atom_named("SM80_16x8x16_F32F16F16F32_TN"), DataMode::random, 3, 7);
  EXPECT_FALSE(ops.a_regs.empty() || ops.b_regs.empty() || ops.b_neg_regs.empty() || ops.c_regs.empty());
}

TEST(MatrixOperands, ExactModeRefusesAKTooLargeForTheAccumulator) {
  AtomInfo a = matrix_atom_named("WGMMA_64x256x16_F16F16F16F16");
  a.n = 8;
  a.k = 1024;  // (k + 1) products need 11 bits before any significand bit: no exact data exist
  EXPECT_THROW(make_operands(a, DataMode::exact, 1, 7), std::invalid_argument);
  EXPECT_NO_THROW(make_operands(a, DataMode::random, 1, 7));
}

TEST(VerifyMatrix, AcceptsTheReferenceForEveryAtomModeAndChainLength) {
  for (const AtomInfo& a : every_atom()) {
    SCOPED_TRACE(a.name);
    for (DataMode mode : {DataMode::exact, DataMode::random, DataMode::zeros}) {
      SCOPED_TRACE(data_mode_name(mode));
      const OperandSet ops = make_operands(a, mode, 2024, 7);
      for (long steps : {1L, 2L, 7L}) {
        SCOPED_TRACE(steps);
        const std::vector<uint8_t> d = emulate_matrix(a, ops, steps);
        const Verdict v = verify_matrix_chain(a, ops, mode, steps, d.data());
        EXPECT_TRUE(v.ok) << v.detail;
        EXPECT_EQ(v.mismatches, 0);
        EXPECT_EQ(v.bit_exact, !dtype_is_float(a.d) || mode != DataMode::random);
        if (v.bit_exact) { EXPECT_EQ(v.max_abs_err, 0.0); }
        else EXPECT_GT(v.tolerance, 0.0);
        if (dtype_is_float(a.d) && steps % 2 == 0) { EXPECT_EQ(d, ops.c_mat); }
        if (a.family == Family::mma_sync) {  // both forms of one result agree
          const Verdict r = verify_chain(a, ops, mode, steps, emulate_warp(a, ops, steps).data());
          EXPECT_TRUE(r.ok);
          EXPECT_EQ(r.tolerance, v.tolerance);
        }
      }
      if (!dtype_is_float(a.d) && mode != DataMode::zeros) {  // integers accumulate every step
        EXPECT_FALSE(verify_matrix_chain(a, ops, mode, 7, emulate_matrix(a, ops, 1).data()).ok);
      }
    }
  }
}

TEST(VerifyMatrix, RejectsOneFlippedBitInExactMode) {
  for (const AtomInfo& a : every_atom()) {
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::exact, 99, 7);
    const int bytes = dtype_bits(a.d) / 8;
    for (long steps : {1L, 2L, 7L}) {
      std::vector<uint8_t> d = emulate_matrix(a, ops, steps);
      const int row = a.m - 3, col = a.n - 2;
      d[(size_t(row) * a.n + col) * bytes] ^= 1;  // lowest bit of D[row][col] (first mma)
      const Verdict v = verify_matrix_chain(a, ops, DataMode::exact, steps, d.data());
      EXPECT_FALSE(v.ok);
      EXPECT_EQ(v.mismatches, 1);
      const std::string at = "(row " + std::to_string(row) + ", col " + std::to_string(col) + ")";
      EXPECT_NE(v.detail.find(at), std::string::npos) << v.detail;
      EXPECT_GT(v.max_abs_err, 0.0);
    }
    // Exact data make A*B visible (where it does not cancel): an odd chain's result fails an even one.
    if (dtype_is_float(a.d)) {
      const Verdict v = verify_matrix_chain(a, ops, DataMode::exact, 2, emulate_matrix(a, ops, 1).data());
      EXPECT_FALSE(v.ok);
      EXPECT_GT(v.mismatches, long(a.m) * a.n * a.mmas_per_warp / 2);
    }
  }
}

TEST(VerifyMatrix, RejectsATenPercentErrorInRandomModeAndNan) {
  for (const AtomInfo& a : matrix_atoms()) {
    if (!dtype_is_float(a.d)) continue;
    SCOPED_TRACE(a.name);
    const OperandSet ops = make_operands(a, DataMode::random, 17, 7);
    const int bytes = dtype_bits(a.d) / 8;
    auto set = [&](std::vector<uint8_t>& d, size_t i, uint64_t v) {
      for (int j = 0; j < bytes; ++j) d[i * bytes + j] = uint8_t(v >> (8 * j));
    };
    std::vector<uint8_t> d = emulate_matrix(a, ops, 1);
    size_t best = 0;
    for (size_t i = 0; i < size_t(a.m) * a.n; ++i)
      if (std::fabs(decode_value(a.d, packed_element(d.data(), i, 8 * bytes))) >
          std::fabs(decode_value(a.d, packed_element(d.data(), best, 8 * bytes))))
        best = i;
    const double v = decode_value(a.d, packed_element(d.data(), best, 8 * bytes));
    std::vector<uint8_t> off = d;
    set(off, best, encode_value(a.d, v * 1.1));
    Verdict verdict = verify_matrix_chain(a, ops, DataMode::random, 1, off.data());
    EXPECT_FALSE(verdict.ok) << "tolerance " << verdict.tolerance << " value " << v;
    EXPECT_EQ(verdict.mismatches, 1);
    set(d, 0, encode_value(a.d, std::nan("")));
    verdict = verify_matrix_chain(a, ops, DataMode::random, 1, d.data());
    EXPECT_FALSE(verdict.ok);
    EXPECT_TRUE(std::isinf(verdict.max_abs_err));
  }
}

TEST(VerifyMatrix, DetailNamesTheMismatch) {
  const AtomInfo& a = matrix_atom_named("WGMMA_64x256x16_F32F16F16F32");
  const OperandSet ops = make_operands(a, DataMode::exact, 3, 7);
  std::vector<uint8_t> d = emulate_matrix(a, ops, 1);
  const uint64_t bad = encode_value(DType::f32, 12345.0);
  for (int j = 0; j < 4; ++j) d[(size_t(9) * 256 + 200) * 4 + j] = uint8_t(bad >> (8 * j));
  const Verdict v = verify_matrix_chain(a, ops, DataMode::exact, 1, d.data());
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.detail.find("row 9, col 200"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("got 12345"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("1 of 16384"), std::string::npos) << v.detail;
}

}  // namespace
}  // namespace tcb
