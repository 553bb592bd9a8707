// One measured (or skipped) result, as written to <table>.csv (instructions, movement, energy) and
// the Google-Benchmark JSON.
#pragma once
#include <string>
#include <vector>
#include "harness/core/stats.hpp"

namespace tcb {

struct ResultRow {
  std::string family, ptx, atom;
  int m = 0, n = 0, k = 0;
  std::string a_type, b_type, c_type, d_type;
  std::string arch;             // e.g. sm_90
  std::string metric;           // one of the metrics of analysis/results_schema.json
  int warps_per_sm = 0, ilp = 0;
  long long size_bytes = 0;     // the point's size axis (working set, transfer size); 0: none
  std::string params;           // the point's other axes, "key=value;..."
  double value = 0;             // the reported figure (median); 0 when not valid
  std::string unit;             // the metric's unit in analysis/results_schema.json
  double bound = 0;             // the physical ceiling the median was checked against (0: none)
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

// "" when the row's metric is one of the schema's and its unit the one the schema gives that
// metric; else what is wrong. Every row is checked before it is written (a family that invents a
// metric gets an "error" row instead of its figure), so the schema stays the one definition.
std::string schema_problem(const ResultRow& row);

}  // namespace tcb
