#include <gtest/gtest.h>

#include <algorithm>

#include "harness/io/result_row.hpp"

TEST(ResultRow, ColumnOrder) {
  const std::vector<std::string> expected = {
      "family", "ptx", "atom", "m", "n", "k", "a_type", "b_type", "c_type", "d_type", "arch", "metric",
      "warps_per_sm", "ilp", "size_bytes", "params", "value", "unit", "bound", "median", "iqr", "cv", "samples", "discarded", "sm_clock_mhz",
      "native", "sass_opcodes", "verified", "valid", "note"};
  EXPECT_EQ(tcb::csv_columns(), expected);
}

TEST(ResultRow, FieldsFollowColumns) {
  tcb::ResultRow r;
  r.family = "mma.sync";
  r.ptx = "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32";
  r.atom = "SM80_16x8x16_F32F16F16F32_TN";
  r.m = 16, r.n = 8, r.k = 16;
  r.a_type = "f16", r.b_type = "f16", r.c_type = "f32", r.d_type = "f32";
  r.arch = "sm_90";
  r.metric = "ops_per_clk_sm";
  r.warps_per_sm = 32, r.ilp = 4;
  r.value = 2047.5;
  r.unit = "ops/clk/SM";
  r.stats.median = 2047.5, r.stats.iqr = 0.25, r.stats.cv = 0.001, r.stats.samples = 7;
  r.discarded = 1;
  r.sm_clock_mhz = 1755;
  r.native = true;
  r.sass_opcodes = "HMMA.16816.F32";
  r.verified = true;
  r.valid = false;
  r.note = "x";

  const auto f = tcb::csv_fields(r);
  ASSERT_EQ(f.size(), tcb::csv_columns().size());
  auto at = [&](const std::string& col) {
    const auto& c = tcb::csv_columns();
    return f[std::find(c.begin(), c.end(), col) - c.begin()];
  };
  EXPECT_EQ(at("family"), "mma.sync");
  EXPECT_EQ(at("m"), "16");
  EXPECT_EQ(at("warps_per_sm"), "32");
  EXPECT_EQ(at("value"), "2047.5");
  EXPECT_EQ(at("cv"), "0.001");
  EXPECT_EQ(at("samples"), "7");
  EXPECT_EQ(at("discarded"), "1");
  EXPECT_EQ(at("sm_clock_mhz"), "1755");
  EXPECT_EQ(at("native"), "true");
  EXPECT_EQ(at("valid"), "false");
  EXPECT_EQ(at("sass_opcodes"), "HMMA.16816.F32");
  EXPECT_EQ(at("note"), "x");
}
