// tcbench report / compare / export: handed to the analysis package with their arguments unchanged,
// its exit status and messages passed back; a clear message when it cannot run. No GPU needed.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "harness/device/device_info.hpp"
#include "run_tcbench.hpp"

namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// A fresh, empty folder under the test temp folder.
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// One atom's latency and throughput, as `tcbench run` writes them.
fs::path tiny_results(const std::string& name) {
  const fs::path dir = fresh_dir(name) / "gpu";
  fs::create_directories(dir);
  std::ofstream(dir / "run.json") << R"({"status": "complete", "device": {"name": "Test GPU", "sm": 90, )"
                                     R"("sm_count": 132}, "tables": ["instructions"], "command": "tcbench run"})";
  const std::string atom = "mma.sync,mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32,SM80_16x8x16_F32F16F16F32_TN,"
                           "16,8,16,f16,f16,f32,f32,sm_90,";
  std::ofstream(dir / "instructions.csv")
      << "family,ptx,atom,m,n,k,a_type,b_type,c_type,d_type,arch,metric,warps_per_sm,ilp,size_bytes,params,value,"
         "unit,bound,median,iqr,cv,samples,discarded,sm_clock_mhz,native,sass_opcodes,verified,valid,note\n"
      << atom << "latency_cycles,1,1,0,,17,cycles,0,17,0.01,0.001,5,0,1755,true,HMMA.16816.F32,true,true,\n"
      << atom << "ops_per_clk_sm,8,2,0,,2700,ops/clk/SM,4096,2700,1,0.001,5,0,1755,true,HMMA.16816.F32,true,true,\n";
  return dir;
}

// tcbench run with PATH set to `path` only.
CliResult run_with_path(const std::string& path, const std::string& args) {
  return run_shell("PATH=" + path + " " + std::string(TCB_BINARY) + " " + args + " 2>&1");
}

TEST(CliAnalysis, HelpIsTheAnalysisPackagesOwn) {
  CliResult r = run_tcbench("report --help");
  EXPECT_EQ(r.code, tcb::kExitOk) << r.out;
  EXPECT_TRUE(contains(r.out, "usage: tcbench report")) << r.out;
  EXPECT_TRUE(contains(r.out, "--out DIR")) << r.out;
  r = run_tcbench("compare --help");
  EXPECT_EQ(r.code, tcb::kExitOk) << r.out;
  EXPECT_TRUE(contains(r.out, "--threshold")) << r.out;
  r = run_tcbench("--help");
  for (const char* sub : {"report", "compare", "export"}) EXPECT_TRUE(contains(r.out, sub)) << r.out;
}

TEST(CliAnalysis, UsageErrorsExitTwo) {
  for (const char* args : {"report", "compare only-one-folder", "export"}) {
    CliResult r = run_tcbench(args);
    EXPECT_EQ(r.code, tcb::kExitUsage) << args << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "usage: tcbench")) << r.out;
  }
}

TEST(CliAnalysis, ExitStatusAndMessageComeBack) {
  const fs::path out = fresh_dir("cmp_missing");
  CliResult r = run_tcbench("compare /nonexistent/a /nonexistent/b --out " + (out / "o").string());
  EXPECT_EQ(r.code, tcb::kExitFailure) << r.out;
  EXPECT_TRUE(contains(r.out, "/nonexistent/a: no such results folder")) << r.out;
}

TEST(CliAnalysis, ReportWritesIntoOutWithArgumentsPassedAsGiven) {
  const fs::path results = tiny_results("tiny_report");
  const fs::path out = results.parent_path() / "out";
  CliResult r = run_tcbench("report " + results.string() + " --no-progress --out=" + out.string());
  ASSERT_EQ(r.code, tcb::kExitOk) << r.out;
  for (const char* f : {"report.md", "report_atoms.csv", "plots/peak_throughput.png"})
    EXPECT_TRUE(fs::is_regular_file(out / f)) << f;
  EXPECT_FALSE(fs::exists(results / "report.md"));  // --out, not the results folder
}

TEST(CliAnalysis, WithoutPythonItSaysWhatToInstall) {
  CliResult r = run_with_path("/nonexistent", "report somewhere");
  EXPECT_EQ(r.code, tcb::kExitFailure) << r.out;
  EXPECT_TRUE(contains(r.out, "neither tcbench-analysis nor python3 is on the PATH")) << r.out;
  EXPECT_TRUE(contains(r.out, "pip install ./analysis")) << r.out;
}

TEST(CliAnalysis, MissingPythonModulesAreNamed) {
  const CliResult which = run_shell("python3 -c 'import sys; print(sys.executable)' 2>/dev/null");
  if (which.code != 0) GTEST_SKIP() << "no python3 on this machine";
  const std::string python = which.out.substr(0, which.out.find('\n'));  // the interpreter, not a shim
  // A python3 without site-packages (-S): numpy, pandas and matplotlib are missing to it.
  const fs::path bin = fresh_dir("bare_python");
  std::ofstream(bin / "python3") << "#!/bin/sh\nexec '" << python << "' -S \"$@\"\n";
  ::chmod((bin / "python3").c_str(), 0755);
  CliResult r = run_with_path(bin.string(), "compare a b");
  EXPECT_EQ(r.code, tcb::kExitFailure) << r.out;
  EXPECT_TRUE(contains(r.out, "lacks the Python modules")) << r.out;
  EXPECT_TRUE(contains(r.out, "pandas")) << r.out;
  EXPECT_TRUE(contains(r.out, "pip install ./analysis")) << r.out;
}

}  // namespace
