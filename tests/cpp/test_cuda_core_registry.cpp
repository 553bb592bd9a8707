// The CUDA-core family without a GPU: its four benchmarks are registered with their metadata (PTX,
// types, table, SASS expectations), it is in the default sweep, it refuses the architectures it
// cannot run on with the reason, its bounds are the table's, and its host reference rounds exactly
// as IEEE fma does (checked against independent roundings: a double's conversion to float, and
// cuda_fp16.h / cuda_bf16.h's __double2half / __double2bfloat16).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>

#include "families/cuda_core/cuda_core.hpp"
#include "families/cuda_core/peaks.hpp"
#include "families/cuda_core/reference.hpp"
#include "harness/core/benchmark.hpp"
#include "harness/core/config.hpp"
#include "harness/core/regex.hpp"
#include "harness/device/device_info.hpp"
#include "harness/sass/sass.hpp"

namespace tcb {
namespace {

using namespace tcb::cuda_core;

const core::Benchmark* find(const std::string& atom) {
  for (const auto& b : core::benchmarks())
    if (b.family() == "cuda_core" && b.name() == atom) return &b;
  return nullptr;
}

DeviceInfo device_of_sm(int sm) {
  DeviceInfo d;
  d.sm = sm;
  d.sm_count = 132;
  return d;
}

struct Expected {
  const char* atom;
  const char* ptx;
  const char* type;
  int m;
  const char* opcode;  // an opcode its SASS must hold (sm_80 / sm_90)
};
constexpr Expected kExpected[] = {
    {"SM70_FFMA_F32", "fma.rn.f32", "f32", 32, "FFMA"},
    {"SM70_HFMA2_F16", "fma.rn.f16x2", "f16", 64, "HFMA2"},
    {"SM80_HFMA2_BF16", "fma.rn.bf16x2", "bf16", 64, "HFMA2.BF16_V2"},
    {"SM70_DFMA_F64", "fma.rn.f64", "f64", 32, "DFMA"},
};

TEST(CudaCoreRegistry, TheFourBenchmarksAreRegisteredWithTheirMetadata) {
  int in_family = 0;
  for (const auto& b : core::benchmarks()) in_family += b.family() == "cuda_core";
  EXPECT_EQ(in_family, 4);
  EXPECT_EQ(cuda_core::benchmarks().size(), 4u);
  for (const auto& e : kExpected) {
    SCOPED_TRACE(e.atom);
    const core::Benchmark* b = find(e.atom);
    ASSERT_NE(b, nullptr) << "not registered";
    EXPECT_EQ(b->row.ptx, e.ptx);
    EXPECT_EQ(b->table, "instructions");
    for (const auto* t : {&b->row.a_type, &b->row.b_type, &b->row.c_type, &b->row.d_type}) EXPECT_EQ(*t, e.type);
    // One warp instruction = m independent multiply-adds: 2 m n k ops, as the MMA atoms count.
    EXPECT_EQ(b->row.m, e.m);
    EXPECT_EQ(b->row.n, 1);
    EXPECT_EQ(b->row.k, 1);
    EXPECT_TRUE(b->run != nullptr);
    EXPECT_TRUE(b->unsupported != nullptr);
    ASSERT_FALSE(b->sass_kernel.empty());
    EXPECT_NE(b->sass_kernel.find("fma_chain<tcb::cuda_core::"), std::string::npos);
    ASSERT_FALSE(b->sass_opcodes.empty());
    EXPECT_EQ(regex_problem(b->sass_opcodes), "");
    EXPECT_TRUE(is_native(b->sass_opcodes, {e.opcode})) << b->sass_opcodes << " misses " << e.opcode;
  }
}

TEST(CudaCoreRegistry, SassRegexesTellTheInstructionsApart) {
  // ptxas issues half of a chain's f16x2 / bf16x2 FMAs on the MMA pipe (HFMA2.MMA, HFMA2.MMA.BF16_V2).
  EXPECT_TRUE(is_native(find("SM70_HFMA2_F16")->sass_opcodes, {"HFMA2.MMA"}));
  EXPECT_TRUE(is_native(find("SM80_HFMA2_BF16")->sass_opcodes, {"HFMA2.MMA.BF16_V2"}));
  EXPECT_FALSE(is_native(find("SM80_HFMA2_BF16")->sass_opcodes, {"HFMA2", "HFMA2.MMA"}));
  EXPECT_FALSE(is_native(find("SM70_FFMA_F32")->sass_opcodes, {"DFMA", "HFMA2", "FMUL"}));
  EXPECT_FALSE(is_native(find("SM70_DFMA_F64")->sass_opcodes, {"FFMA", "DMUL"}));
  // Each kernel substring names one instruction's kernels only.
  std::set<std::string> kernels;
  for (const auto& e : kExpected) {
    const std::string& k = find(e.atom)->sass_kernel;
    for (const auto& other : kExpected)
      if (other.atom != e.atom) EXPECT_EQ(find(other.atom)->sass_kernel.find(k), std::string::npos) << k;
    EXPECT_TRUE(kernels.insert(k).second);
  }
}

TEST(CudaCoreRegistry, InTheDefaultSweep) {
  const auto names = core::family_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "cuda_core"), names.end());
  const auto defaults = core::default_family_names();
  EXPECT_NE(std::find(defaults.begin(), defaults.end(), "cuda_core"), defaults.end());
  const SweepConfig shipped = load_config_text(embedded_default_config(), "<embedded>");
  EXPECT_NE(std::find(shipped.families.begin(), shipped.families.end(), "cuda_core"), shipped.families.end());
}

TEST(CudaCoreRegistry, RefusesOlderArchitecturesWithTheReason) {
  for (const auto& e : kExpected) {
    const std::string why = find(e.atom)->unsupported(device_of_sm(61));
    EXPECT_NE(why.find("needs sm_"), std::string::npos) << e.atom << ": " << why;
    EXPECT_NE(why.find("sm_61"), std::string::npos) << e.atom << ": " << why;
  }
  const std::string bf16 = find("SM80_HFMA2_BF16")->unsupported(device_of_sm(75));
  EXPECT_NE(bf16.find("needs sm_80+"), std::string::npos) << bf16;
}

TEST(CudaCorePeaks, TheTableOfTheProgrammingGuide) {
  EXPECT_EQ(fma_results_per_clk_sm(90, DType::f32), 128);
  EXPECT_EQ(fma_results_per_clk_sm(90, DType::f16), 256);
  EXPECT_EQ(fma_results_per_clk_sm(90, DType::bf16), 256);
  EXPECT_EQ(fma_results_per_clk_sm(90, DType::f64), 64);
  EXPECT_EQ(fma_results_per_clk_sm(80, DType::f32), 64);
  EXPECT_EQ(fma_results_per_clk_sm(80, DType::f16), 256);
  EXPECT_EQ(fma_results_per_clk_sm(80, DType::bf16), 128);
  EXPECT_EQ(fma_results_per_clk_sm(80, DType::f64), 32);
  EXPECT_EQ(fma_results_per_clk_sm(86, DType::f64), 2);
  EXPECT_EQ(fma_results_per_clk_sm(89, DType::f64), 2);
  EXPECT_EQ(ops_per_clk_sm(90, DType::f32), 256);
  EXPECT_EQ(fma_results_per_clk_sm(70, DType::bf16), 0);  // no bf16 arithmetic before sm_80
  EXPECT_EQ(fma_results_per_clk_sm(100, DType::f32), 0);  // not in the table: unchecked, not wrong
  EXPECT_EQ(fma_results_per_clk_sm(90, DType::s8), 0);
}

TEST(CudaCoreChains, StepsAreWholeIterations) {
  EXPECT_EQ(unroll_for(1), 256);
  EXPECT_EQ(unroll_for(8), 32);
  EXPECT_EQ(throughput_chain_steps(512), 4096);  // the default config
  for (long s : {2L, 3L, 100L, 513L, 16384L}) {
    const long steps = throughput_chain_steps(s);
    EXPECT_EQ(steps % unroll_for(1), 0) << s;
    EXPECT_GE(steps, s * kStepsPerMmaStep) << s;
    EXPECT_LT(steps, s * kStepsPerMmaStep + unroll_for(1)) << s;
  }
}

// ---- the host reference ----------------------------------------------------------------------

uint16_t half_bits(__half h) {
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}
uint16_t bfloat_bits(__nv_bfloat16 h) {
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}

// a * b + c exact in a double (no rounding error): then one conversion of it is the fused result.
bool exact_in_double(double a, double b, double c) {
  const double p = a * b, s = p + c;
  const double pv = s - c, cv = s - pv;
  return std::fma(a, b, -p) == 0 && (p - pv) + (c - cv) == 0;
}

TEST(CudaCoreReference, RoundsOnceLikeAnIndependentConversion) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> draw(-2.0, 2.0);
  std::uniform_int_distribution<int> scale(-30, 4);
  int checked16 = 0, checked_bf = 0, checked32 = 0;
  for (int i = 0; i < 200000; ++i) {
    const double a0 = std::ldexp(draw(rng), scale(rng)), c0 = draw(rng) * (i % 3 ? 1.0 : 1e-4);
    {  // f16: against cuda_fp16.h's double -> half
      const double a = f16_value(f16_bits(round_to(kF16, a0))), c = f16_value(f16_bits(round_to(kF16, c0)));
      if (exact_in_double(a, a, c)) {
        ASSERT_EQ(f16_bits(fma_in(kF16, a, a, c)), half_bits(__double2half(a * a + c))) << a << " " << c;
        ++checked16;
      }
    }
    {  // bf16: against cuda_bf16.h's double -> bfloat16
      const double a = bf16_value(bf16_bits(round_to(kBF16, a0))), c = bf16_value(bf16_bits(round_to(kBF16, c0)));
      if (exact_in_double(a, a, c)) {
        ASSERT_EQ(bf16_bits(fma_in(kBF16, a, a, c)), bfloat_bits(__double2bfloat16(a * a + c))) << a << " " << c;
        ++checked_bf;
      }
    }
    {  // f32: against the hardware's double -> float conversion and C's fmaf
      const float a = float(a0), c = float(c0);
      const float want = std::fma(a, a, c);
      ASSERT_EQ(float(fma_in(kF32, a, a, c)), want) << a << " " << c;
      if (exact_in_double(a, a, c)) ASSERT_EQ(float(fma_in(kF32, a, a, c)), float(double(a) * a + c));
      ++checked32;
    }
  }
  EXPECT_GT(checked16, 100000);
  EXPECT_GT(checked_bf, 100000);
  EXPECT_EQ(checked32, 200000);
}

TEST(CudaCoreReference, SubnormalsTiesAndOverflow) {
  // f16: the smallest subnormal is 2^-24; 2^-25 is a tie between 0 and it (to even: 0), just
  // above it rounds up, 3 x 2^-25 ties to 2 x 2^-24 (even).
  EXPECT_EQ(f16_bits(round_to(kF16, std::ldexp(1.0, -25))), 0x0000);
  EXPECT_EQ(f16_bits(round_to(kF16, std::ldexp(1.0, -25), 1e-300)), 0x0001);
  EXPECT_EQ(f16_bits(round_to(kF16, 3 * std::ldexp(1.0, -25))), 0x0002);
  EXPECT_EQ(f16_value(0x0001), std::ldexp(1.0, -24));
  // 1 + 2^-11 is half-way between 1 and 1 + 2^-10: even (1); a hair above: up.
  EXPECT_EQ(f16_bits(round_to(kF16, 1 + std::ldexp(1.0, -11))), 0x3c00);
  EXPECT_EQ(f16_bits(round_to(kF16, 1 + std::ldexp(1.0, -11), 1e-30)), 0x3c01);
  EXPECT_EQ(f16_bits(round_to(kF16, 1 + std::ldexp(1.0, -11), -1e-30)), 0x3c00);
  EXPECT_EQ(f16_bits(round_to(kF16, 65520.0)), 0x7c00);  // 65504 + half an ulp: infinity
  EXPECT_EQ(f16_bits(round_to(kF16, 65519.0)), 0x7bff);
  EXPECT_EQ(bf16_bits(round_to(kBF16, -1.9)), 0xbff3);
  EXPECT_EQ(f16_bits(round_to(kF16, -1.9)), 0xbf9a);
  for (uint32_t b = 0; b < 0x7c00; b += 7) EXPECT_EQ(f16_bits(f16_value(uint16_t(b))), b);
  for (uint32_t b = 0; b < 0x7f80; b += 7) EXPECT_EQ(bf16_bits(bf16_value(uint16_t(b))), b);
}

TEST(CudaCoreReference, ChainsStayBoundedAndTellLengthsApart) {
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::f64}) {
    SCOPED_TRACE(dtype_name(t));
    const double cv[2] = {-1.9, -1.7};
    const uint64_t c = register_of(t, cv);
    const double xv[2] = {0.3, -1.1};
    const uint64_t x0 = register_of(t, xv);
    const auto ends = chain_ends(t, x0, c, {0, 1, 4096 - 256, 4096 - 32, 4096, 4096});
    EXPECT_EQ(ends[0], x0);
    EXPECT_NE(ends[1], x0);
    EXPECT_NE(ends[4], ends[2]);  // a missing loop iteration (ILP 1) shows
    EXPECT_NE(ends[4], ends[3]);  // and at ILP 8
    EXPECT_NE(ends[4], x0);
    EXPECT_EQ(ends[4], ends[5]);
    double v[2];
    unpack(t, ends[4], v);
    for (int i = 0; i < values_per_register(t); ++i) {
      EXPECT_GE(v[i], -1.95);
      EXPECT_LE(v[i], 1.72);
    }
  }
  // f32 and f64 steps are C's fma in that type.
  const float xf = 0.3f, cf = -1.9f;
  double v[1] = {xf}, cvv[1] = {cf};
  double out[1];
  unpack(DType::f32, chain_ends(DType::f32, register_of(DType::f32, v), register_of(DType::f32, cvv), {1})[0], out);
  EXPECT_EQ(float(out[0]), std::fma(xf, xf, cf));
  const double xd = 0.3, cd = -1.9;
  double vd[1] = {xd}, cdd[1] = {cd};
  unpack(DType::f64, chain_ends(DType::f64, register_of(DType::f64, vd), register_of(DType::f64, cdd), {1})[0], out);
  EXPECT_EQ(out[0], std::fma(xd, xd, cd));
}

}  // namespace
}  // namespace tcb
