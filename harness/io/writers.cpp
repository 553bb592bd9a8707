#include "harness/io/writers.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include "harness/io/provenance.hpp"

namespace tcb {
namespace {

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    line += csv_escape(fields[i]);
  }
  return line + '\n';  // LF, not RFC 4180's CRLF: every CSV reader we target accepts it
}

}  // namespace

// ---- CSV ----------------------------------------------------------------------------------

CsvWriter::CsvWriter(const std::string& path) : path_(path) {
  f_ = std::fopen(path.c_str(), "w");
  if (!f_) throw io_error("cannot create CSV file", path);
  const std::string header = csv_line(csv_columns());
  if (std::fputs(header.c_str(), f_) < 0 || std::fflush(f_) != 0) {
    const auto err = io_error("cannot write", path);
    std::fclose(f_);  // the destructor does not run when a constructor throws
    throw err;
  }
}

CsvWriter::~CsvWriter() {
  if (f_) std::fclose(f_);
}

void CsvWriter::append(const ResultRow& row) {
  const std::string line = csv_line(csv_fields(row));
  // Flushed per row so that an interrupted or crashed sweep keeps every finished row.
  if (std::fputs(line.c_str(), f_) < 0 || std::fflush(f_) != 0) throw io_error("cannot write", path_);
}

// ---- JSON ---------------------------------------------------------------------------------

void write_text_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw io_error("cannot write file", path);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
            fsync(fileno(f)) == 0;
  int err = errno;
  if (std::fclose(f) != 0 && ok) ok = false, err = errno;
  // rename() replaces the old file atomically: readers see the old or the new file, never half.
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false, err = errno;
  if (!ok) {
    std::remove(tmp.c_str());
    errno = err;
    throw io_error("cannot write file", path);
  }
}

void write_json_atomic(const std::string& path, const nlohmann::json& j) {
  // Invalid UTF-8 (e.g. from a device name) is replaced rather than aborting the write.
  write_text_atomic(path, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

// ---- Google Benchmark JSON ----------------------------------------------------------------

namespace {

// First "cpu MHz" of /proc/cpuinfo; 0 where there is none (e.g. some ARM kernels).
double cpu_mhz() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu MHz", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) return std::atof(line.c_str() + colon + 1);
  }
  return 0;
}

// Google Benchmark's own test: frequency scaling is on unless the governor is "performance".
bool cpu_scaling_enabled() {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string gov;
  return (in >> gov) && gov != "performance";
}

nlohmann::json default_context() {
  return {{"date", utc_now_iso8601()},
          {"host_name", hostname()},
          {"executable", "tcbench"},
          {"num_cpus", int(std::thread::hardware_concurrency())},
          {"mhz_per_cpu", int(std::lround(cpu_mhz()))},
          {"cpu_scaling_enabled", cpu_scaling_enabled()},
          {"caches", nlohmann::json::array()},
#ifdef NDEBUG
          {"library_build_type", "release"},
#else
          {"library_build_type", "debug"},
#endif
          {"json_schema_version", 1}};
}

// ---- rows as Google Benchmark entries ----

// A row's figure as compare.py must read it: a time, lower is better. Rates (higher is better)
// become the time one fixed amount of work takes, so a faster GPU shows as a negative change.
struct TimeForm {
  double ns = 0;      // real_time = cpu_time, time_unit "ns"
  std::string label;  // what the time is, and the figure it comes from
  std::string error;  // non-empty: the row cannot be expressed as a time
};

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

TimeForm time_form(const ResultRow& r) {
  TimeForm t;
  const bool clock_known = std::isfinite(r.sm_clock_mhz) && r.sm_clock_mhz > 0;
  const std::string at_clock = " at " + number(r.sm_clock_mhz) + " MHz";
  if (!std::isfinite(r.value) || r.value <= 0) {
    t.error = "value " + number(r.value) + " " + r.unit + " is not a positive finite number";
  } else if (r.unit == "TFLOP/s") {  // already at the measured clock, whole GPU
    t.ns = 1e6 / r.value;            // 1e9 ops / (value * 1e12 ops/s), in ns
    t.label = "ns per 1e9 ops on the whole GPU (" + number(r.value) + " TFLOP/s)";
  } else if (!clock_known) {
    t.error = "no measured SM clock: " + number(r.value) + " " + r.unit + " has no time equivalent";
  } else if (r.unit == "cycles") {
    t.ns = r.value * 1e3 / r.sm_clock_mhz;
    t.label = "ns (" + number(r.value) + " cycles" + at_clock + ")";
  } else if (r.unit == "ops/clk/SM" || r.unit == "B/clk/SM") {
    const std::string what = r.unit == "B/clk/SM" ? "bytes" : "ops";
    t.ns = 1e9 / (r.value * r.sm_clock_mhz);  // 1e6 units / (value units/clk * MHz * 1e6 clk/s), in ns
    t.label = "ns per 1e6 " + what + " on one SM (" + number(r.value) + " " + r.unit + at_clock + ")";
  } else {
    t.error = "unit '" + r.unit + "' has no time equivalent";
  }
  return t;
}

std::string invalid_reason(const ResultRow& r) {
  if (!r.note.empty()) return r.note;
  return r.metric == "error" ? "the benchmark failed" : "invalid (failed verification or plausibility)";
}

}  // namespace

// compare.py pairs entries by "name" and diffs real_time / cpu_time (lower is better) of the
// same time_unit; "iteration" entries feed its table and geomean. So every figure is written
// as a time in ns (see time_form): latencies at the measured SM clock, throughputs as the time
// a fixed amount of work takes. The figure of instructions.csv stays in "value" / "unit".
// Invalid rows stay, as Google Benchmark writes an errored run: error_occurred, error_message,
// times 0. Their time_unit is "s", not "ns": compare.py pairs entries of one name and one unit,
// so it never diffs an errored row against a measured one (it would read 0 as a 100% speed-up);
// with an errored row in a file it omits its geomean. Skipped rows (never run on this GPU) are
// not benchmarks here and are left out; instructions.csv lists them.
nlohmann::json gbench_json(const nlohmann::json& context, const std::vector<ResultRow>& rows) {
  nlohmann::json ctx = default_context();
  if (context.is_object())
    for (const auto& [key, value] : context.items()) ctx[key] = value;  // caller's keys win

  nlohmann::json benchmarks = nlohmann::json::array();
  std::map<std::string, std::pair<int, int>> families;  // family -> (index, instances so far)
  for (const ResultRow& r : rows) {
    if (r.metric == "skipped") continue;
    // A Google Benchmark "family" is one registered benchmark; its instances are argument sets.
    const std::string family = r.family + "/" + r.atom + "/" + r.metric;
    auto it = families.find(family);
    if (it == families.end()) it = families.emplace(family, std::make_pair(int(families.size()), 0)).first;
    const int instance = it->second.second++;
    const std::string name = family + "/warps:" + std::to_string(r.warps_per_sm) + "/ilp:" + std::to_string(r.ilp);
    const bool valid = r.valid && r.metric != "error";
    const TimeForm t = valid ? time_form(r) : TimeForm{0, "", invalid_reason(r)};
    nlohmann::json e = {{"name", name},
                        {"family_index", it->second.first},
                        {"per_family_instance_index", instance},
                        {"run_name", name},
                        {"run_type", "iteration"},
                        {"repetitions", 1},  // one entry per point: the median of `iterations` samples
                        {"repetition_index", 0},
                        {"threads", 1},
                        {"iterations", r.stats.samples},
                        {"real_time", t.error.empty() ? t.ns : 0.0},
                        {"cpu_time", t.error.empty() ? t.ns : 0.0},
                        {"time_unit", t.error.empty() ? "ns" : "s"},
                        // The figure as instructions.csv has it (extra fields compare.py ignores).
                        {"value", std::isfinite(r.value) ? nlohmann::json(r.value) : nlohmann::json()},
                        {"unit", r.unit},
                        {"iqr", r.stats.iqr},
                        {"cv", r.stats.cv},
                        {"sm_clock_mhz", r.sm_clock_mhz}};
    if (t.error.empty()) {
      e["label"] = t.label;
    } else {
      e["error_occurred"] = true;
      e["error_message"] = t.error;
    }
    benchmarks.push_back(std::move(e));
  }
  return {{"context", ctx}, {"benchmarks", benchmarks}};
}

}  // namespace tcb
