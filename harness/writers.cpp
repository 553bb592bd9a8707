#include "harness/writers.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include "harness/provenance.hpp"

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

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string q = "\"";
  for (char c : field) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + '"';
}

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

void write_json_atomic(const std::string& path, const nlohmann::json& j) {
  const std::string tmp = path + ".tmp";
  // Invalid UTF-8 (e.g. from a device name) is replaced rather than aborting the write.
  const std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw io_error("cannot write JSON file", path);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
            fsync(fileno(f)) == 0;
  int err = errno;
  if (std::fclose(f) != 0 && ok) ok = false, err = errno;
  // rename() replaces the old file atomically: readers see the old or the new file, never half.
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false, err = errno;
  if (!ok) {
    std::remove(tmp.c_str());
    errno = err;
    throw io_error("cannot write JSON file", path);
  }
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

bool exported(const ResultRow& r) { return r.valid && r.metric != "skipped" && std::isfinite(r.value); }

}  // namespace

// compare.py pairs entries by "name" and diffs real_time / cpu_time with the same time_unit;
// run_type "iteration" entries feed its table and geomean. Our figures are not times:
//  - latency_cycles: cycles per dependent instruction. Lower is better, as compare.py assumes.
//  - ops_per_clk_sm, tflops: throughput. Emitted as-is (no reciprocal, so the number in the
//    file is the number in instructions.csv); compare.py's sign then reads inverted: a
//    positive change is an improvement.
// "ns" is only a label compare.py requires; the true unit is in "label" and "unit".
nlohmann::json gbench_json(const nlohmann::json& context, const std::vector<ResultRow>& rows) {
  nlohmann::json ctx = default_context();
  if (context.is_object())
    for (const auto& [key, value] : context.items()) ctx[key] = value;  // caller's keys win

  nlohmann::json benchmarks = nlohmann::json::array();
  std::map<std::string, std::pair<int, int>> families;  // family -> (index, instances so far)
  for (const ResultRow& r : rows) {
    if (!exported(r)) continue;
    // A Google Benchmark "family" is one registered benchmark; its instances are argument sets.
    const std::string family = r.family + "/" + r.atom + "/" + r.metric;
    auto it = families.find(family);
    if (it == families.end()) it = families.emplace(family, std::make_pair(int(families.size()), 0)).first;
    const int instance = it->second.second++;
    const std::string name = family + "/warps:" + std::to_string(r.warps_per_sm) + "/ilp:" + std::to_string(r.ilp);
    benchmarks.push_back({{"name", name},
                          {"family_index", it->second.first},
                          {"per_family_instance_index", instance},
                          {"run_name", name},
                          {"run_type", "iteration"},
                          {"repetitions", 1},  // one entry per point: the median of `iterations` samples
                          {"repetition_index", 0},
                          {"threads", 1},
                          {"iterations", r.stats.samples},
                          {"real_time", r.value},
                          {"cpu_time", r.value},
                          {"time_unit", "ns"},
                          {"label", r.unit},
                          // User counters (numbers) and the unit, as extra fields compare.py ignores.
                          {"value", r.value},
                          {"iqr", r.stats.iqr},
                          {"cv", r.stats.cv},
                          {"sm_clock_mhz", r.sm_clock_mhz},
                          {"unit", r.unit}});
  }
  return {{"context", ctx}, {"benchmarks", benchmarks}};
}

}  // namespace tcb
