// CLI behaviour that needs no GPU: exit codes and messages for bad input and a missing GPU.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "harness/device/device_info.hpp"
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

// ---- issue #11: bad input that was accepted or misreported ------------------------------------

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// run_tcbench, stopped by timeout(1) after `seconds` (exit 124) so that a hang fails the test.
Result run_tcbench_within(int seconds, const std::string& args) {
  return run_shell("timeout " + std::to_string(seconds) + " " + TCB_BINARY + " " + args + " 2>&1");
}

// Item 6: `--config DIR` ran the default sweep (exit 0 with a GPU, 4 without).
TEST(Cli, ConfigThatIsADirectoryOrEmptyIsAConfigError) {
  const std::string dir = ::testing::TempDir() + "/config_dir";
  ::mkdir(dir.c_str(), 0755);
  Result r = run("run --config " + dir);
  EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
  EXPECT_TRUE(contains(r.out, dir + ": is a directory")) << r.out;

  const std::string empty = ::testing::TempDir() + "/empty_config.yaml";
  std::ofstream(empty) << "# nothing yet\n---\n";
  r = run("run --config " + empty);
  EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
  EXPECT_TRUE(contains(r.out, "holds no settings")) << r.out;
}

// Item 7: std::regex backtracked for minutes on this pattern; RE2 answers at once.
TEST(Cli, PathologicalFilterFinishesQuickly) {
  const auto t0 = std::chrono::steady_clock::now();
  Result r = run_tcbench_within(30, "list --filter '((.*)*)*x'");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_LT(seconds, 10) << "the filter took " << seconds << " s";
  EXPECT_TRUE(contains(r.out, "16x8x")) << r.out;  // it matches any name with an x: all mma.sync shapes
}

// Item 7: patterns are RE2 syntax everywhere; a backreference is refused with a clear reason.
TEST(Cli, FilterIsRe2SyntaxWithAClearError) {
  Result r = run("list --filter '(f16)\\1'");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_TRUE(contains(r.out, "--filter '(f16)\\1' is not a valid regular expression (RE2 syntax)")) << r.out;
}

// Item 9: the word was not named.
TEST(Cli, UnknownSubcommandIsNamedWithTheChoices) {
  Result r = run("bogus");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_TRUE(contains(r.out, "unknown subcommand 'bogus'")) << r.out;
  EXPECT_TRUE(contains(r.out, "info, list, run, sass, numerics, model")) << r.out;
}

// Item 9: there was no --version.
TEST(Cli, VersionNamesReleaseCommitAndArchitectures) {
  Result r = run("--version");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind(std::string("tcbench ") + TCB_VERSION + " (git ", 0), 0u) << r.out;
  EXPECT_TRUE(contains(r.out, "built for sm_")) << r.out;
}

// Item 9: `list --family foo` listed nothing and exited 0 where a config refuses the value.
TEST(Cli, UnknownFamilyIsAUsageErrorListingTheFamilies) {
  Result r = run("list --family foo");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_TRUE(contains(r.out, "'foo' is not one of mma.sync, mma.sp, wmma, wgmma")) << r.out;
  EXPECT_EQ(run("list --family mma.sync").code, 0);
}

// Items 3, 8, 15, 21 (relatives): --timeout took NaN (the watchdog silently off) and values whose
// deadline overflows; --seed took -1 (wrapped); list exited 0 on a filter selecting nothing.
TEST(Cli, TimeoutSeedAndEmptyListAreUsageErrors) {
  for (const char* t : {"nan", "inf", "1e30", "-1", "x"}) {
    for (const char* cmd : {"run", "numerics"}) {
      Result r = run(std::string(cmd) + " --timeout " + t);
      EXPECT_EQ(r.code, tcb::kExitUsage) << cmd << " --timeout " << t << ": " << r.out;
      EXPECT_TRUE(contains(r.out, "must be between 0 and 86400")) << r.out;
    }
  }
  for (const char* seed : {"-1", "18446744073709551616", "1.5"}) {
    Result r = run(std::string("numerics --seed ") + seed);
    EXPECT_EQ(r.code, tcb::kExitUsage) << seed << ": " << r.out;
  }
  Result r = run("list --filter 'zzz_no_such_atom'");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_TRUE(contains(r.out, "selects no benchmark")) << r.out;
}

// Item 9: numerics --filter was looked at only after the GPU (exit 4 without one).
TEST(Cli, NumericsFilterIsCheckedBeforeTheGpu) {
  Result r = run("numerics --filter '('");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_TRUE(contains(r.out, "--filter '('")) << r.out;
}

// Item 9: without libcuda.so.1 the message said the driver was too old.
TEST(Cli, NoDriverIsNotCalledTooOld) {
  if (void* libcuda = ::dlopen("libcuda.so.1", RTLD_LAZY)) {
    ::dlclose(libcuda);
    GTEST_SKIP() << "an NVIDIA driver library is installed; this checks the no-driver message";
  }
  Result r = run("info");
  EXPECT_EQ(r.code, tcb::kExitNoGpu) << r.out;
  EXPECT_TRUE(contains(r.out, "no NVIDIA driver is installed")) << r.out;
  EXPECT_FALSE(contains(r.out, "insufficient")) << r.out;
}

// Item 9: no --help said what the exit codes mean.
TEST(Cli, EveryHelpListsTheExitCodes) {
  for (const char* sub : {"", "info ", "list ", "run ", "sass ", "numerics ", "model "}) {
    Result r = run(std::string(sub) + "--help");
    EXPECT_EQ(r.code, 0) << sub << r.out;
    EXPECT_TRUE(contains(r.out, "Exit codes: 0 success, 1 failure, 2 usage, 3 malformed config or input, 4 no GPU"))
        << sub << r.out;
    EXPECT_TRUE(contains(r.out, "130 interrupted")) << sub << r.out;
  }
}

// Item 20: a device index that cannot exist is a usage error on every machine.
TEST(Cli, NegativeDeviceIsAUsageError) {
  for (const char* sub : {"info", "run", "numerics"}) {
    Result r = run(std::string(sub) + " --device -1");
    EXPECT_EQ(r.code, tcb::kExitUsage) << sub << r.out;
    EXPECT_TRUE(contains(r.out, "must be a CUDA device index, 0 or more (got -1)")) << r.out;
  }
}

// Item 20: `--device 7` on a one-GPU machine said "no GPU" (exit 4).
TEST(Cli, DeviceIndexPastTheLastGpuIsAUsageErrorNamingTheCount) {
  std::string err;
  const int count = tcb::device_count(&err);
  if (count == 0) GTEST_SKIP() << "needs a GPU: " << err;
  const std::string past_last = " --device " + std::to_string(count);
  const std::string out = " --out " + ::testing::TempDir() + "/device_past_last";
  for (const std::string& args : {"info" + past_last, "run" + past_last + out, "numerics" + past_last + out}) {
    Result r = run(args);
    EXPECT_EQ(r.code, tcb::kExitUsage) << args << r.out;
    EXPECT_TRUE(contains(r.out, "this machine has " + std::to_string(count) + " CUDA device")) << r.out;
  }
}

}  // namespace
