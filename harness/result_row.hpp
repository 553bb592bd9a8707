// One measured (or skipped) result, as written to instructions.csv and the Google-Benchmark JSON.
#pragma once
#include <string>
#include <vector>
#include "stats.hpp"

namespace tcb {

struct ResultRow {
  std::string family, ptx, atom;
  int m = 0, n = 0, k = 0;
  std::string a_type, b_type, c_type, d_type;
  std::string arch;             // e.g. sm_90
  std::string metric;           // one of the metrics of analysis/results_schema.json
  int warps_per_sm = 0, ilp = 0;
  double value = 0;             // the reported figure (median); 0 when not valid
  std::string unit;             // the metric's unit in analysis/results_schema.json
  Summary stats;                // over kept samples
  int discarded = 0;            // samples dropped as throttled
  double sm_clock_mhz = 0;      // median in-kernel measured SM clock
  bool native = false;          // the expected tensor-core SASS opcode is in the kernel
  std::string sass_opcodes;     // tensor-core opcodes in the kernel, ';'-separated
  bool verified = false;        // output matched the CPU reference
  bool valid = false;           // verified, plausible (<= peak) and measured
  std::string note;             // why invalid / skipped, or other remarks
};

// Column order of instructions.csv: the columns of analysis/results_schema.json (compiled in),
// read once at first use; csv_fields gives a row's fields in the same order.
const std::vector<std::string>& csv_columns();
std::vector<std::string> csv_fields(const ResultRow& row);

}  // namespace tcb
