// Results safety without a GPU: where outputs go (harness/io/output_dir.hpp), that a complete run
// replaces only what the previous run of its command wrote, that a partial one never touches
// the target, and that the gzip files are whole and deterministic (issue 11 items 1, 2, 18, 19).
#include <gtest/gtest.h>

#include "tests/cpp/test_support.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/io/gzip_file.hpp"
#include "harness/io/output_dir.hpp"
#include "harness/sass/sass.hpp"
#include "ptx/mma_sync.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

using tcb::test::TempDir;
using tcb::test::read_text;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// Entries of `dir` whose name starts with `prefix` (hidden staging/aside folders, partial ones).
int count_prefixed(const fs::path& dir, const std::string& prefix) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().rfind(prefix, 0) == 0;
  return n;
}

// A results folder as the committed ones look: a run, its report, numerics beside it, a subfolder.
void previous_results(const fs::path& t) {
  write(t / "run.json", "{\"status\": \"complete\", \"old\": true}\n");
  write(t / "instructions.csv", "old rows\n");
  write(t / "benchmark.json.gz", "old");
  write(t / "report.md", "old report\n");
  write(t / "plots" / "old.png", "png");
  write(t / "numerics.csv", "numerics rows\n");
  write(t / "numerics_run.json", "{}\n");
  write(t / "numerics_sample" / "X.cases.gz", "sample");
  write(t / "hopper" / "run.json", "{\"hopper\": true}\n");
  write(t / "ctest.log", "log\n");
}

TEST(OutputDir, UtcStampIsSortableAndFilesystemSafe) {
  const std::string s = utc_stamp();
  ASSERT_EQ(s.size(), 16u) << s;  // 20261204T154111Z
  EXPECT_EQ(s[8], 'T');
  EXPECT_EQ(s.back(), 'Z');
  EXPECT_EQ(s.find_first_not_of("0123456789TZ"), std::string::npos) << s;
}

TEST(OutputDir, DefaultFolderIsNeverAnExistingOne) {
  TempDir tmp;
  const fs::path base = tmp.path / "results" / "gpu" / "runs";
  EXPECT_EQ(new_run_folder(base.string(), "S"), (base / "S").string());
  fs::create_directories(base / "S");
  EXPECT_EQ(new_run_folder(base.string(), "S"), (base / "S").string() + "-2");
  fs::create_directories(base / "S-2");
  EXPECT_EQ(new_run_folder(base.string(), "S"), (base / "S").string() + "-3");
}

TEST(OutputDir, FolderHoldingARunIsRefusedUnlessForced) {
  TempDir tmp;
  const fs::path t = tmp.path / "r";
  EXPECT_EQ(output_refusal(t.string(), kRunOutput, false), "");  // new folder
  write(t / "numerics.csv", "x");
  EXPECT_EQ(output_refusal(t.string(), kRunOutput, false), "");  // no run in it yet
  write(t / "run.json", "{}");
  const std::string why = output_refusal(t.string() + "/", kRunOutput, false);
  EXPECT_NE(why.find(t.string()), std::string::npos) << why;
  EXPECT_NE(why.find("run.json"), std::string::npos) << why;
  EXPECT_NE(why.find("--force"), std::string::npos) << why;
  EXPECT_EQ(output_refusal(t.string(), kRunOutput, true), "");
  // Numerics look for their own marker; sass refuses any non-empty folder.
  EXPECT_EQ(output_refusal(t.string(), kNumericsOutput, false), "");
  EXPECT_NE(output_refusal(t.string(), kSassOutput, false), "");
  write(tmp.path / "file", "x");
  EXPECT_NE(output_refusal((tmp.path / "file").string(), kRunOutput, true).find("not a folder"), std::string::npos);
}

TEST(OutputDir, CompleteRunReplacesOnlyTheRunAndItsReports) {
  TempDir tmp;
  const fs::path t = tmp.path / "gpu";
  previous_results(t);
  StagedOutput stage(t.string(), kRunOutput, "S");
  EXPECT_EQ(fs::path(stage.dir()).parent_path(), tmp.path);  // beside the target: moves are renames
  write(fs::path(stage.dir()) / "run.json", "{\"status\": \"complete\", \"new\": true}\n");
  write(fs::path(stage.dir()) / "instructions.csv", "new rows\n");
  EXPECT_EQ(read_text(t / "instructions.csv"), "old rows\n");  // nothing touched while running
  stage.commit();

  EXPECT_EQ(read_text(t / "instructions.csv"), "new rows\n");
  EXPECT_NE(read_text(t / "run.json").find("new"), std::string::npos);
  EXPECT_FALSE(fs::exists(t / "benchmark.json.gz"));  // the old run's: not beside the new data
  EXPECT_FALSE(fs::exists(t / "report.md"));          // made from the old run: stale
  EXPECT_FALSE(fs::exists(t / "plots"));
  EXPECT_EQ(read_text(t / "numerics.csv"), "numerics rows\n");  // other commands' files stay
  EXPECT_TRUE(fs::exists(t / "numerics_sample" / "X.cases.gz"));
  EXPECT_TRUE(fs::exists(t / "hopper" / "run.json"));
  EXPECT_TRUE(fs::exists(t / "ctest.log"));
  EXPECT_EQ(count_prefixed(tmp.path, "."), 0) << "staging or aside folder left behind";
}

TEST(OutputDir, PartialRunLeavesTheTargetIntactAndSaysWhere) {
  TempDir tmp;
  const fs::path t = tmp.path / "gpu";
  previous_results(t);
  StagedOutput stage(t.string(), kRunOutput, "S");
  write(fs::path(stage.dir()) / "instructions.csv", "partial rows\n");
  const std::string partial = stage.keep_partial();
  EXPECT_EQ(partial, t.string() + ".partial-S");
  EXPECT_EQ(read_text(fs::path(partial) / "instructions.csv"), "partial rows\n");
  EXPECT_EQ(read_text(t / "instructions.csv"), "old rows\n");
  EXPECT_EQ(read_text(t / "report.md"), "old report\n");
  EXPECT_EQ(count_prefixed(tmp.path, "."), 0);
}

TEST(OutputDir, NewDefaultFolderIsCreatedWholeOrKeptAsPartial) {
  TempDir tmp;
  const fs::path base = tmp.path / "runs";
  {
    StagedOutput stage(new_run_folder(base.string(), "S"), kRunOutput, "S");
    write(fs::path(stage.dir()) / "run.json", "{}");
    EXPECT_FALSE(fs::exists(base / "S"));
    stage.commit();
    EXPECT_TRUE(fs::exists(base / "S" / "run.json"));
  }
  StagedOutput stage(new_run_folder(base.string(), "T"), kRunOutput, "T");
  EXPECT_EQ(stage.keep_partial(), (base / "T").string() + ".partial");
  EXPECT_FALSE(fs::exists(base / "T"));
}

TEST(OutputDir, NumericsReplaceTheirWholeSampleFolderAndKeepTheRun) {
  TempDir tmp;
  const fs::path t = tmp.path / "gpu";
  previous_results(t);
  write(t / "numerics.md", "old numerics report");
  StagedOutput stage(t.string(), kNumericsOutput, "S");
  write(fs::path(stage.dir()) / "numerics_sample" / "Y.cases.gz", "new");
  write(fs::path(stage.dir()) / "numerics.csv", "new numerics\n");
  stage.commit();
  EXPECT_FALSE(fs::exists(t / "numerics_sample" / "X.cases.gz"));  // no stale sample to replay
  EXPECT_TRUE(fs::exists(t / "numerics_sample" / "Y.cases.gz"));
  EXPECT_FALSE(fs::exists(t / "numerics.md"));
  EXPECT_FALSE(fs::exists(t / "numerics_run.json"));  // the old run's; the new one writes its own
  EXPECT_EQ(read_text(t / "instructions.csv"), "old rows\n");
  EXPECT_EQ(read_text(t / "report.md"), "old report\n");
}

TEST(Gzip, RoundTripsAndIsDeterministic) {
  TempDir tmp;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "0x3c00 0x4000 line " + std::to_string(i) + "\n";
  const fs::path a = tmp.path / "a.gz", b = tmp.path / "b.gz";
  write_gzip_file(a.string(), text);
  write_gzip_file(b.string(), text);
  EXPECT_EQ(read_gzip_file(a.string()), text);
  EXPECT_EQ(read_text(a), read_text(b));  // no time stamp in the header
  const std::string raw = read_text(a);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(uint8_t(raw[0]), 0x1f);  // gzip magic: what `gzip -d` and Python's gzip read
  EXPECT_EQ(uint8_t(raw[1]), 0x8b);
  EXPECT_LT(raw.size(), text.size() / 4);
  EXPECT_FALSE(fs::exists(tmp.path / "a.gz.tmp"));
  EXPECT_THROW(write_gzip_file((tmp.path / "no" / "such" / "x.gz").string(), text), std::runtime_error);
}

std::string tiny_dump(const std::string& arch, const char* atom_name) {
  return "arch = " + arch + "\n\t\tFunction : _ZN3tcb4kern9mma_chainINS_5atoms" + std::to_string(strlen(atom_name)) +
         atom_name + "ELi1EEEvNS_11ChainLaunchE\n        /*0000*/                   HMMA.16816.F32 R4, R8, R12, R4 ;\n";
}

TEST(SassDump, WritesGzipAndSwapsWholeArchFolders) {
  TempDir tmp;
  const fs::path out = tmp.path / "sass";
  const AtomInfo a = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  // An earlier dump: sm_90a with a file of an atom that no longer exists, and sm_80.
  write(out / "sm_90a" / "SM00_REMOVED_ATOM.sass.gz", "stale");
  write(out / "sm_90a" / "opcodes.csv", "stale\n");
  write(out / "sm_80" / "opcodes.csv", "atom\n");
  write(out / "sm_80" / "KEPT.sass.gz", "kept");
  write(out / "README.md", "old");

  const auto kernels = parse_cuobjdump_sass(tiny_dump("sm_90a", a.name));
  StagedOutput stage(out.string(), kSassOutput, "S");
  write_sass_dir(stage.dir(), kernels, summarize_sass(kernels, {a}));
  stage.commit();
  write_sass_readme(out.string());

  const fs::path dump = out / "sm_90a" / (std::string(a.name) + ".sass.gz");
  ASSERT_TRUE(fs::exists(dump));
  EXPECT_NE(read_gzip_file(dump.string()).find("HMMA.16816.F32"), std::string::npos);
  EXPECT_FALSE(fs::exists(out / "sm_90a" / (std::string(a.name) + ".sass")));  // no plain copy
  EXPECT_FALSE(fs::exists(out / "sm_90a" / "SM00_REMOVED_ATOM.sass.gz"));    // whole folder replaced
  EXPECT_TRUE(fs::exists(out / "sm_80" / "KEPT.sass.gz"));                    // other archs stay
  const std::string readme = read_text(out / "README.md");
  EXPECT_NE(readme.find("sm_80 (1 atoms)"), std::string::npos) << readme;
  EXPECT_NE(readme.find("sm_90a (1 atoms)"), std::string::npos) << readme;
  EXPECT_NE(readme.find(".sass.gz"), std::string::npos) << readme;
  EXPECT_EQ(count_prefixed(tmp.path, "."), 0);
}

}  // namespace
}  // namespace tcb
