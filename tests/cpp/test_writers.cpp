#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/writers.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("tcb_writers_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

tcb::ResultRow row(const std::string& atom, const std::string& metric, int warps, int ilp, double value, bool valid) {
  tcb::ResultRow r;
  r.family = "mma.sync";
  r.atom = atom;
  r.metric = metric;
  r.warps_per_sm = warps;
  r.ilp = ilp;
  r.value = value;
  r.unit = metric == "latency_cycles" ? "cycles" : "ops/clk/SM";
  r.stats.samples = 7;
  r.valid = valid;
  return r;
}

}  // namespace

TEST(Writers, CsvEscape) {
  EXPECT_EQ(tcb::csv_escape("plain"), "plain");
  EXPECT_EQ(tcb::csv_escape(""), "");
  EXPECT_EQ(tcb::csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(tcb::csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(tcb::csv_escape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(tcb::csv_escape("cr\r"), "\"cr\r\"");
  EXPECT_EQ(tcb::csv_escape("HMMA;IMMA"), "HMMA;IMMA");
}

TEST(Writers, CsvHeaderThenOneFlushedLinePerRow) {
  TempDir d;
  const fs::path p = d.path / "instructions.csv";
  tcb::CsvWriter w(p.string());
  EXPECT_EQ(w.path(), p.string());
  const std::string header = slurp(p);  // written and flushed by the constructor
  EXPECT_EQ(header.rfind("family,ptx,atom,m,n,k,", 0), 0u);
  EXPECT_EQ(header.back(), '\n');

  tcb::ResultRow r = row("A", "latency_cycles", 1, 1, 33.5, true);
  r.note = "exact-data check failed: d[0] = 1, expected 2";
  w.append(r);
  const std::string text = slurp(p);  // visible without closing: flushed per row
  ASSERT_GT(text.size(), header.size());
  const std::string line = text.substr(header.size());
  EXPECT_NE(line.find(",33.5,cycles,"), std::string::npos) << line;
  EXPECT_NE(line.find(",\"exact-data check failed: d[0] = 1, expected 2\"\n"), std::string::npos) << line;
}

TEST(Writers, CsvOpenFailureThrows) {
  EXPECT_THROW(tcb::CsvWriter("/nonexistent_dir_tcb/x.csv"), std::runtime_error);
}

TEST(Writers, JsonAtomicWriteLeavesNoTemporary) {
  TempDir d;
  const fs::path p = d.path / "run.json";
  tcb::write_json_atomic(p.string(), json{{"a", 1}});
  tcb::write_json_atomic(p.string(), json{{"a", 2}});  // replaces the old file
  EXPECT_EQ(json::parse(slurp(p))["a"], 2);
  EXPECT_FALSE(fs::exists(p.string() + ".tmp"));
}

TEST(Writers, JsonFailureNamesThePath) {
  const std::string p = "/nonexistent_dir_tcb/run.json";
  try {
    tcb::write_json_atomic(p, json{{"a", 1}});
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(Writers, GbenchJsonSchema) {
  std::vector<tcb::ResultRow> rows = {
      row("A", "latency_cycles", 1, 1, 33.0, true),
      row("A", "ops_per_clk_sm", 4, 1, 1000.0, true),
      row("A", "ops_per_clk_sm", 4, 2, 1900.0, true),
      row("A", "ops_per_clk_sm", 8, 2, 2500.0, false),  // invalid: left out
      row("B", "skipped", 0, 0, 0.0, true),              // skipped: left out
      row("B", "ops_per_clk_sm", 4, 1, 900.0, true),
  };
  const json j = tcb::gbench_json(json{{"device", "NVIDIA H100"}, {"executable", "/x/tcbench"}}, rows);

  const json& ctx = j.at("context");
  for (const char* key : {"date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
                          "caches", "library_build_type"})
    EXPECT_TRUE(ctx.contains(key)) << key;
  EXPECT_EQ(ctx["device"], "NVIDIA H100");
  EXPECT_EQ(ctx["executable"], "/x/tcbench");  // the caller's value wins over the default
  EXPECT_TRUE(ctx["caches"].is_array());

  const json& b = j.at("benchmarks");
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0]["name"], "mma.sync/A/latency_cycles/warps:1/ilp:1");
  EXPECT_EQ(b[2]["name"], "mma.sync/A/ops_per_clk_sm/warps:4/ilp:2");
  EXPECT_EQ(b[3]["name"], "mma.sync/B/ops_per_clk_sm/warps:4/ilp:1");
  // family = family/atom/metric; instances numbered within it.
  EXPECT_EQ(b[0]["family_index"], 0);
  EXPECT_EQ(b[1]["family_index"], 1);
  EXPECT_EQ(b[2]["family_index"], 1);
  EXPECT_EQ(b[2]["per_family_instance_index"], 1);
  EXPECT_EQ(b[3]["family_index"], 2);
  EXPECT_EQ(b[3]["per_family_instance_index"], 0);
  for (const json& e : b) {
    // The fields tools/compare.py reads (report.py: name, real_time, cpu_time, time_unit, run_type).
    EXPECT_EQ(e["run_name"], e["name"]);
    EXPECT_EQ(e["run_type"], "iteration");
    EXPECT_EQ(e["time_unit"], "ns");
    EXPECT_EQ(e["real_time"], e["value"]);
    EXPECT_EQ(e["cpu_time"], e["value"]);
    EXPECT_EQ(e["iterations"], 7);
    EXPECT_EQ(e["repetition_index"], 0);
    EXPECT_EQ(e["threads"], 1);
    EXPECT_EQ(e["label"], e["unit"]);
  }
  EXPECT_EQ(b[1]["real_time"], 1000.0);
  EXPECT_EQ(b[0]["unit"], "cycles");
}
