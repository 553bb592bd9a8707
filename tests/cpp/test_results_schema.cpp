// analysis/results_schema.json is the one definition of the results schema (issue #12 item 1):
// the CSV writer's header is its columns, and every metric, unit and run.json status the C++ can
// write is in it. The runner's metrics need a GPU to be emitted, so they are read from its source
// (harness/core/runner.cpp); the scan is checked to find the metrics known today, so that a rewrite
// the patterns no longer match fails here instead of passing with nothing checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "families/mma/registry.hpp"
#include "harness/io/writers.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kRepo = fs::path(TCB_TEST_DATA_DIR).parent_path().parent_path();

// The file on disk, not the compiled-in copy: comparing the two checks the build's generation.
const json& schema() {
  static const json s = json::parse(tcb::test::read_text(kRepo / "analysis" / "results_schema.json"));
  return s;
}

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const json& e : list) out.push_back(e.at("name").get<std::string>());
  return out;
}

std::set<std::string> name_set(const json& list) {
  const auto v = names(list);
  return {v.begin(), v.end()};
}

std::string source(const std::string& rel) {
  const std::string text = tcb::test::read_text(kRepo / rel);
  EXPECT_FALSE(text.empty()) << (kRepo / rel) << " not readable";
  return text;
}

// The first capture group of every match of `pattern` in `text`.
std::vector<std::string> captures(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

// Every string literal ("...", no escapes) in `code`.
std::vector<std::string> literals(const std::string& code) { return captures(code, R"re("([^"\\]*)")re"); }

// Every string literal inside the first capture group of each match of `pattern`.
std::set<std::string> literals_in(const std::string& text, const std::string& pattern) {
  std::set<std::string> out;
  for (const std::string& part : captures(text, pattern))
    for (const std::string& l : literals(part)) out.insert(l);
  return out;
}

const std::vector<tcb::Work> kNonMmaWork = {tcb::Work::load_a, tcb::Work::load_b, tcb::Work::load_c,
                                            tcb::Work::store_d};

std::string joined(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

}  // namespace

TEST(ResultsSchema, WellFormed) {
  const json& s = schema();
  ASSERT_TRUE(s.at("schema_version").is_number_integer());
  EXPECT_GE(s["schema_version"].get<int>(), 1);
  const json& cols = s.at("instructions_csv").at("columns");
  ASSERT_FALSE(cols.empty());
  EXPECT_EQ(name_set(cols).size(), cols.size()) << "duplicate column";
  for (const json& c : cols) {
    const std::string type = c.at("type").get<std::string>();
    EXPECT_TRUE(type == "string" || type == "int" || type == "float" || type == "bool") << c.dump();
    EXPECT_FALSE(c.at("description").get<std::string>().empty()) << c.dump();
  }
  const std::set<std::string> units = name_set(s.at("units"));
  EXPECT_EQ(units.size(), s["units"].size()) << "duplicate unit";
  EXPECT_EQ(name_set(s.at("metrics")).size(), s["metrics"].size()) << "duplicate metric";
  for (const json& m : s["metrics"]) {
    EXPECT_TRUE(units.count(m.at("unit").get<std::string>())) << "unit of " << m.dump() << " is not in units";
    EXPECT_FALSE(m.at("description").get<std::string>().empty()) << m.dump();
  }
  const std::set<std::string> status = name_set(s.at("run_json").at("status"));
  EXPECT_TRUE(status.count(s["run_json"].at("complete_status").get<std::string>()));
  EXPECT_FALSE(s["run_json"].at("partial_reason").empty());
}

TEST(ResultsSchema, CsvHeaderIsTheSchemaColumns) {
  const std::vector<std::string> expected = names(schema()["instructions_csv"]["columns"]);
  EXPECT_EQ(tcb::csv_columns(), expected);

  tcb::test::TempDir d("tcb_schema");
  const fs::path p = d.path / "instructions.csv";
  { tcb::CsvWriter w(p.string()); }
  EXPECT_EQ(tcb::test::read_text(p), joined(expected, ",") + "\n");
}

TEST(ResultsSchema, FieldsHaveTheSchemaTypes) {
  tcb::ResultRow r;
  r.m = 16, r.warps_per_sm = 8, r.value = 1.5, r.stats.samples = 7, r.sm_clock_mhz = 1755.5;
  r.native = true;
  const json& csv = schema()["instructions_csv"];
  const std::string yes = csv["bool_values"]["true"], no = csv["bool_values"]["false"];
  const std::vector<std::string> f = tcb::csv_fields(r);
  ASSERT_EQ(f.size(), csv["columns"].size());
  for (size_t i = 0; i < f.size(); ++i) {
    const std::string type = csv["columns"][i]["type"], name = csv["columns"][i]["name"];
    if (type == "int") {
      size_t used = 0;
      (void)std::stol(f[i], &used);
      EXPECT_EQ(used, f[i].size()) << name << " = " << f[i];
    } else if (type == "float") {
      size_t used = 0;
      (void)std::stod(f[i], &used);
      EXPECT_EQ(used, f[i].size()) << name << " = " << f[i];
    } else if (type == "bool") {
      EXPECT_TRUE(f[i] == yes || f[i] == no) << name << " = " << f[i];
    }
  }
  const auto& c = tcb::csv_columns();
  auto at = [&](const std::string& col) { return f[std::find(c.begin(), c.end(), col) - c.begin()]; };
  EXPECT_EQ(at("native"), yes);
  EXPECT_EQ(at("valid"), no);
  EXPECT_EQ(at("sm_clock_mhz"), "1755.5");
}

// Every source file of the harness and the families, concatenated (the metrics a family writes
// are string literals in its own folder).
std::string all_sources() {
  std::string text;
  for (const char* dir : {"harness", "families"})
    for (const auto& e : fs::recursive_directory_iterator(kRepo / dir)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".cpp" || ext == ".cu" || ext == ".cuh" || ext == ".hpp"))
        text += source(fs::relative(e.path(), kRepo).string()) + "\n";
    }
  return text;
}

TEST(ResultsSchema, EveryRowIsCheckedAgainstTheSchema) {
  // Each schema metric with its own unit passes; any other metric, or a wrong unit, is named.
  for (const json& m : schema()["metrics"]) {
    tcb::ResultRow r;
    r.metric = m["name"];
    r.unit = m["unit"];
    EXPECT_EQ(tcb::schema_problem(r), "") << r.metric;
    r.unit = r.unit == "cycles" ? "ns" : "cycles";
    EXPECT_NE(tcb::schema_problem(r).find("has unit"), std::string::npos) << r.metric;
  }
  tcb::ResultRow invented;
  invented.metric = "latency_furlongs";
  EXPECT_NE(tcb::schema_problem(invented).find("not in analysis/results_schema.json"), std::string::npos);
  // The runner applies the check to every row before it is written.
  EXPECT_NE(source("harness/core/runner.cpp").find("schema_problem(r)"), std::string::npos);
}

TEST(ResultsSchema, NoStaleMetricOrUnit) {
  // Every schema metric is written somewhere: as a literal, or as a wmma work prefix + a literal
  // passed to metric_name (load_a_latency_cycles = "load_a" + "_" + "latency_cycles").
  const std::string text = all_sources();
  for (const json& m : schema()["metrics"]) {
    const std::string name = m["name"];
    bool found = text.find("\"" + name + "\"") != std::string::npos;
    for (tcb::Work w : kNonMmaWork) {
      const std::string prefix = std::string(tcb::work_name(w)) + "_";
      if (name.rfind(prefix, 0) == 0) found |= text.find("\"" + name.substr(prefix.size()) + "\"") != std::string::npos;
    }
    EXPECT_TRUE(found) << name << " is in the schema, but no source under harness/ or families/ writes it";
    if (m.contains("work")) {
      EXPECT_EQ(name.rfind(m["work"].get<std::string>() + "_", 0), 0u) << m.dump();
    }
  }
  // wmma loads and stores: a latency and a bandwidth per work.
  const std::set<std::string> metrics = name_set(schema()["metrics"]);
  for (tcb::Work w : kNonMmaWork)
    for (const char* base : {"latency_cycles", "bytes_per_clk_sm"})
      EXPECT_TRUE(metrics.count(std::string(tcb::work_name(w)) + "_" + base)) << base;
  // The Google-Benchmark writer converts by unit: each unit it knows is one of the schema's.
  const std::set<std::string> units = name_set(schema()["units"]);
  for (const std::string& u : captures(source("harness/io/writers.cpp"), R"re(r\.unit == "([^"]*)")re"))
    EXPECT_TRUE(units.count(u)) << u;
  // Rows that carry no measurement keep the empty unit of a default ResultRow.
  EXPECT_TRUE(units.count(tcb::ResultRow{}.unit));
  for (const json& m : schema()["metrics"]) {
    EXPECT_TRUE(units.count(m["unit"].get<std::string>())) << m.dump();
    const std::string name = m["name"], unit = m["unit"];
    if (unit == "cycles") EXPECT_NE(name.find("_cycles"), std::string::npos) << name;
    if (unit == "B/clk/SM") EXPECT_NE(name.find("bytes_per_clk_sm"), std::string::npos) << name;
  }
}

TEST(ResultsSchema, EveryRunStatusIsInTheSchema) {
  const json& run = schema()["run_json"];
  const std::set<std::string> status = name_set(run["status"]), reasons = name_set(run["partial_reason"]);
  std::set<std::string> found_status, found_reasons;
  for (const char* file : {"harness/cli/cli_commands.cpp", "harness/cli/cmd_numerics.cpp", "harness/io/provenance.cpp"}) {
    const std::string text = source(file);
    for (const std::string& s : captures(text, R"re(\{"status", "([a-z_]+)"\})re")) found_status.insert(s);
    for (const std::string& s : literals_in(text, R"re(\["status"\] = ([^;]*);)re")) found_status.insert(s);
    for (const std::string& s : literals_in(text, R"re(const std::string reason = ([^;]*);)re"))
      found_reasons.insert(s);
    for (const std::string& s : literals_in(text, R"re(\bfinish\(([^,;]*),)re")) found_reasons.insert(s);
  }
  found_reasons.erase("");  // no reason: complete
  EXPECT_EQ(found_status, (std::set<std::string>{"running", "complete", "partial"}));
  EXPECT_EQ(found_reasons, (std::set<std::string>{"failed", "timed_out", "interrupted"}));
  for (const std::string& s : found_status) EXPECT_TRUE(status.count(s)) << s;
  for (const std::string& s : found_reasons) EXPECT_TRUE(reasons.count(s)) << s;
  EXPECT_EQ(run["complete_status"], "complete");
}

// One row per schema metric, written by the C++ writer, for tests/python/test_results_schema.py
// to load with analysis/: into $TCB_SCHEMA_OUT_DIR when set.
TEST(ResultsSchema, WriterSample) {
  const char* env = std::getenv("TCB_SCHEMA_OUT_DIR");
  tcb::test::TempDir d("tcb_schema");
  const fs::path dir = env && *env ? fs::path(env) : d.path;
  const fs::path p = dir / "instructions.csv";
  int i = 0;
  {
    tcb::CsvWriter w(p.string());
    for (const json& m : schema()["metrics"]) {
      tcb::ResultRow r;
      r.family = "mma.sync";
      r.ptx = "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32";
      r.atom = "SM80_16x8x16_F32F16F16F32_TN";
      r.m = 16, r.n = 8, r.k = 16;
      r.a_type = "f16", r.b_type = "f16", r.c_type = "f32", r.d_type = "f32";
      r.arch = "sm_90";
      r.metric = m["name"];
      r.unit = m["unit"];
      const bool measured = !r.unit.empty();
      r.warps_per_sm = measured ? 4 * (i + 1) : 0;
      r.ilp = measured ? 2 : 0;
      r.value = measured ? 100.25 + i : 0;
      r.stats.median = r.value, r.stats.iqr = 0.5, r.stats.cv = 0.002, r.stats.samples = measured ? 7 : 0;
      r.discarded = i % 2;
      r.sm_clock_mhz = measured ? 1755 : 0;
      r.native = true;
      r.sass_opcodes = "HMMA.16816.F32";
      r.verified = r.valid = measured;
      r.note = measured ? "" : "why, with a comma and \"quotes\"";
      w.append(r);
      ++i;
    }
  }
  std::istringstream lines(tcb::test::read_text(p));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) ++n;
  EXPECT_EQ(n, 1 + i);
}
