#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/io/writers.hpp"

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
      row("A", "ops_per_clk_sm", 8, 2, 2500.0, false),  // invalid: kept, as an errored run
      row("B", "skipped", 0, 0, 0.0, true),              // skipped: left out
      row("B", "ops_per_clk_sm", 4, 1, 900.0, true),
  };
  for (auto& r : rows) r.sm_clock_mhz = 1500;
  const json j = tcb::gbench_json(json{{"device", "NVIDIA H100"}, {"executable", "/x/tcbench"}}, rows);

  const json& ctx = j.at("context");
  for (const char* key : {"date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
                          "caches", "library_build_type"})
    EXPECT_TRUE(ctx.contains(key)) << key;
  EXPECT_EQ(ctx["device"], "NVIDIA H100");
  EXPECT_EQ(ctx["executable"], "/x/tcbench");  // the caller's value wins over the default
  EXPECT_TRUE(ctx["caches"].is_array());
  EXPECT_EQ(ctx["json_schema_version"], 1);

  const json& b = j.at("benchmarks");
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0]["name"], "mma.sync/A/latency_cycles/warps:1/ilp:1");
  EXPECT_EQ(b[2]["name"], "mma.sync/A/ops_per_clk_sm/warps:4/ilp:2");
  EXPECT_EQ(b[3]["name"], "mma.sync/A/ops_per_clk_sm/warps:8/ilp:2");
  EXPECT_EQ(b[4]["name"], "mma.sync/B/ops_per_clk_sm/warps:4/ilp:1");
  // family = family/atom/metric; instances numbered within it.
  EXPECT_EQ(b[0]["family_index"], 0);
  EXPECT_EQ(b[1]["family_index"], 1);
  EXPECT_EQ(b[2]["family_index"], 1);
  EXPECT_EQ(b[2]["per_family_instance_index"], 1);
  EXPECT_EQ(b[3]["per_family_instance_index"], 2);
  EXPECT_EQ(b[4]["family_index"], 2);
  EXPECT_EQ(b[4]["per_family_instance_index"], 0);
  EXPECT_EQ(b[3]["error_occurred"], true);
  for (const json& e : b) {
    // The fields tools/compare.py reads (report.py: name, real_time, cpu_time, time_unit, run_type).
    EXPECT_EQ(e["run_name"], e["name"]);
    EXPECT_EQ(e["run_type"], "iteration");
    EXPECT_EQ(e["time_unit"], e.contains("error_occurred") ? "s" : "ns");
    EXPECT_EQ(e["real_time"], e["cpu_time"]);
    EXPECT_EQ(e["iterations"], 7);
    EXPECT_EQ(e["repetition_index"], 0);
    EXPECT_EQ(e["threads"], 1);
  }
  // The instructions.csv figure is kept beside the time.
  EXPECT_EQ(b[1]["value"], 1000.0);
  EXPECT_EQ(b[1]["unit"], "ops/clk/SM");
  EXPECT_EQ(b[0]["unit"], "cycles");
  EXPECT_FALSE(b[1].contains("error_occurred"));
}

TEST(Writers, GbenchJsonFiguresAreTimesLowerIsBetter) {
  tcb::ResultRow lat = row("A", "latency_cycles", 1, 1, 33.0, true);
  tcb::ResultRow ops = row("A", "ops_per_clk_sm", 4, 1, 1000.0, true);
  tcb::ResultRow tfl = row("A", "tflops", 4, 1, 500.0, true);
  tfl.unit = "TFLOP/s";
  tcb::ResultRow bw = row("A", "load_a_bytes_per_clk_sm", 8, 1, 250.0, true);
  bw.unit = "B/clk/SM";
  for (auto* r : {&lat, &ops, &tfl, &bw}) r->sm_clock_mhz = 1500;
  const json b = tcb::gbench_json(json::object(), {lat, ops, tfl, bw}).at("benchmarks");
  ASSERT_EQ(b.size(), 4u);
  EXPECT_DOUBLE_EQ(b[0]["real_time"].get<double>(), 33.0 * 1e3 / 1500);     // 33 cycles at 1.5 GHz = 22 ns
  EXPECT_DOUBLE_EQ(b[1]["real_time"].get<double>(), 1e9 / (1000.0 * 1500));  // ns per 1e6 ops on one SM
  EXPECT_DOUBLE_EQ(b[2]["real_time"].get<double>(), 1e6 / 500.0);            // ns per 1e9 ops on the GPU
  EXPECT_DOUBLE_EQ(b[3]["real_time"].get<double>(), 1e9 / (250.0 * 1500));   // ns per 1e6 bytes on one SM
  EXPECT_EQ(b[0]["label"], "ns (33 cycles at 1500 MHz)");
  EXPECT_EQ(b[1]["label"], "ns per 1e6 ops on one SM (1000 ops/clk/SM at 1500 MHz)");
  EXPECT_EQ(b[2]["label"], "ns per 1e9 ops on the whole GPU (500 TFLOP/s)");
  EXPECT_EQ(b[3]["label"], "ns per 1e6 bytes on one SM (250 B/clk/SM at 1500 MHz)");

  // Twice the throughput is half the time: compare.py's change is negative, an improvement.
  ops.value *= 2;
  tfl.value *= 2;
  const json faster = tcb::gbench_json(json::object(), {ops, tfl}).at("benchmarks");
  EXPECT_DOUBLE_EQ(faster[0]["real_time"].get<double>(), b[1]["real_time"].get<double>() / 2);
  EXPECT_DOUBLE_EQ(faster[1]["real_time"].get<double>(), b[2]["real_time"].get<double>() / 2);
}

TEST(Writers, GbenchJsonKeepsInvalidRowsAsErrors) {
  tcb::ResultRow rejected = row("A", "ops_per_clk_sm", 8, 2, 99999.0, false);
  rejected.note = "above the architectural peak (99999 > 4096 ops/clk/SM): rejected";
  tcb::ResultRow failed = row("A", "error", 0, 0, 0.0, false);
  failed.note = "CUDA error: an illegal memory access was encountered";
  tcb::ResultRow no_clock = row("A", "latency_cycles", 1, 1, 33.0, true);  // sm_clock_mhz 0
  tcb::ResultRow nan_value = row("A", "ops_per_clk_sm", 4, 1, std::nan(""), true);
  nan_value.sm_clock_mhz = 1500;
  tcb::ResultRow unexplained = row("A", "ops_per_clk_sm", 4, 2, 10.0, false);
  const json b = tcb::gbench_json(json::object(), {rejected, failed, no_clock, nan_value, unexplained}).at("benchmarks");
  ASSERT_EQ(b.size(), 5u);
  for (const json& e : b) {
    EXPECT_EQ(e["error_occurred"], true) << e.dump();
    EXPECT_EQ(e["real_time"], 0.0);  // as Google Benchmark writes an errored run
    EXPECT_EQ(e["cpu_time"], 0.0);
    EXPECT_EQ(e["time_unit"], "s");  // never paired by compare.py with a measured ("ns") row
    EXPECT_FALSE(e.contains("label"));
  }
  EXPECT_EQ(b[0]["error_message"], rejected.note);
  EXPECT_EQ(b[1]["error_message"], failed.note);
  EXPECT_EQ(b[1]["name"], "mma.sync/A/error/warps:0/ilp:0");
  EXPECT_EQ(b[2]["error_message"], "no measured SM clock: 33 cycles has no time equivalent");
  EXPECT_EQ(b[3]["error_message"], "value nan ops/clk/SM is not a positive finite number");
  EXPECT_TRUE(b[3]["value"].is_null());
  EXPECT_EQ(b[4]["error_message"], "invalid (failed verification or plausibility)");
}

// Two runs of one benchmark set, the second on a faster GPU (higher clock, more ops per clock,
// shorter latency, one row that became invalid), for tests/python/test_gbench_compare.py to feed
// to Google Benchmark's own tools/compare.py. Written into $TCB_GBENCH_OUT_DIR when set.
TEST(Writers, GbenchJsonCompareInputs) {
  auto run = [](double clock, double scale, bool last_valid) {
    std::vector<tcb::ResultRow> rows = {row("A", "latency_cycles", 1, 1, 40.0 / scale, true),
                                        row("A", "ops_per_clk_sm", 4, 1, 1000.0 * scale, true),
                                        row("A", "tflops", 4, 1, 300.0 * scale, true),
                                        row("B", "ops_per_clk_sm", 8, 2, 2000.0, last_valid)};
    rows[2].unit = "TFLOP/s";
    if (!last_valid) rows[3].note = "timed output check failed";
    for (auto& r : rows) r.sm_clock_mhz = clock;
    return tcb::gbench_json(json{{"device", "test GPU"}}, rows);
  };
  const char* env = std::getenv("TCB_GBENCH_OUT_DIR");
  TempDir d;
  const fs::path dir = env && *env ? fs::path(env) : d.path;
  tcb::write_json_atomic((dir / "baseline.json").string(), run(1500, 1.0, true));
  tcb::write_json_atomic((dir / "contender.json").string(), run(1800, 1.25, false));
  const json base = json::parse(slurp(dir / "baseline.json"));
  const json cont = json::parse(slurp(dir / "contender.json"));
  ASSERT_EQ(base["benchmarks"].size(), 4u);
  ASSERT_EQ(cont["benchmarks"].size(), 4u);
  for (int i = 0; i < 3; ++i)  // every figure got better: every time got shorter
    EXPECT_LT(cont["benchmarks"][i]["real_time"].get<double>(), base["benchmarks"][i]["real_time"].get<double>());
  EXPECT_EQ(cont["benchmarks"][3]["error_occurred"], true);
}
