// Results safety that needs no GPU (issue 11 items 1, 3, 4, 15, 16, 18, 19, 21): the CLI refuses
// before touching a GPU or a file, the plausibility guard rejects every non-finite figure, the
// watchdog's deadline logic, the selftest family stays hidden, and a failed SASS inspection
// carries its real reason.
#include <gtest/gtest.h>

#include "tests/cpp/test_support.hpp"
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "harness/cli/cmd_numerics.hpp"
#include "harness/device/device_info.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/runner.hpp"
#include "harness/sass/sass.hpp"
#include "harness/core/watchdog.hpp"
#include "run_tcbench.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

using tcb::test::TempDir;
using tcb::test::read_text;

// ---- item 3: an empty selection is a usage error, before any GPU is looked for ------------

TEST(RunSafety, FilterSelectingNothingIsAUsageErrorNamingIt) {
  const CliResult r = run_tcbench("run --filter 'NO_SUCH_ATOM_xyz'");
  EXPECT_EQ(r.code, kExitUsage) << r.out;
  EXPECT_NE(r.out.find("NO_SUCH_ATOM_xyz"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("selects no benchmark"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("no CUDA GPU"), std::string::npos) << "checked after the GPU: " << r.out;
}

TEST(RunSafety, ConfigSelectingNothingIsAUsageErrorNamingTheFile) {
  TempDir tmp;
  const std::string cfg = (tmp.path / "exclude_all.yaml").string();
  std::ofstream(cfg) << "name: nothing\nexclude: ['.']\n";
  const CliResult r = run_tcbench("run --config " + cfg);
  EXPECT_EQ(r.code, kExitUsage) << r.out;
  EXPECT_NE(r.out.find(cfg), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exclude: ."), std::string::npos) << r.out;
}

TEST(RunSafety, NumericsFilterMatchingNoPathIsAUsageError) {
  const CliResult r = run_tcbench("numerics --filter 'NO_SUCH_ATOM_xyz'");
  EXPECT_EQ(r.code, kExitUsage) << r.out;
  EXPECT_NE(r.out.find("NO_SUCH_ATOM_xyz"), std::string::npos) << r.out;
  // b1 and sparse atoms exist but are no numerics paths
  EXPECT_EQ(run_tcbench("numerics --filter 'U1U1S32'").code, kExitUsage);
}

// ---- item 1: an explicit --out that holds results is refused, untouched --------------------

TEST(RunSafety, OutFolderHoldingARunIsRefusedAndUntouched) {
  TempDir tmp;
  const fs::path out = tmp.path / "gpu";
  fs::create_directories(out);
  std::ofstream(out / "run.json") << "{\"status\": \"complete\"}\n";
  std::ofstream(out / "instructions.csv") << "committed rows\n";
  const CliResult r = run_tcbench("run --filter 'SM80_16x8x16_F32F16F16F32_TN/' --out " + out.string());
  EXPECT_EQ(r.code, kExitExists) << r.out;
  EXPECT_NE(r.out.find(out.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--force"), std::string::npos) << r.out;
  EXPECT_EQ(read_text(out / "run.json"), "{\"status\": \"complete\"}\n");
  EXPECT_EQ(read_text(out / "instructions.csv"), "committed rows\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator{}), 1) << "staging left";
}

TEST(RunSafety, NumericsOutHoldingNumericsIsRefused) {
  TempDir tmp;
  std::ofstream(tmp.path / "numerics_run.json") << "{}\n";
  const CliResult r = run_tcbench("numerics --out " + tmp.path.string());
  EXPECT_EQ(r.code, kExitExists) << r.out;
  EXPECT_NE(r.out.find("numerics_run.json"), std::string::npos) << r.out;
}

// ---- item 18: sass refuses an existing dump; its default is under the working folder -------

TEST(SassSafety, ExistingDumpIsRefusedAndUntouched) {
  TempDir tmp;
  fs::create_directories(tmp.path / "sm_90a");
  std::ofstream(tmp.path / "sm_90a" / "OLD.sass.gz") << "old";
  const CliResult r = run_tcbench("sass --out " + tmp.path.string());
  EXPECT_EQ(r.code, kExitExists) << r.out;
  EXPECT_EQ(read_text(tmp.path / "sm_90a" / "OLD.sass.gz"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator{}), 1);
}

TEST(SassSafety, DefaultDumpGoesUnderTheWorkingFolderNotTheSourceTree) {
  TempDir tmp;
  fs::create_directories(tmp.path / "sass");
  std::ofstream(tmp.path / "sass" / "README.md") << "mine";
  const CliResult r = run_shell("cd " + tmp.path.string() + " && " + std::string(TCB_BINARY) + " sass 2>&1");
  const std::string& out = r.out;
  EXPECT_EQ(r.code, kExitExists) << out;  // the working folder's sass/, which exists
  EXPECT_NE(out.find((tmp.path / "sass").string()), std::string::npos) << out;
  EXPECT_EQ(read_text(tmp.path / "sass" / "README.md"), "mine");
}

// ---- item 15: no non-finite figure passes the plausibility guard ---------------------------

TEST(PlausibilityGuard, RejectsEveryNonFiniteSample) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  for (double peak : {0.0, 4096.0}) {
    EXPECT_NE(core::plausibility_problem({inf}, peak), "") << peak;  // (t2 - t1) / 0 for equal chain lengths
    EXPECT_NE(core::plausibility_problem({-inf}, peak), "") << peak;
    EXPECT_NE(core::plausibility_problem({nan}, peak), "") << peak;   // 0 / 0
    EXPECT_NE(core::plausibility_problem({30.5, inf, 31.0}, peak), "") << "one bad sample is enough";
    EXPECT_EQ(core::plausibility_problem({30.5, 31.0, 32.0}, peak), "") << peak;
  }
  EXPECT_NE(core::plausibility_problem({inf}, 0).find("not finite"), std::string::npos);
}

TEST(PlausibilityGuard, RejectsAMedianAboveThePeak) {
  EXPECT_NE(core::plausibility_problem({5000, 5000, 5000}, 4096).find("above the physical bound"), std::string::npos);
  EXPECT_EQ(core::plausibility_problem({4000, 4096}, 4096), "");
  EXPECT_EQ(core::plausibility_problem({}, 4096), "");  // nothing kept: reported as throttled elsewhere
}

// ---- item 21: the watchdog's deadline logic -------------------------------------------------

TEST(WatchdogDeadline, NoneNeverExpiresAndAfterExpiresOnTime) {
  const auto now = Deadline::Clock::now();
  EXPECT_FALSE(Deadline::none().expired(now + std::chrono::hours(24 * 365)));
  EXPECT_FALSE(Deadline::after(0, now).expired(now + std::chrono::hours(1)));  // 0: no watchdog
  const Deadline d = Deadline::after(5, now);
  EXPECT_DOUBLE_EQ(d.seconds(), 5);
  EXPECT_FALSE(d.expired(now + std::chrono::milliseconds(4999)));
  EXPECT_TRUE(d.expired(now + std::chrono::seconds(5)));
}

TEST(WatchdogDeadline, PollingStopsAtTheDeadlineWhenWorkNeverFinishes) {
  int polls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const WaitOutcome o = wait_polling([&] { ++polls; return PollState::pending; }, Deadline::after(0.1));
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(o, WaitOutcome::expired);
  EXPECT_GE(waited, 0.1);
  EXPECT_LT(waited, 1.0);
  EXPECT_GT(polls, 10);
}

TEST(WatchdogDeadline, PollingReturnsAsSoonAsWorkIsDoneOrFailed) {
  int polls = 0;
  EXPECT_EQ(wait_polling([&] { return ++polls < 4 ? PollState::pending : PollState::done; }, Deadline::after(60)),
            WaitOutcome::done);
  EXPECT_EQ(polls, 4);
  EXPECT_EQ(wait_polling([] { return PollState::failed; }, Deadline::after(60)), WaitOutcome::failed);
  // Work that finishes is never called expired, even with no time left.
  EXPECT_EQ(wait_polling([] { return PollState::done; }, Deadline::after(1e-9)), WaitOutcome::done);
}

// ---- item 21: the planted hang is registered, but only a sweep naming it sees it ------------

TEST(SelftestFamily, HiddenFromDefaultSweepsListAndRegistry) {
  for (const core::Benchmark& b : core::benchmarks()) EXPECT_NE(b.family(), "selftest") << b.name();
  ASSERT_FALSE(core::test_benchmarks().empty());
  SweepConfig all;
  for (const core::Benchmark* b : select_benchmarks(all)) EXPECT_NE(b->family(), "selftest") << b->name();
  SweepConfig selftest;
  selftest.families = {"selftest"};
  const auto sel = select_benchmarks(selftest);
  ASSERT_EQ(sel.size(), 1u);
  EXPECT_EQ(sel[0]->name(), "SELFTEST_SPIN_FOREVER");
  const CliResult list = run_tcbench("list");
  EXPECT_EQ(list.out.find("SELFTEST"), std::string::npos) << list.out;
  const CliResult named = run_tcbench("list --family selftest");
  EXPECT_EQ(named.code, kExitOk) << named.out;
  EXPECT_NE(named.out.find("SELFTEST_SPIN_FOREVER"), std::string::npos) << named.out;
  EXPECT_EQ(run_tcbench("run --family mma.sync,no_such_family").code, kExitUsage);
}

// ---- item 4 / 16: a failed SASS inspection says what really failed -------------------------

TEST(SassInspection, FailureCarriesTheRealReason) {
  TempDir tmp;
  const fs::path fake = tmp.path / "cuobjdump";
  std::ofstream(fake) << "#!/bin/sh\necho 'fatal: planted cuobjdump failure' >&2\nexit 3\n";
  ::chmod(fake.c_str(), 0755);
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", (tmp.path.string() + ":" + saved).c_str(), 1);
  std::vector<AtomSass> found;
  std::string why;
  const bool ok = inspect_binary_sass(TCB_BINARY, 90, {}, &found, &why);
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_FALSE(ok);
  EXPECT_NE(why.find("planted cuobjdump failure"), std::string::npos) << why;
  EXPECT_EQ(why.find("not found"), std::string::npos) << why;
}

// ---- item 4 / 19: numerics' exit code -------------------------------------------------------

TEST(NumericsOutcome, DisagreementWithTheModelIsInvalidResults) {
  EXPECT_EQ(numerics_exit_code("", 0, 0), kExitOk);
  EXPECT_EQ(numerics_exit_code("", 3, 0), kExitInvalidResults);   // case mismatches
  EXPECT_EQ(numerics_exit_code("", 0, 1), kExitInvalidResults);   // a probe or derived row disagrees
  EXPECT_EQ(numerics_exit_code("interrupted", 0, 0), kExitInterrupted);
  EXPECT_EQ(numerics_exit_code("timed_out", 0, 0), kExitTimedOut);
  EXPECT_EQ(numerics_exit_code("failed", 0, 0), kExitFailure);
}

}  // namespace
}  // namespace tcb
