// GEMM shape files as `tcbench predict --in` and `tcbench calibrate --measured` read them: CSV
// (RFC 4180) with case-sensitive headers in any order, required dtype,batch,M,N,K, optional
// b_layout (kn | nk), every other column passed through untouched.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "optimizer/core/calibration_fit.hpp"

namespace tcb::opt {

// A malformed file: what() is "<file>:<line>: <field>: <problem>".
class GemmCsvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GemmCsvRow {
  GemmProblem problem;
  std::vector<std::string> fields;  // as read, in the header's order
  int line = 0;
};

struct GemmCsv {
  std::string file;
  std::vector<std::string> header;
  std::vector<GemmCsvRow> rows;
  // The column's index, or -1.
  int column(const std::string& name) const;
};

// Throws GemmCsvError. `file` names the text in messages.
GemmCsv parse_gemm_csv(const std::string& text, const std::string& file);
GemmCsv read_gemm_csv(const std::string& path);

// `tcbench predict --in`'s output: the input columns in input order, then predicted_us
// (calibrated when `model` is) and predicted_us_uncalibrated; rows in input order. Throws
// GemmCsvError for a row the model cannot predict (its dtype absent from the table) or an input
// that already has one of the two output columns.
std::string predict_csv(const GemmCsv& in, const GemmModel& model, const GemmModel& uncalibrated);

// The measured rows of a gemm_timing.py CSV (status ok, median_us > 0), for the calibration fit.
std::vector<MeasuredGemm> measured_rows(const GemmCsv& in);

}  // namespace tcb::opt
