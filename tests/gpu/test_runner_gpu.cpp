// GPU tests (CTest label "gpu"): they run real kernels and skip, with the reason, without a GPU.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "harness/device/device_info.hpp"
#include "harness/device/peaks.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/runner.hpp"

namespace tcb {
namespace {

bool have_gpu(DeviceInfo* dev, std::string* why) { return query_device(0, dev, why); }

#define REQUIRE_GPU(dev)                                     \
  DeviceInfo dev;                                            \
  {                                                          \
    std::string why;                                         \
    if (!have_gpu(&dev, &why)) GTEST_SKIP() << "no GPU: " << why; \
  }

SweepConfig small_config(const std::string& include) {
  SweepConfig c;
  c.families = {"mma.sync", "mma.sp", "wmma", "wgmma"};  // the MMA families: movement has its own GPU tests
  c.include = {include};
  c.repetitions = 3;
  c.warmup = 1;
  c.warps_per_sm = {1, 8};
  c.ilp = {1, 4};
  c.latency_steps = {64, 256};
  c.throughput_steps = 128;
  return c;
}

TEST(GpuRunner, EverySupportedAtomVerifiesAndStaysUnderPeak) {
  REQUIRE_GPU(dev);
  RunOptions opt;
  opt.config = small_config(".");
  opt.device = dev;
  std::vector<ResultRow> rows;
  RunSummary s = run_sweep(opt, &rows);
  ASSERT_GT(rows.size(), 0u);
  std::set<std::string> measured;
  for (const auto& r : rows) {
    if (r.metric == "skipped") continue;
    EXPECT_TRUE(r.verified) << r.atom << " " << r.metric << ": " << r.note;
    EXPECT_TRUE(r.valid) << r.atom << " " << r.metric << ": " << r.note;
    if (r.metric == "ops_per_clk_sm") {
      EXPECT_GT(r.value, 0) << r.atom;
      DType a = DType::f16;  // the row's type name back to the enum via the registry
      for (const auto& b : registry()) if (r.atom == b.info.name) a = b.info.a;
      double peak = peak_ops_per_clk_sm(dev.sm, a, DType::f32);
      if (r.family == "mma.sp" || r.atom.rfind("SM90_SPARSE_", 0) == 0) peak *= 2;  // dense-equivalent rate of a 2:4 sparse instruction
      if (peak > 0) EXPECT_LE(r.value, peak) << r.atom;
    }
    if (r.metric == "latency_cycles") {
      EXPECT_GT(r.value, 4) << r.atom;
      EXPECT_LT(r.value, 2000) << r.atom;
    }
    measured.insert(r.atom);
  }
  for (const auto& b : registry())
    if (b.info.exists_on(dev.sm)) EXPECT_TRUE(measured.count(b.info.name)) << b.info.name << " not measured";
  EXPECT_EQ(s.invalid, 0);
}

TEST(GpuRunner, ZerosAndExactDataAlsoVerify) {
  REQUIRE_GPU(dev);
  for (DataMode m : {DataMode::zeros, DataMode::exact}) {
    RunOptions opt;
    opt.config = small_config("SM80_16x8x16_F32F16F16F32_TN|SM80_16x8x32_S32S8S8S32_TN");
    opt.config.data = m;
    opt.device = dev;
    std::vector<ResultRow> rows;
    run_sweep(opt, &rows);
    ASSERT_FALSE(rows.empty());
    for (const auto& r : rows) EXPECT_TRUE(r.verified) << data_mode_name(m) << " " << r.atom << ": " << r.note;
  }
}

TEST(GpuRunner, InstructionsMissingOnThisGpuAreSkippedWithReason) {
  REQUIRE_GPU(dev);
  RunOptions opt;
  opt.config = small_config(".");
  opt.config.throughput = false;
  opt.device = dev;
  opt.device.sm = 75;  // pretend to be Turing: sm_80+ atoms must be skipped, with the reason
  std::vector<ResultRow> rows;
  run_sweep(opt, &rows);
  int skipped = 0;
  for (const auto& r : rows)
    if (r.metric == "skipped") {
      ++skipped;
      EXPECT_NE(r.note.find("needs sm_"), std::string::npos) << r.note;
    }
  EXPECT_GT(skipped, 0);
}

TEST(GpuCli, RunWritesResultsAndInfoWorks) {
  REQUIRE_GPU(dev);
  std::string out = ::testing::TempDir() + "/tcb_cli_run";
  std::string cmd = std::string(TCB_BINARY) + " run --no-progress --force --filter 'SM80_16x8x16_F32F16F16F32_TN/' --out " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const char* f : {"/run.json", "/instructions.csv", "/benchmark.json.gz"}) {
    FILE* fp = std::fopen((out + f).c_str(), "r");
    EXPECT_NE(fp, nullptr) << f;
    if (fp) std::fclose(fp);
  }
  EXPECT_EQ(std::system((std::string(TCB_BINARY) + " info > /dev/null").c_str()), 0);
}

}  // namespace
}  // namespace tcb
