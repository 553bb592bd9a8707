#include "harness/result_row.hpp"

#include <fmt/format.h>

namespace tcb {
namespace {

// 6 significant digits: measurement noise is far above that, and the CSV stays readable.
std::string num(double v) { return fmt::format("{:.6g}", v); }
std::string num(int v) { return fmt::format("{}", v); }
std::string flag(bool b) { return b ? "true" : "false"; }

}  // namespace

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> kColumns = {
      "family", "ptx",      "atom",         "m",            "n",      "k",         "a_type",
      "b_type", "c_type",   "d_type",       "arch",         "metric", "warps_per_sm", "ilp",
      "value",  "unit",     "median",       "iqr",          "cv",     "samples",   "discarded",
      "sm_clock_mhz", "native", "sass_opcodes", "verified", "valid",  "note"};
  return kColumns;
}

// Must list the fields in exactly the order of csv_columns() (a test checks the count).
std::vector<std::string> csv_fields(const ResultRow& r) {
  return {r.family,          r.ptx,           r.atom,          num(r.m),
          num(r.n),          num(r.k),        r.a_type,        r.b_type,
          r.c_type,          r.d_type,        r.arch,          r.metric,
          num(r.warps_per_sm), num(r.ilp),    num(r.value),    r.unit,
          num(r.stats.median), num(r.stats.iqr), num(r.stats.cv), num(r.stats.samples),
          num(r.discarded),  num(r.sm_clock_mhz), flag(r.native), r.sass_opcodes,
          flag(r.verified),  flag(r.valid),   r.note};
}

}  // namespace tcb
