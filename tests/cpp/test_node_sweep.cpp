// tcbench run --devices without a GPU (issue #16): the device list, the worker's command line, the
// node's exit code, the worker processes (exit codes, a crash, a forwarded stop), the salvage of a
// dead worker's staging folder, NVML topology names, and the CLI's usage errors.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include "harness/cli/cli_commands.hpp"
#include "harness/cli/cmd_node.hpp"
#include "harness/device/device_info.hpp"
#include "harness/device/nvml_topology.hpp"
#include "harness/io/child_process.hpp"
#include "harness/io/output_dir.hpp"
#include "tests/cpp/run_tcbench.hpp"
#include "tests/cpp/test_support.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

using tcb::test::TempDir;

TEST(NodeSweep, DeviceListKeepsTheOrderGivenAndRefusesBadItems) {
  std::vector<int> out;
  std::string err;
  ASSERT_TRUE(parse_device_list("all", 3, &out, &err));
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
  ASSERT_TRUE(parse_device_list("5,0,2", 8, &out, &err));
  EXPECT_EQ(out, (std::vector<int>{5, 0, 2}));
  EXPECT_FALSE(parse_device_list("0,2,2", 8, &out, &err));
  EXPECT_NE(err.find("device 2 is named twice"), std::string::npos) << err;
  EXPECT_FALSE(parse_device_list("0,8", 8, &out, &err));
  EXPECT_NE(err.find("device 8 does not exist (this machine has 8 CUDA devices: 0..7)"), std::string::npos) << err;
  for (const char* bad : {"", "x", "0,", ",1", "-1", "1.5", "0,,1", "all,1"}) {
    EXPECT_FALSE(parse_device_list(bad, 8, &out, &err)) << bad;
  }
}

TEST(NodeSweep, WorkerRunsOneGpuWithTheSweepOptions) {
  CommandLine cl;
  cl.filter = "^SM90_";
  cl.run_families = {"wgmma", "movement"};
  cl.no_sass = true;
  cl.force = true;
  cl.timeout_seconds = 30;
  const auto a = worker_argv("/bin/tcbench", cl, "/r/slug/GPU-1");
  const std::vector<std::string> want = {"/bin/tcbench", "run",     "--device", "0",      "--out",   "/r/slug/GPU-1",
                                         "--no-progress", "--timeout", "30",     "--filter", "^SM90_", "--family",
                                         "wgmma,movement", "--no-sass", "--force"};
  EXPECT_EQ(a, want);
}

TEST(NodeSweep, ExitCodeIsInterruptedFirstThenTheFirstFailure) {
  EXPECT_EQ(node_exit_code({0, 0}), kExitOk);
  EXPECT_EQ(node_exit_code({0, 5, 6}), kExitInvalidResults);
  EXPECT_EQ(node_exit_code({6, 130, 0}), kExitInterrupted);
  EXPECT_EQ(node_exit_code({}), kExitOk);
}

RunningChild start(const std::string& script, const fs::path& log) {
  std::string err;
  RunningChild c = start_child({{"/bin/sh", "-c", script}, {{"TCB_TEST_VAR", "node"}}, log.string()}, &err);
  EXPECT_GT(c.pid, 0) << err;
  return c;
}

TEST(ChildProcess, ExitCodesCrashesAndTheLogAreReported) {
  TempDir dir;
  const fs::path ok = dir.path / "ok.log", crash = dir.path / "crash.log";
  std::vector<RunningChild> kids = {start("echo \"var=$TCB_TEST_VAR\"; exit 3", ok), start("kill -SEGV $$", crash)};
  std::vector<size_t> order;
  const auto r = wait_children(kids, nullptr, [&](size_t i, const ChildResult&) { order.push_back(i); });
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(order.size(), 2u);
  EXPECT_EQ(r[0].exit_code, 3);
  EXPECT_FALSE(r[0].crashed());
  EXPECT_EQ(r[1].signal, SIGSEGV);
  EXPECT_TRUE(r[1].crashed());
  EXPECT_NE(r[1].describe().find("signal 11"), std::string::npos) << r[1].describe();
  EXPECT_EQ(test::read_text(ok), "var=node\n");  // the environment given, and the output in the log
  EXPECT_TRUE(r[0].to_json().contains("involuntary_context_switches"));
}

TEST(ChildProcess, AStopRequestIsForwardedOnce) {
  TempDir dir;
  volatile std::sig_atomic_t stop = 1;
  // The child ends on its own after 30 s: a stop that is not forwarded would fail the test by time.
  const RunningChild trapping = start("trap 'exit 130' INT; sleep 30 & wait", dir.path / "s.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // its trap is set: it stops as a worker does
  auto r = wait_children({trapping}, &stop, nullptr);
  EXPECT_EQ(r[0].exit_code, 130);
  EXPECT_TRUE(r[0].stop_forwarded);
  EXPECT_FALSE(r[0].crashed());
  EXPECT_LT(r[0].wall_seconds, 20);
  // A child stopped before it could catch the signal ends by it: asked to stop, not crashed.
  r = wait_children({start("sleep 30", dir.path / "t.log")}, &stop, nullptr);
  EXPECT_EQ(r[0].signal, SIGINT);
  EXPECT_TRUE(r[0].stop_forwarded);
  EXPECT_FALSE(r[0].crashed());
}

TEST(NodeSweep, ADeadWorkersStagingFolderBecomesItsPartialFolder) {
  TempDir dir;
  const fs::path target = dir.path / "nvidia-h100" / "GPU-1";
  fs::create_directories(target.parent_path() / ".GPU-1.staging-20261206T000000Z-4242");
  std::ofstream(target.parent_path() / ".GPU-1.staging-20261206T000000Z-4242" / "run.json") << "{}";
  fs::create_directories(target.parent_path() / ".GPU-1.staging-20261206T000000Z-777");  // another process's
  EXPECT_EQ(salvage_staging(target.string(), 1, "S"), "");
  const std::string partial = salvage_staging(target.string(), 4242, "20261206T000001Z");
  EXPECT_EQ(partial, (target.string() + ".partial-20261206T000001Z"));
  EXPECT_TRUE(fs::exists(fs::path(partial) / "run.json"));
  EXPECT_TRUE(fs::exists(target.parent_path() / ".GPU-1.staging-20261206T000000Z-777"));
}

TEST(NvmlTopology, LevelsAndBusIdsInOneVocabulary) {
  EXPECT_EQ(topology_level_name(10), "PIX");
  EXPECT_EQ(topology_level_name(50), "SYS");
  EXPECT_EQ(topology_level_name(7), "unknown(7)");
  EXPECT_EQ(canonical_pci_bus_id("0000:1B:00.0"), "00000000:1b:00.0");
  EXPECT_EQ(canonical_pci_bus_id("00000000:1b:00.0"), "00000000:1b:00.0");
  EXPECT_EQ(canonical_pci_bus_id("not a bus id"), "not a bus id");
}

TEST(NodeSweepCli, UsageErrorsComeBeforeAnyGpu) {
  auto r = run_tcbench("run --interference");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--interference requires --devices"), std::string::npos) << r.out;
  r = run_tcbench("run --device 0 --devices all");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("excludes --devices"), std::string::npos) << r.out;
  r = run_tcbench("run --devices 0,x");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("'x' is not a CUDA device index"), std::string::npos) << r.out;
  r = run_tcbench("run --devices 1,1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("device 1 is named twice"), std::string::npos) << r.out;
}

TEST(NodeSweepCli, NoGpuIsExit4) {
  std::string why;
  if (device_count(&why) > 0) GTEST_SKIP() << "a GPU is present";
  const auto r = run_tcbench("run --devices all --out " + TempDir().path.string());
  EXPECT_EQ(r.code, 4) << r.out;
}

}  // namespace
}  // namespace tcb
