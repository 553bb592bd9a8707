// Fits the cost model's CalibrationParams to measured GEMM times (`tcbench calibrate`).
#pragma once

#include <vector>

#include "optimizer/core/gemm_model.hpp"

namespace tcb::opt {

struct MeasuredGemm {
  GemmProblem problem;
  double measured_us = 0;
};

struct CalibrationFit {
  CalibrationParams params;
  double mape = 0, mape_uncalibrated = 0;
};

// Minimises the mean absolute percentage error, the metric issue #14 judges (every shape counts
// alike, microseconds or milliseconds), by Nelder-Mead over the seven parameters, each kept in a
// physical range (efficiencies 0.2..1.2, the unaligned one 0.02..1.2, overheads 0..50 µs).
// Deterministic. Rows of a dtype the table cannot predict are skipped; throws ModelError when
// none is left.
CalibrationFit fit_calibration(const tcbench::CostTable& table, const std::vector<MeasuredGemm>& rows);

// Mean absolute percentage error of the model on these rows.
double model_mape(const GemmModel& model, const std::vector<MeasuredGemm>& rows);

}  // namespace tcb::opt
