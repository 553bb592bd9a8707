// `tcbench model` end to end: results, --in/--out, and every bad-input case with its exit code
// and a message naming the file and line.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "harness/device/device_info.hpp"
#include "model/batch_io.hpp"
#include "model/presets.hpp"
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

// run_tcbench with the address space limited to `kib` KiB (ulimit -v): a big allocation fails.
Result run_tcbench_limited(long kib, const std::string& args) {
  return run_shell("ulimit -v " + std::to_string(kib) + "; " + TCB_BINARY + " " + args + " </dev/null 2>&1");
}

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

// ---- issue #11 ----------------------------------------------------------------------------------

// A fresh, empty folder for one test.
std::string fresh_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  std::system(("rm -rf '" + dir + "'").c_str());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string link_target(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, size_t(n));
}

mode_t lstat_mode(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0 ? st.st_mode : 0;
}

const char* kOneLine = "3c00 3c00 bf7fffff\\n";

// Item 5: the output replaced a FIFO, a symbolic link or a device file with a regular file.
TEST(ModelCli, OutRefusesWhatIsNotARegularFile) {
  const std::string dir = fresh_dir("model_out_special");
  const std::string fifo = dir + "/fifo", to_device = dir + "/to_null", sub = dir + "/sub";
  const std::string dangling = dir + "/dangling";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  ASSERT_EQ(::symlink("/dev/null", to_device.c_str()), 0);
  ASSERT_EQ(::symlink((dir + "/missing").c_str(), dangling.c_str()), 0);
  ::mkdir(sub.c_str(), 0755);
  struct Case { std::string path, needle; };
  for (const Case& c : {Case{fifo, "is a FIFO"}, Case{to_device, "is a device file"}, Case{sub, "is a directory"},
                        Case{dangling, "symbolic link to nothing"}}) {
    Result r = run("model " + kV100 + " --k 1 --out " + c.path, kOneLine);
    EXPECT_EQ(r.code, tcb::kExitUsage) << c.path << ": " << r.out;
    EXPECT_TRUE(r.out.find("--out " + c.path + " ") != std::string::npos) << r.out;
    EXPECT_TRUE(r.out.find(c.needle) != std::string::npos) << r.out;
  }
  EXPECT_TRUE(S_ISFIFO(lstat_mode(fifo)));
  EXPECT_TRUE(S_ISLNK(lstat_mode(to_device)));
  EXPECT_EQ(link_target(to_device), "/dev/null");
  EXPECT_TRUE(S_ISDIR(lstat_mode(sub)));
  EXPECT_TRUE(S_ISLNK(lstat_mode(dangling)));
  EXPECT_FALSE(exists(dir + "/missing"));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"dangling", "fifo", "sub", "to_null"})) << "no temporaries left";
}

// Item 5: a regular file is replaced whole, keeping its permissions; a link to one writes through.
TEST(ModelCli, OutReplacesARegularFileInPlaceOfTheNameGiven) {
  const std::string dir = fresh_dir("model_out_regular");
  const std::string file = dir + "/result.txt", link = dir + "/latest";
  std::ofstream(file) << "old\n";
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
  ASSERT_EQ(::symlink("result.txt", link.c_str()), 0);

  Result r = run("model " + kV100 + " --k 1 --out " + link, kOneLine);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(S_ISLNK(lstat_mode(link))) << "the link itself stays";
  EXPECT_EQ(slurp(file), "34000000\n");
  EXPECT_EQ(lstat_mode(file) & 07777, mode_t(0640));

  r = run("model " + kV100 + " --k 1 --out " + file, "3c00 3c00 bf7fffff\\n3c00 3c00 bf7fffff\\n");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(slurp(file), "34000000\n34000000\n");
  EXPECT_EQ(lstat_mode(file) & 07777, mode_t(0640));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"latest", "result.txt"})) << "no temporaries left";

  // Bad input leaves the file as it was.
  r = run("model " + kV100 + " --k 1 --out " + file, "3c00\\n");
  EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
  EXPECT_EQ(slurp(file), "34000000\n34000000\n");
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"latest", "result.txt"}));
}

// Item 6: `--in DIR` exited 1 ("read error") where the docs promise 3 for an unreadable input.
TEST(ModelCli, InputThatIsADirectoryIsBadInput) {
  const std::string dir = fresh_dir("model_in_dir");
  Result r = run("model " + kV100 + " --k 1 --in " + dir);
  EXPECT_EQ(r.code, tcb::kExitConfig) << r.out;
  EXPECT_TRUE(r.out.find(dir + ": is a directory") != std::string::npos) << r.out;
}

// Item 10: --k 100000000 held 1.5 GB with empty input; near INT_MAX it died of std::bad_alloc
// (exit 1); from 2^30 on, 2k+1 overflowed.
TEST(ModelCli, KIsBoundedWithAUsageError) {
  const std::string bound = "--k must be between 1 and " + std::to_string(tcb::model::kMaxK) + " (got ";
  for (const std::string& k : {std::string("0"), std::string("100000000"), std::string("1073741824"),
                              std::string("2147483647"), std::to_string(tcb::model::kMaxK + 1)}) {
    Result r = run("model " + kV100 + " --k " + k + " </dev/null");
    EXPECT_EQ(r.code, tcb::kExitUsage) << k << ": " << r.out;
    EXPECT_TRUE(r.out.find(bound + k + ")") != std::string::npos) << r.out;
  }
  // The largest k with empty input needs no memory for k: 100 MB of address space is plenty.
  Result r = run_tcbench_limited(100 * 1024, "model " + kV100 + " --k " + std::to_string(tcb::model::kMaxK));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "");
}

// Item 10: the batch reader sizes its buffers per line and counts extra fields without keeping them.
TEST(ModelBatch, KBoundsAndFieldCounts) {
  const tcb::model::PathParams p =
      tcb::model::resolve("v100", "mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32").params;
  std::ostringstream out;
  tcb::model::BatchError err;
  std::istringstream none("");
  EXPECT_THROW(tcb::model::run_batch(p, 0, none, out, &err), std::invalid_argument);
  EXPECT_THROW(tcb::model::run_batch(p, tcb::model::kMaxK + 1, none, out, &err), std::invalid_argument);
  std::istringstream short_line("3c00 3c00 00000000\n");
  EXPECT_FALSE(tcb::model::run_batch(p, tcb::model::kMaxK, short_line, out, &err));
  EXPECT_EQ(err.line, 1);
  EXPECT_EQ(err.what, "expected 2097153 fields (1048576 a, 1048576 b, 1 c), found 3");
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "3c00 ";
  std::istringstream long_line(many + "\n");
  EXPECT_FALSE(tcb::model::run_batch(p, 1, long_line, out, &err));
  EXPECT_EQ(err.what, "expected 3 fields (1 a, 1 b, 1 c), found 10000");
  // An endless line (`--in /dev/zero`) stops at a bound instead of taking all memory.
  std::istringstream endless(std::string(10 << 20, '\0'));
  EXPECT_FALSE(tcb::model::run_batch(p, 1, endless, out, &err));
  EXPECT_EQ(err.line, 1);
  EXPECT_NE(err.what.find("line longer than"), std::string::npos) << err.what;
  // A huge bad field is quoted cut short.
  std::istringstream wide(std::string(5000, 'g') + " 3c00 00000000\n");
  EXPECT_FALSE(tcb::model::run_batch(p, 1, wide, out, &err));
  EXPECT_LT(err.what.size(), 200u) << err.what;
}

}  // namespace
