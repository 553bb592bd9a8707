// Output files. CSV rows are appended and flushed one by one, so an interrupted sweep keeps
// what it measured; JSON files are written to a temporary name and renamed into place.
#pragma once
#include <cstdio>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "harness/io/csv_reader.hpp"  // csv_escape
#include "harness/io/result_row.hpp"

namespace tcb {

class CsvWriter {
 public:
  explicit CsvWriter(const std::string& path);  // truncates and writes the header; throws on error
  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;             // owns the FILE*
  CsvWriter& operator=(const CsvWriter&) = delete;
  void append(const ResultRow& row);            // one line, flushed
  const std::string& path() const { return path_; }
 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

void write_json_atomic(const std::string& path, const nlohmann::json& j);  // throws on error
// The whole text or nothing: a temporary file beside `path`, renamed over it; throws on error.
void write_text_atomic(const std::string& path, const std::string& text);

// Google Benchmark's JSON schema ("context" + "benchmarks"), so tools/compare.py can diff runs.
// Each measured row becomes one entry named family/atom/metric/warps:W/ilp:I whose real_time /
// cpu_time is a time in ns (lower is better, as compare.py reads it): latencies at the measured
// SM clock, throughputs as ns per 1e6 ops (or bytes) on one SM, TFLOP/s as ns per 1e9 ops on
// the GPU; "label" says which. Invalid rows carry error_occurred / error_message (times 0, in
// "s" so that compare.py never pairs them with a measured row); skipped rows are left out.
nlohmann::json gbench_json(const nlohmann::json& context, const std::vector<ResultRow>& rows);

}  // namespace tcb
