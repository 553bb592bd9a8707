// CLI behaviour that needs no GPU: exit codes and messages for bad input and a missing GPU.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/wait.h>

#include "harness/device_info.hpp"
#include "run_tcbench.hpp"

namespace {

using Result = CliResult;
Result run(const std::string& args, const char* stdin_text = nullptr) { return run_tcbench(args, stdin_text); }

bool gpu_present() {
  std::string err;
  return tcb::device_count(&err) > 0;
}

TEST(Cli, ListWorksWithoutGpuAndFilters) {
  Result r = run("list --filter 'bf16'");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("SM80_16x8x16_F32BF16BF16F32_TN"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("SM80_16x8x16_F32F16F16F32_TN "), std::string::npos) << r.out;
}

TEST(Cli, BadConfigExitsWithConfigCodeNamingFileLineField) {
  std::string path = ::testing::TempDir() + "/bad_config.yaml";
  std::ofstream(path) << "name: bad\nrepetitions: 3\nthroughput:\n  ilp: [1, 3]\n";
  Result r = run("run --config " + path);
  EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
  EXPECT_NE(r.out.find(path), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("throughput.ilp"), std::string::npos) << r.out;
}

TEST(Cli, BadFilterAndUnknownOptionAreUsageErrors) {
  EXPECT_EQ(run("run --filter '('").code, tcb::kExitUsage);
  EXPECT_EQ(run("run --no-such-option").code, tcb::kExitUsage);
  EXPECT_EQ(run("run --data ones").code, tcb::kExitUsage);
}

TEST(Cli, NoGpuGivesClearMessageAndDistinctExitCode) {
  if (gpu_present()) GTEST_SKIP() << "a GPU is present; this checks the no-GPU path";
  Result r = run("run --out " + ::testing::TempDir() + "/nogpu");
  EXPECT_EQ(r.code, tcb::kExitNoGpu) << r.out;
  EXPECT_NE(r.out.find("no CUDA GPU"), std::string::npos) << r.out;
  EXPECT_EQ(run("info").code, tcb::kExitNoGpu);
}

}  // namespace
