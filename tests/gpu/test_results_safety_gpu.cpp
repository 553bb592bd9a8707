// Results safety on the GPU (CTest label "gpu"; each test skips, with the reason, without one):
// the watchdog stops a planted hang with the earlier rows kept (issue 11 item 21), SIGINT
// mid-sweep leaves a partial folder beside the intact earlier run (items 1, 2), a latency-only
// run measures the SM clock (16), a failed SASS inspection refuses with its real reason unless
// --no-sass (4, 16), numerics samples are written gzip-compressed (19).
#include <gtest/gtest.h>

#include "tests/cpp/test_support.hpp"
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/device/device_info.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

using tcb::test::TempDir;
using tcb::test::read_text;

#define REQUIRE_GPU()                                                 \
  {                                                                   \
    DeviceInfo dev;                                                   \
    std::string why;                                                  \
    if (!query_device(0, &dev, &why)) GTEST_SKIP() << "no GPU: " << why; \
  }

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_text(p)); }

// tcbench with `args` in the background (its output to `log`); returns its pid.
pid_t start_tcbench(const std::string& args, const fs::path& log, const std::string& env = "") {
  const std::string cmd = env + " exec " + std::string(TCB_BINARY) + " " + args + " >" + log.string() + " 2>&1";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Its exit code, or -1 after `limit` (then it is killed): a hang must fail the test, not hold it.
int wait_exit(pid_t pid, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_tcbench(const std::string& args, const fs::path& log, std::chrono::seconds limit = std::chrono::seconds(300),
                const std::string& env = "") {
  return wait_exit(start_tcbench(args, log, env), limit);
}

// The one folder beside `target` whose name starts with <target name>.partial.
fs::path partial_of(const fs::path& target) {
  fs::path found;
  int n = 0;
  for (const auto& e : fs::directory_iterator(target.parent_path()))
    if (e.path().filename().string().rfind(target.filename().string() + ".partial", 0) == 0) found = e.path(), ++n;
  EXPECT_EQ(n, 1) << "partial folders beside " << target;
  return found;
}

int count_lines_with(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.find(what) != std::string::npos;
  return n;
}

const char* kOneAtom = "--filter 'SM80_16x8x16_F32F16F16F32_TN/'";

TEST(GpuWatchdog, PlantedHangIsStoppedWithEarlierRowsKeptAndTheRunPartial) {
  REQUIRE_GPU();
  TempDir tmp;
  const fs::path out = tmp.path / "run";
  const auto t0 = std::chrono::steady_clock::now();
  const int code = run_tcbench(std::string("run --no-progress --no-sass --family mma.sync,selftest --timeout 5 ") +
                                   "--filter 'SM80_16x8x16_F32F16F16F32_TN/|SELFTEST' --out " + out.string(),
                               tmp.path / "log", std::chrono::seconds(120));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string log = read_text(tmp.path / "log");
  ASSERT_EQ(code, kExitTimedOut) << log;
  EXPECT_LT(secs, 90) << "the process must end soon after the deadline";
  EXPECT_FALSE(fs::exists(out)) << "a partial run must not become the target";
  const fs::path partial = partial_of(out);
  ASSERT_FALSE(partial.empty()) << log;
  EXPECT_NE(log.find(partial.string()), std::string::npos) << "the message says where: " << log;
  const std::string csv = read_text(partial / "instructions.csv");
  EXPECT_GT(count_lines_with(csv, "SM80_16x8x16_F32F16F16F32_TN,") , 10) << csv;  // the real benchmark's rows
  EXPECT_EQ(count_lines_with(csv, "timed_out"), 1) << csv;
  EXPECT_NE(csv.find("SELFTEST_SPIN_FOREVER"), std::string::npos) << csv;
  const auto run = read_json(partial / "run.json");
  EXPECT_EQ(run["status"], "partial");
  EXPECT_EQ(run["partial_reason"], "timed_out");
  EXPECT_NE(run["error"].get<std::string>().find("SELFTEST_SPIN_FOREVER"), std::string::npos);
  EXPECT_TRUE(fs::exists(partial / "benchmark.json.gz"));
}

TEST(GpuSigint, InterruptedSweepLeavesAPartialFolderBesideTheIntactEarlierRun) {
  REQUIRE_GPU();
  TempDir tmp;
  const fs::path out = tmp.path / "gpu";
  ASSERT_EQ(run_tcbench(std::string("run --no-progress --no-sass ") + kOneAtom + " --out " + out.string(),
                        tmp.path / "log1"),
            kExitOk)
      << read_text(tmp.path / "log1");
  const std::string earlier_csv = read_text(out / "instructions.csv"), earlier_run = read_text(out / "run.json");
  EXPECT_EQ(read_json(out / "run.json")["status"], "complete");

  // Again without --force: refused, nothing touched.
  EXPECT_EQ(run_tcbench(std::string("run --no-progress --no-sass ") + kOneAtom + " --out " + out.string(),
                        tmp.path / "log2"),
            kExitExists);

  // A long sweep (every atom of the build, many repetitions) with --force, interrupted mid-way.
  const fs::path long_cfg = tmp.path / "long.yaml";
  std::ofstream(long_cfg) << "name: long\nrepetitions: 200\n";
  const pid_t pid =
      start_tcbench("run --no-progress --no-sass --force --config " + long_cfg.string() + " --out " + out.string(),
                    tmp.path / "log3");
  std::this_thread::sleep_for(std::chrono::seconds(5));
  kill(pid, SIGINT);
  const int code = wait_exit(pid, std::chrono::seconds(120));
  const std::string log = read_text(tmp.path / "log3");
  ASSERT_EQ(code, kExitInterrupted) << log;
  EXPECT_EQ(read_text(out / "instructions.csv"), earlier_csv) << "the complete run was replaced by a partial one";
  EXPECT_EQ(read_text(out / "run.json"), earlier_run);
  const fs::path partial = partial_of(out);
  ASSERT_FALSE(partial.empty()) << log;
  const auto run = read_json(partial / "run.json");
  EXPECT_EQ(run["status"], "partial");
  EXPECT_EQ(run["partial_reason"], "interrupted");
  EXPECT_GT(count_lines_with(read_text(partial / "instructions.csv"), ","), 1);
  EXPECT_NE(log.find(partial.string()), std::string::npos) << log;
}

TEST(GpuRunSafety, LatencyOnlyRunMeasuresTheClockAndNotesNoSass) {
  REQUIRE_GPU();
  TempDir tmp;
  const fs::path cfg = tmp.path / "latency.yaml";
  std::ofstream(cfg) << "name: latency-only\nthroughput:\n  enabled: false\n";
  const fs::path out = tmp.path / "run";
  ASSERT_EQ(run_tcbench("run --no-progress --no-sass --config " + cfg.string() + " " + kOneAtom + " --out " +
                            out.string(),
                        tmp.path / "log"),
            kExitOk)
      << read_text(tmp.path / "log");
  const auto run = read_json(out / "run.json");
  ASSERT_TRUE(run["clocks"]["sm_clock_mhz_measured_median"].is_number()) << run["clocks"].dump();
  EXPECT_GT(run["clocks"]["sm_clock_mhz_measured_median"].get<double>(), 100);
  EXPECT_EQ(run["status"], "complete");
  EXPECT_NE(run["sass"].get<std::string>().find("--no-sass"), std::string::npos);
  const std::string csv = read_text(out / "instructions.csv");
  EXPECT_NE(csv.find("SASS not inspected (--no-sass)"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("cuobjdump not found"), std::string::npos) << csv;
}

TEST(GpuRunSafety, FailedSassInspectionRefusesWithTheRealReason) {
  REQUIRE_GPU();
  TempDir tmp;
  const fs::path bin = tmp.path / "bin";
  fs::create_directories(bin);
  std::ofstream(bin / "cuobjdump") << "#!/bin/sh\necho 'planted cuobjdump failure' >&2\nexit 3\n";
  ::chmod((bin / "cuobjdump").c_str(), 0755);
  const std::string env = "PATH=" + bin.string() + ":$PATH";
  const fs::path out = tmp.path / "run";
  EXPECT_EQ(run_tcbench(std::string("run --no-progress ") + kOneAtom + " --out " + out.string(), tmp.path / "log",
                        std::chrono::seconds(300), env),
            kExitFailure);
  const std::string log = read_text(tmp.path / "log");
  EXPECT_NE(log.find("planted cuobjdump failure"), std::string::npos) << log;
  EXPECT_NE(log.find("--no-sass"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(out));
}

TEST(GpuNumericsSafety, SamplesAreGzipOnlyAndAnExistingRunIsRefused) {
  REQUIRE_GPU();
  TempDir tmp;
  const fs::path out = tmp.path / "num";
  const std::string args = "numerics --filter 'SM80_16x8x16_F32F16F16F32_TN' --cases 2000 --sample 100 --out " +
                           out.string();
  ASSERT_EQ(run_tcbench(args, tmp.path / "log"), kExitOk) << read_text(tmp.path / "log");
  int gz = 0, plain = 0;
  for (const auto& e : fs::directory_iterator(out / "numerics_sample")) {
    const std::string name = e.path().filename().string();
    gz += name.size() > 9 && name.compare(name.size() - 9, 9, ".cases.gz") == 0;
    plain += name.size() > 6 && name.compare(name.size() - 6, 6, ".cases") == 0;
  }
  EXPECT_EQ(gz, 1);
  EXPECT_EQ(plain, 0);
  EXPECT_EQ(read_json(out / "numerics_run.json")["status"], "complete");
  EXPECT_EQ(run_tcbench(args, tmp.path / "log2"), kExitExists) << read_text(tmp.path / "log2");
}

}  // namespace
}  // namespace tcb
