// `tcbench model` end to end: results, --in/--out, and every bad-input case with its exit code
// and a message naming the file and line.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "harness/device_info.hpp"
#include "run_tcbench.hpp"

namespace {

using Result = CliResult;
Result run(const std::string& args, const char* stdin_text = nullptr) { return run_tcbench(args, stdin_text); }

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

const std::string kV100 = "--preset v100 --instr mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32";

TEST(ModelCli, ComputesFromStdinAndFile) {
  // 1 - (1 - 2^-24) on V100 (no extra alignment bit) and A100 (one).
  Result r = run("model " + kV100 + " --k 1", "3c00 3c00 bf7fffff\\n");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "34000000\n");
  const std::string in = write("model_in.txt", "# 1*1 + c\n\n3c00 3c00 bf7fffff\n0x3c00 0x4000 3f800000\n");
  r = run("model --preset a100 --instr mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 --k 1 --in " + in);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "33800000\n40400000\n");
}

TEST(ModelCli, WritesOutFileWhole) {
  const std::string in = write("model_in2.txt", "38 38 39000000\n");
  const std::string out = ::testing::TempDir() + "/model_out2.txt";
  std::remove(out.c_str());
  Result r = run("model --preset h100 --instr wgmma.mma_async.sync.aligned.m64n8k32.f32.e4m3.e4m3 --k 1 --in " + in +
                 " --out " + out);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(slurp(out), "3f800400\n");
}

TEST(ModelCli, BadInputNamesFileLineAndProblem) {
  struct Case { std::string text, needle; int line; };
  const Case cases[] = {
      {"3c00 3c00 3c00\n", "expected 5 fields", 1},                               // wrong field count
      {"3c00 3c00 3c00 3c00 00000000\n3c00 xyz1 3c00 3c00 00000000\n", "not hexadecimal", 2},
      {"# ok\n3c00 3c00 3c00 3c00 00000000\n3c00 3c00 3c0 3c00 00000000\n", "has 3 hex digits", 3},
      {"3c00 3c00 3c00 3c00 000000001\n", "has 9 hex digits", 1},                 // c too wide
  };
  for (const Case& c : cases) {
    const std::string in = write("model_bad.txt", c.text);
    const std::string out = ::testing::TempDir() + "/model_bad_out.txt";
    std::remove(out.c_str());
    Result r = run("model " + kV100 + " --k 2 --in " + in + " --out " + out);
    EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
    EXPECT_NE(r.out.find(in + ":" + std::to_string(c.line) + ":"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(c.needle), std::string::npos) << r.out;
    EXPECT_FALSE(exists(out)) << "nothing may be written on error";
  }
  Result r = run("model " + kV100 + " --k 1", "3c00 3c00\\n");
  EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
  EXPECT_NE(r.out.find("<stdin>:1:"), std::string::npos) << r.out;
  r = run("model " + kV100 + " --k 1 --in /nonexistent/model_in.txt");
  EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/model_in.txt"), std::string::npos) << r.out;
}

TEST(ModelCli, UnknownPresetOrInstructionIsUsage) {
  Result r = run("model --preset b200 --instr mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32 --k 1 </dev/null");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_NE(r.out.find("unknown preset 'b200'"), std::string::npos) << r.out;
  r = run("model --preset a100 --instr mma.sync.aligned.m16n8k99.row.col.f32.f16.f16.f32 --k 1 </dev/null");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_NE(r.out.find("m16n8k99"), std::string::npos) << r.out;
  r = run("model --preset v100 --instr wgmma.mma_async.sync.aligned.m64n8k16.f32.f16.f16 --k 1 </dev/null");
  EXPECT_EQ(r.code, tcb::kExitUsage) << r.out;
  EXPECT_NE(r.out.find("sm_90a"), std::string::npos) << r.out;
  EXPECT_EQ(run("model " + kV100 + " --k 0 </dev/null").code, tcb::kExitUsage);
  EXPECT_EQ(run("model " + kV100 + " </dev/null").code, tcb::kExitUsage);  // --k missing
}

}  // namespace
