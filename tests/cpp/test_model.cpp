// The CPU tensor-core model: the published test vectors of Fasi et al. 2021 (PeerJ CS 7:e330,
// their test suite's V100 and T4/A100 binary16 programs) with the bits each model predicts,
// block-size / extra-bit / carry / accumulator-width discriminators, k chaining, NaN/Inf,
// integer wrap and .satfinite, the mnemonic parser and the text batch format.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "model/batch_io.hpp"
#include "model/presets.hpp"
#include "model/tc_model.hpp"

namespace {

using namespace tcb::model;
using V = std::vector<uint64_t>;

uint64_t f32(double v) {
  const float f = float(v);
  EXPECT_EQ(double(f), v) << "test value not exact in f32";
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
uint64_t f64(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}
double p2(int e) { return std::ldexp(1.0, e); }

PathParams path(const char* preset, const char* ptx) { return resolve(preset, ptx).params; }
uint64_t run(const PathParams& p, V a, V b, uint64_t c) {
  EXPECT_EQ(a.size(), b.size());
  return dot(p, a.data(), b.data(), int(a.size()), c);
}

// fp16 patterns
constexpr uint64_t H1 = 0x3c00, HM1 = 0xbc00, H2 = 0x4000, HM2 = 0xc000, H4 = 0x4400, HHALF = 0x3800,
                   HQUARTER = 0x3400, HMIN_SUB = 0x0001, H3SUB = 0x0003, HBELOW1 = 0x3bff, H2M14 = 0x0400;

const char* kV100 = "mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32";
const char* kV100h = "mma.sync.aligned.m8n8k4.row.col.f16.f16.f16.f16";
const char* kA100 = "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32";

// ---- A. subnormals --------------------------------------------------------------------------

TEST(ModelSubnormals, Fp16SubnormalInputsAndOutputs) {
  const PathParams p = path("v100", kV100), ph = path("v100", kV100h);
  EXPECT_EQ(run(p, {HMIN_SUB}, {H4}, 0), f32(p2(-22)));           // 2^-24 * 4
  EXPECT_EQ(run(ph, {HMIN_SUB}, {H4}, 0), 0x0004u);               // 2^-22 is an fp16 subnormal
  EXPECT_EQ(run(ph, {H2M14}, {HHALF}, 0), 0x0200u);               // 2^-15: subnormal fp16 output
  EXPECT_EQ(run(p, {0}, {0}, 0x00000001), 0x00000001u);           // fp32 subnormal c survives
  PathParams ftz = p;
  ftz.in_subnormals = false;
  EXPECT_EQ(run(ftz, {HMIN_SUB}, {H4}, 0), 0u);
  ftz.c_subnormals = false;
  EXPECT_EQ(run(ftz, {0}, {0}, 0x00000001), 0u);
}

// ---- B. products exact, alignment to the largest exponent -----------------------------------

TEST(ModelAccuracy, ProductsAreExact) {
  const PathParams p = path("v100", kV100);
  EXPECT_EQ(run(p, {HBELOW1}, {HBELOW1}, 0), f32(1 - p2(-10) + p2(-22)));
  EXPECT_EQ(run(p, V(4, HBELOW1), V(4, HBELOW1), 0), f32(4 * (1 - p2(-10) + p2(-22))));
}

TEST(ModelAccuracy, SmallAddendsTruncatedAgainstLargest) {
  // c = 1 plus four products of 2^-24 (V100) / 2^-25 (A100): each is dropped on its own.
  EXPECT_EQ(run(path("v100", kV100), V(4, H1), V(4, HMIN_SUB), f32(1)), f32(1));
  EXPECT_EQ(run(path("a100", kA100), V(4, HHALF), V(4, HMIN_SUB), f32(1)), f32(1));
  // "Sum starts from the largest element": wherever the 1 sits, the small ones vanish.
  for (int j = 0; j < 4; ++j) {
    V a(4, H1), b(4, HMIN_SUB);
    b[size_t(j)] = H1;
    EXPECT_EQ(run(path("v100", kV100), a, b, f32(p2(-24))), f32(1)) << "position " << j;
  }
}

// ---- C. rounding ----------------------------------------------------------------------------

TEST(ModelRounding, TruncationNotRoundToNearest) {
  const PathParams p = path("v100", kV100);
  // 2 + 3*2^-24: the 3*2^-24 lies below the window of exponent 1 and is truncated.
  EXPECT_EQ(run(p, V(4, H1), {H2, H3SUB, 0, 0}, 0), f32(2));
  EXPECT_EQ(run(p, V(4, H1), {HM2, 0x8003, 0, 0}, 0), f32(-2));
  PathParams rn = p;  // the round-to-nearest hypothesis gives another answer
  rn.align_round = rn.block_round = rn.out_round = Round::rn;
  EXPECT_EQ(run(rn, V(4, H1), {H2, H3SUB, 0, 0}, 0), f32(2 + p2(-22)));
  // Round toward zero when normalising a carry: 5 + 3*2^-23 -> 5.
  EXPECT_EQ(run(p, V(4, H1), V(4, H1), f32(1 + p2(-22) + p2(-23))), f32(5));
  EXPECT_EQ(run(p, V(4, H1), V(4, HM1), f32(-1 - p2(-22) - p2(-23))), f32(-5));
}

TEST(ModelRounding, Fp16OutputRoundsToNearest) {
  // 0.75 * 2^-24 rounds to the smallest fp16 subnormal (round toward zero would give 0).
  EXPECT_EQ(run(path("v100", kV100h), {HMIN_SUB, HMIN_SUB, 0, 0}, {HHALF, HQUARTER, 0, 0}, 0), 0x0001u);
  EXPECT_EQ(run(path("v100", "wmma.mma.sync.aligned.row.col.m16n16k16.f16.f16"), {HMIN_SUB, HMIN_SUB},
                {HHALF, HQUARTER}, 0),
            0x0001u);
}

// ---- D. accumulator features ----------------------------------------------------------------

TEST(ModelAccumulator, ExtraAlignmentBitsPerGeneration) {
  // 1 - (1 - 2^-24): V100 keeps no extra bit (2^-23), A100 one (exact 2^-24).
  EXPECT_EQ(run(path("v100", kV100), {H1}, {H1}, f32(-(1 - p2(-24)))), f32(p2(-23)));
  EXPECT_EQ(run(path("a100", kA100), {H1}, {H1}, f32(-(1 - p2(-24)))), f32(p2(-24)));
  // 1 - (0.25 + 2^-25): one extra bit drops the 2^-25, two (H100) keep it.
  EXPECT_EQ(run(path("a100", kA100), {H1}, {H1}, f32(-(0.25 + p2(-25)))), f32(0.75));
  EXPECT_EQ(run(path("h100", kA100), {H1}, {H1}, f32(-(0.25 + p2(-25)))), f32(0.75 - p2(-24)));
}

TEST(ModelAccumulator, NoNormalisationInsideTheBlock) {
  // c = 1 - 2^-24 with four 2^-24 products: aligned on c's exponent, all kept, then 1 + 2^-23.
  EXPECT_EQ(run(path("v100", kV100), V(4, H1), V(4, HMIN_SUB), f32(1 - p2(-24))), f32(1 + p2(-23)));
  // 1 - 2^-24 + (-1 + 2^-24): V100 truncates both small parts of opposite sign -> 2^-23; A100: 0.
  EXPECT_EQ(run(path("v100", kV100), {H1, H1}, {H1, 0x8001}, f32(-1 + p2(-24))), f32(p2(-23)));
  EXPECT_EQ(run(path("a100", kA100), {H1, H1}, {H1, 0x8001}, f32(-1 + p2(-24))), 0u);
}

TEST(ModelAccumulator, NonMonotonic) {
  const PathParams p = path("a100", kA100);
  const V a(4, HHALF), b = {HMIN_SUB, HMIN_SUB, HMIN_SUB, H3SUB};
  const uint64_t below = run(p, a, b, f32(1 - p2(-24))), above = run(p, a, b, f32(1));
  EXPECT_EQ(below, f32(1 + p2(-23)));
  EXPECT_EQ(above, f32(1));  // a larger c gives a smaller result
}

TEST(ModelAccumulator, CarryBits) {
  PathParams p = path("v100", kV100);
  const V a(4, H1), b = {H1, 0x3e00, 0x3f00, 0x3f80};  // 1, 1.5, 1.75, 1.875
  EXPECT_EQ(run(p, a, b, f32(1.875)), f32(8));
  p.carry_bits = 3;
  EXPECT_EQ(run(p, a, b, f32(1.875)), f32(8));
  p.carry_bits = 2;  // the adder holds |x| < 8: 8 wraps to -8
  EXPECT_EQ(run(p, a, b, f32(1.875)), f32(-8));
}

TEST(ModelAccumulator, BlockSizeDetection) {
  // Eight products of 2^-25 then a 1: in separate blocks (A100, 8 per block) the small ones
  // sum exactly before the 1 arrives; in one 16-product block they are truncated away.
  V a(16, 0), b(16, 0);
  for (int i = 0; i < 8; ++i) { a[size_t(i)] = HHALF; b[size_t(i)] = HMIN_SUB; }
  a[8] = b[8] = H1;
  PathParams p = path("a100", kA100);
  EXPECT_EQ(p.block, 8);
  EXPECT_EQ(run(p, a, b, 0), f32(1 + p2(-22)));
  p.block = 16;
  EXPECT_EQ(run(p, a, b, 0), f32(1));
}

TEST(ModelAccumulator, NormaliseEachAddAndLateC) {
  PathParams p = path("v100", kV100);
  // Fused: c = 1 - 2^-24 fixes the window, the four 2^-24 survive (1 + 2^-23, see above).
  // Normalising after every addition: 1 - 2^-24 + 2^-24 = 1, then each later 2^-24 is dropped.
  p.normalise_each_add = true;
  EXPECT_EQ(run(p, V(4, H1), V(4, HMIN_SUB), f32(1 - p2(-24))), f32(1));
  // c added after the products: 4 * 2^-24 = 2^-22 first, then + (1 - 2^-24) on c's exponent.
  p.normalise_each_add = false;
  p.c_mode = CMode::after_products;
  EXPECT_EQ(run(p, V(4, H1), V(4, HMIN_SUB), f32(1 - p2(-24))), f32(1 + p2(-23)));
  // ... which differs when c is the large one: four products of 3*2^-25 against c = 1 (A100):
  // fused, each is truncated to 2^-24; added after, their exact sum 3*2^-23 is aligned once.
  PathParams fused = path("a100", kA100), late = fused;
  late.c_mode = CMode::after_products;
  EXPECT_EQ(run(fused, V(4, 0x3a00), V(4, 0x0002), f32(1)), f32(1 + p2(-22)));
  EXPECT_EQ(run(late, V(4, 0x3a00), V(4, 0x0002), f32(1)), f32(1 + 3 * p2(-23)));
  // Incoming c kept to 10 fraction bits only:
  PathParams short_c = fused;
  short_c.c_frac_bits = 10;
  EXPECT_EQ(run(short_c, {0}, {0}, f32(1 + p2(-10) + p2(-11))), f32(1 + p2(-10)));
}

TEST(ModelAccumulator, ProductAnchorUnnormalised) {
  // 1.5 * 1.5 = 2.25 sits at exponent 0 with its significand in [1,4) (the MATLAB models): with
  // one extra bit the window ends at 2^-24 and c = 2^-24 survives the cancellation; anchored on
  // the normalised exponent 1 it is dropped.
  PathParams p = path("a100", kA100);
  EXPECT_EQ(run(p, {0x3e00, 0x3e00}, {0x3e00, 0xbe00}, f32(p2(-24))), f32(p2(-24)));
  p.anchor_normalised = true;
  EXPECT_EQ(run(p, {0x3e00, 0x3e00}, {0x3e00, 0xbe00}, f32(p2(-24))), 0u);
}

// ---- tf32, fp8, f64 -------------------------------------------------------------------------

TEST(ModelFormats, Tf32LowBitsIgnoredOrRounded) {
  PathParams p = path("a100", "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32");
  EXPECT_EQ(p.block, 4);
  EXPECT_EQ(run(p, {0x3f801fff}, {0x3f800000}, 0), 0x3f800000u);  // low 13 bits ignored
  p.tf32_input = Tf32Input::nearest_even;
  EXPECT_EQ(run(p, {0x3f801fff}, {0x3f800000}, 0), 0x3f802000u);
}

TEST(ModelFormats, Fp8NarrowAccumulatorOnH100) {
  const PathParams p = path("h100", "wgmma.mma_async.sync.aligned.m64n8k32.f32.e4m3.e4m3");
  EXPECT_EQ(p.instr_k, 32);
  EXPECT_EQ(p.acc_frac_bits, 13);
  EXPECT_EQ(run(p, {0x38}, {0x38}, f32(p2(-13))), f32(1 + p2(-13)));  // 1 * 1 + 2^-13
  EXPECT_EQ(run(p, {0x38}, {0x38}, f32(p2(-14))), f32(1));            // beyond 13 bits
  EXPECT_EQ(run(p, {0x7e}, {0x38}, 0), f32(448));                     // e4m3 max
  EXPECT_EQ(run(p, {0x7f}, {0x38}, 0), 0x7fffffffu);                  // e4m3 NaN
  const PathParams e5 = path("h100", "mma.sync.aligned.m16n8k32.row.col.f32.e5m2.e4m3.f32");
  EXPECT_EQ(run(e5, {0x7c}, {0x38}, 0), 0x7f800000u);                 // e5m2 inf
}

TEST(ModelFormats, F64IsFusedRoundToNearest) {
  const PathParams p = path("a100", "mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64");
  const double x = 1 + p2(-30);
  EXPECT_EQ(run(p, {f64(x)}, {f64(x)}, f64(-1)), f64(p2(-29) + p2(-60)));  // no rounding of x*x
  EXPECT_EQ(run(p, {f64(1)}, {f64(1)}, f64(p2(-53))), f64(1));             // tie to even
  EXPECT_EQ(run(p, {f64(1)}, {f64(1)}, f64(p2(-53) + p2(-80))), f64(1 + p2(-52)));
}

// ---- NaN / Inf / overflow -------------------------------------------------------------------

TEST(ModelSpecials, NanInfRules) {
  const PathParams p = path("a100", kA100);
  EXPECT_EQ(run(p, {0x7c00}, {0}, 0), 0x7fffffffu);                  // inf * 0
  EXPECT_EQ(run(p, {0x7c00, 0xfc00}, {H1, H1}, 0), 0x7fffffffu);     // inf - inf
  EXPECT_EQ(run(p, {0x7c00}, {HM1}, 0), 0xff800000u);                // -inf
  EXPECT_EQ(run(p, {H1}, {H1}, 0x7fc00000), 0x7fffffffu);            // NaN c, canonical output
  EXPECT_EQ(run(p, {0x7c00}, {H1}, 0xff800000), 0x7fffffffu);        // inf + (-inf) c
  EXPECT_EQ(run(path("v100", kV100h), {0x7e00}, {H1}, 0), 0x7fffu);  // fp16 canonical NaN
  PathParams custom = p;
  custom.nan_bits = 0x7fc00000;
  EXPECT_EQ(run(custom, {0x7c00}, {0}, 0), 0x7fc00000u);
}

TEST(ModelSpecials, Overflow) {
  PathParams p = path("a100", "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32");
  EXPECT_EQ(run(p, {0x7f00}, {0x4000}, 0), 0x7f800000u);  // 2^127 * 2 -> +inf (MATLAB rule)
  p.overflow_to_inf = false;                              // IEEE round toward zero
  EXPECT_EQ(run(p, {0x7f00}, {0x4000}, 0), 0x7f7fffffu);
  // fp16 output overflow: 2^15 + 2^15
  EXPECT_EQ(run(path("v100", kV100h), {0x7800, 0x7800}, {H1, H1}, 0), 0x7c00u);
}

// ---- k chaining -----------------------------------------------------------------------------

TEST(ModelChaining, KIsSplitIntoInstructions) {
  const PathParams p = path("a100", kA100);
  EXPECT_EQ(run(p, V(32, H1), V(32, H1), 0), f32(32));
  EXPECT_EQ(run(p, V(20, H1), V(20, H1), f32(0.5)), f32(20.5));  // 16 + 4 (padded)
  // The second instruction takes the first one's D as its C.
  std::vector<uint64_t> a(32), b(32);
  for (int i = 0; i < 32; ++i) {
    a[size_t(i)] = uint64_t(0x3c00 + 37 * i);
    b[size_t(i)] = uint64_t(0x3800 + 53 * i) | (i % 3 ? 0x8000 : 0);
  }
  const uint64_t first = dot(p, a.data(), b.data(), 16, f32(3));
  EXPECT_EQ(dot(p, a.data(), b.data(), 32, f32(3)), dot(p, a.data() + 16, b.data() + 16, 16, first));
  // k = 0: c passes through one instruction unchanged.
  EXPECT_EQ(dot(p, nullptr, nullptr, 0, f32(1.25)), f32(1.25));
}

TEST(ModelChaining, Fp16OutputRoundsEachBlock) {
  // A100 fp16 output: each 8-product block is rounded to fp16 before the next (MATLAB recursion).
  // Block 1: 1 + 2^-11, a tie, rounds to 1; block 2 adds 2^-12: 1 + 2^-12 rounds to 1.
  PathParams p = path("a100", "mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16");
  V a(16, 0), b(16, 0);
  a[0] = b[0] = H1;
  a[1] = 0x1000; b[1] = H1;  // 2^-11
  a[8] = 0x0c00; b[8] = H1;  // 2^-12
  EXPECT_EQ(run(p, a, b, 0), 0x3c00u);
  p.chain_in_output = false;  // fp32 accumulator between blocks: 1 + 0.75 * 2^-10 rounds up
  EXPECT_EQ(run(p, a, b, 0), 0x3c01u);
}

// ---- integers -------------------------------------------------------------------------------

TEST(ModelIntegers, WrapAndSatfinite) {
  const PathParams wrap = path("a100", "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32");
  const PathParams sat = path("a100", "mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32");
  EXPECT_FALSE(wrap.satfinite);
  EXPECT_TRUE(sat.satfinite);
  EXPECT_EQ(run(wrap, V(32, 0x7f), V(32, 0x7f), 0x7fffffff), 0x8007e01fu);
  EXPECT_EQ(run(sat, V(32, 0x7f), V(32, 0x7f), 0x7fffffff), 0x7fffffffu);
  EXPECT_EQ(run(wrap, V(32, 0x80), V(32, 0x7f), 0x80000000), 0x7ff81000u);
  EXPECT_EQ(run(sat, V(32, 0x80), V(32, 0x7f), 0x80000000), 0x80000000u);
  const PathParams u8 = path("t4", "mma.sync.aligned.m8n8k16.row.col.s32.u8.s8.s32");
  EXPECT_EQ(run(u8, {0xff, 0xff}, {0xff, 0x01}, 0), uint64_t(uint32_t(255 * -1 + 255)));
  const PathParams s4 = path("a100", "mma.sync.aligned.m16n8k64.row.col.s32.s4.u4.s32");
  EXPECT_EQ(run(s4, V(64, 0x8), V(64, 0xf), 0), uint64_t(uint32_t(-8 * 15 * 64)));
  // .satfinite applies per instruction (k = 32 each): the first saturates, the second subtracts.
  V b(64, 0x7f);
  for (size_t i = 32; i < 64; ++i) b[i] = 0x81;  // -127
  EXPECT_EQ(run(sat, V(64, 0x7f), b, 0x7ffc0000), uint64_t(0x7fffffff - 32 * 127 * 127));
}

// ---- mnemonics and presets ------------------------------------------------------------------

TEST(ModelResolve, EveryMnemonicForm) {
  Resolved r = resolve("h100", "wgmma.mma_async.sync.aligned.m64n8k32.f32.e4m3.e5m2");
  EXPECT_EQ(r.instr.family, Family::wgmma);
  EXPECT_EQ(r.instr.k, 32);
  EXPECT_EQ(r.params.a, Fmt::e4m3);
  EXPECT_EQ(r.params.b, Fmt::e5m2);
  EXPECT_EQ(r.params.c, Fmt::f32);
  EXPECT_EQ(r.params.d, Fmt::f32);
  r = resolve("h100", "wgmma.mma_async.sync.aligned.m64n256k16.f16.f16.f16");
  EXPECT_EQ(r.instr.n, 256);
  EXPECT_EQ(r.params.d, Fmt::f16);
  EXPECT_TRUE(resolve("h100", "wgmma.mma_async.sync.aligned.m64n24k32.satfinite.s32.s8.u8").params.satfinite);
  r = resolve("v100", "wmma.mma.sync.aligned.row.col.m16n16k16.f32.f16");  // D C form: C is f16
  EXPECT_EQ(r.params.c, Fmt::f16);
  EXPECT_EQ(r.params.a, Fmt::f16);
  EXPECT_EQ(r.params.instr_k, 16);
  r = resolve("a100", "wmma.mma.sync.aligned.row.col.m16n16k16.f32.f16.f16.f32");  // D A B C form
  EXPECT_EQ(r.params.block, 8);
  EXPECT_EQ(resolve("a100", "wmma.mma.sync.aligned.row.col.m16n16k8.f32.tf32.tf32.f32").params.instr_k, 8);
  EXPECT_EQ(resolve("a100", "wmma.mma.sync.aligned.row.col.m8n8k4.f64.f64.f64.f64.rn").params.d, Fmt::f64);
  EXPECT_TRUE(resolve("t4", "wmma.mma.sync.aligned.row.col.m16n16k16.s32.s8.s8.s32.satfinite").params.satfinite);
  EXPECT_EQ(resolve("v100", "mma.sync.aligned.m8n8k4.col.row.f32.f16.f16.f16").params.c, Fmt::f16);
  EXPECT_EQ(resolve("h100", "mma.sync.aligned.m16n8k16.row.col.f64.f64.f64.f64").params.instr_k, 16);
  EXPECT_EQ(resolve("t4", "mma.sync.aligned.m8n8k32.row.col.s32.s4.s4.s32").params.instr_k, 32);
}

ResolveError::Kind error_kind(const std::string& preset, const std::string& ptx, std::string* msg = nullptr) {
  try {
    resolve(preset, ptx);
  } catch (const ResolveError& e) {
    if (msg) *msg = e.what();
    return e.kind;
  }
  ADD_FAILURE() << ptx << " resolved on " << preset;
  return ResolveError::no_path;
}

TEST(ModelResolve, ClearErrors) {
  std::string msg;
  EXPECT_EQ(error_kind("b200", kA100, &msg), ResolveError::unknown_preset);
  EXPECT_NE(msg.find("known: v100, t4, a100, h100"), std::string::npos) << msg;
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k17.row.col.f32.f16.f16.f32", &msg), ResolveError::bad_instruction);
  EXPECT_NE(msg.find("m16n8k17"), std::string::npos) << msg;
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k16.col.row.f32.f16.f16.f32"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k16.row.col.f16.bf16.bf16.f16"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f99"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k16.row.col.satfinite.f32.f16.f16.f32"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("a100", "mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32", &msg), ResolveError::bad_instruction);
  EXPECT_NE(msg.find("sparse"), std::string::npos) << msg;
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m8n8k128.row.col.s32.b1.b1.s32.xor.popc", &msg), ResolveError::bad_instruction);
  EXPECT_NE(msg.find("b1"), std::string::npos) << msg;
  EXPECT_EQ(error_kind("a100", "hmma.sync.m16n8k16"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("a100", "mma.sync..aligned.m16n8k16.row.col.f32.f16.f16.f32"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("a100", "wmma.load.a.sync.aligned.row.m16n16k16.f16"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("h100", "wgmma.mma_async.sync.aligned.m64n12k16.f32.f16.f16"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("h100", "wgmma.mma_async.sync.aligned.m64n40k32.s32.s8.s8"), ResolveError::bad_instruction);
  EXPECT_EQ(error_kind("h100", "wgmma.mma_async.sp.sync.aligned.m64n8k32.f32.f16.f16"), ResolveError::bad_instruction);
  // Exists in PTX, but not on that architecture:
  EXPECT_EQ(error_kind("v100", "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32", &msg), ResolveError::not_on_arch);
  EXPECT_NE(msg.find("sm_80"), std::string::npos) << msg;
  EXPECT_EQ(error_kind("a100", "wgmma.mma_async.sync.aligned.m64n8k16.f32.f16.f16"), ResolveError::not_on_arch);
  EXPECT_EQ(error_kind("t4", "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"), ResolveError::not_on_arch);
  EXPECT_EQ(error_kind("v100", "wmma.mma.sync.aligned.row.col.m16n16k16.s32.s8.s8.s32"), ResolveError::not_on_arch);
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32"), ResolveError::not_on_arch);
  EXPECT_EQ(error_kind("a100", "mma.sync.aligned.m16n8k8.row.col.f64.f64.f64.f64"), ResolveError::not_on_arch);
}

TEST(ModelResolve, EveryPresetRowIsUsableAndCited) {
  for (const std::string& name : preset_names()) {
    const Preset* p = find_preset(name);
    ASSERT_NE(p, nullptr);
    for (const PathRow& row : p->rows) {
      EXPECT_FALSE(row.p.source.empty()) << name << " " << in_class_name(row.in);
      // Literature presets say so; the H100 rows say what was measured (and what agrees with papers).
      const bool cited = row.p.source.find("from the literature") != std::string::npos ||
                         (p->measured && row.p.source.find("measured") != std::string::npos);
      EXPECT_TRUE(cited) << name << " " << row.p.source;
    }
  }
}

// ---- batch text format ----------------------------------------------------------------------

TEST(ModelBatch, RunsLinesAndReportsTheBadOne) {
  const PathParams p = path("v100", kV100);
  std::istringstream in("# comment\n\n3c00 3c00 0000 0000 3c00 4000 0000 0000 3f800000\n"
                        "0x3c00 0000 0000 0000 3c00 0000 0000 0000 00000000\n");
  std::ostringstream out;
  BatchError err;
  ASSERT_TRUE(run_batch(p, 4, in, out, &err)) << err.what;
  EXPECT_EQ(out.str(), "40800000\n3f800000\n");  // 1*1 + 1*2 + 1 = 4; 1*1 + 0 = 1
}

TEST(ModelBatch, Errors) {
  const PathParams p = path("v100", kV100);
  auto fails = [&](const std::string& text, long line, const std::string& needle) {
    std::istringstream in(text);
    std::ostringstream out;
    BatchError err;
    EXPECT_FALSE(run_batch(p, 2, in, out, &err)) << text;
    EXPECT_EQ(err.line, line) << err.what;
    EXPECT_NE(err.what.find(needle), std::string::npos) << err.what;
  };
  const std::string good = "3c00 3c00 3c00 3c00 00000000\n";
  fails(good + "3c00 3c00 3c00 00000000\n", 2, "expected 5 fields");
  fails(good + "# x\n3c00 3c0g 3c00 3c00 00000000\n", 3, "not hexadecimal");
  fails("3c00 3c00 3c00 3c00 0000000\n", 1, "has 7 hex digits");
  fails("3c00 03c00 3c00 3c00 00000000\n", 1, "field 2 (a1)");
  fails("3c00 3c00 3c00 3c00 00000000 00\n", 1, "found 6");
}

}  // namespace
