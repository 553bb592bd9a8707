#include <gtest/gtest.h>

#include "harness/device/peaks.hpp"

using tcb::DType;
using tcb::peak_fma_per_clk_sm;

TEST(Peaks, DatasheetEntries) {
  EXPECT_EQ(peak_fma_per_clk_sm(70, DType::f16, DType::f32), 512);
  EXPECT_EQ(peak_fma_per_clk_sm(75, DType::s8, DType::s32), 1024);
  EXPECT_EQ(peak_fma_per_clk_sm(75, DType::b1, DType::s32), 8192);
  EXPECT_EQ(peak_fma_per_clk_sm(80, DType::bf16, DType::f32), 1024);
  EXPECT_EQ(peak_fma_per_clk_sm(80, DType::tf32, DType::f32), 512);
  EXPECT_EQ(peak_fma_per_clk_sm(80, DType::f64, DType::f64), 64);
  EXPECT_EQ(peak_fma_per_clk_sm(80, DType::u4, DType::s32), 4096);
  EXPECT_EQ(peak_fma_per_clk_sm(86, DType::tf32, DType::f32), 256);
  EXPECT_EQ(peak_fma_per_clk_sm(89, DType::e4m3, DType::f32), 1024);
  EXPECT_EQ(peak_fma_per_clk_sm(89, DType::e5m2, DType::f16), 1024);
  EXPECT_EQ(peak_fma_per_clk_sm(90, DType::f16, DType::f16), 2048);
  EXPECT_EQ(peak_fma_per_clk_sm(90, DType::s8, DType::s32), 4096);
  EXPECT_EQ(peak_fma_per_clk_sm(90, DType::f64, DType::f64), 128);
}

TEST(Peaks, AccumulatorDoesNotLowerTheBound) {
  // GeForce GA10x runs f16 x f16 + f32 at half rate; the table keeps the larger figure.
  EXPECT_EQ(peak_fma_per_clk_sm(86, DType::f16, DType::f32), peak_fma_per_clk_sm(86, DType::f16, DType::f16));
}

TEST(Peaks, OpsAreTwiceFma) {
  EXPECT_EQ(tcb::peak_ops_per_clk_sm(80, DType::f16, DType::f32), 2048);
}

TEST(Peaks, UnknownIsZero) {
  EXPECT_EQ(peak_fma_per_clk_sm(70, DType::s8, DType::s32), 0);   // Volta has no int8 tensor path
  EXPECT_EQ(peak_fma_per_clk_sm(80, DType::e4m3, DType::f32), 0); // no fp8 before Ada
  EXPECT_EQ(peak_fma_per_clk_sm(61, DType::f16, DType::f32), 0);  // no tensor cores
  EXPECT_EQ(peak_fma_per_clk_sm(90, DType::s32, DType::s32), 0);
}
