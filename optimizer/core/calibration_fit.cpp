#include "optimizer/core/calibration_fit.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tcb::opt {

namespace {

// Unconstrained search variables -> parameters in their ranges (a smooth squash, so the simplex
// never leaves the physical range).
struct Box {
  double lo, hi;
};
const std::vector<Box> kRanges = {{0.2, 1.2}, {0.2, 1.2}, {0.2, 1.2}, {0.0, 50.0}, {0.0, 50.0}, {0.0, 50.0}, {0.02, 1.2}};

std::vector<double> to_params(const std::vector<double>& x) {
  std::vector<double> p(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    p[i] = kRanges[i].lo + (kRanges[i].hi - kRanges[i].lo) / (1.0 + std::exp(-x[i]));
  return p;
}

std::vector<double> to_search(const std::vector<double>& p) {
  std::vector<double> x(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    const double u = std::clamp((p[i] - kRanges[i].lo) / (kRanges[i].hi - kRanges[i].lo), 1e-6, 1 - 1e-6);
    x[i] = std::log(u / (1 - u));
  }
  return x;
}


double mape_loss(const tcbench::CostTable& table, const std::vector<MeasuredGemm>& rows, const std::vector<double>& x) {
  const GemmModel model(table, CalibrationParams::from_vector(to_params(x)));
  double s = 0;
  for (const MeasuredGemm& r : rows) {
    s += std::abs(model.predict(r.problem).us / r.measured_us - 1.0);
  }
  return s / rows.size();
}

// Plain Nelder-Mead (reflection 1, expansion 2, contraction 0.5, shrink 0.5).
std::vector<double> nelder_mead(const tcbench::CostTable& table, const std::vector<MeasuredGemm>& rows,
                                std::vector<double> x0, int iterations) {
  const size_t n = x0.size();
  std::vector<std::vector<double>> simplex(n + 1, x0);
  for (size_t i = 0; i < n; ++i) simplex[i + 1][i] += 1.0;
  std::vector<double> f(n + 1);
  for (size_t i = 0; i <= n; ++i) f[i] = mape_loss(table, rows, simplex[i]);
  auto point = [&](const std::vector<double>& c, const std::vector<double>& w, double t) {
    std::vector<double> p(n);
    for (size_t i = 0; i < n; ++i) p[i] = c[i] + t * (w[i] - c[i]);
    return p;
  };
  for (int it = 0; it < iterations; ++it) {
    std::vector<size_t> order(n + 1);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return f[a] < f[b]; });
    const size_t best = order.front(), worst = order.back(), second = order[n - 1];
    if (f[worst] - f[best] < 1e-10) break;
    std::vector<double> c(n, 0.0);
    for (size_t i : order)
      if (i != worst)
        for (size_t d = 0; d < n; ++d) c[d] += simplex[i][d] / n;
    const auto reflected = point(c, simplex[worst], -1.0);
    const double fr = mape_loss(table, rows, reflected);
    if (fr < f[best]) {
      const auto expanded = point(c, simplex[worst], -2.0);
      const double fe = mape_loss(table, rows, expanded);
      if (fe < fr) simplex[worst] = expanded, f[worst] = fe;
      else simplex[worst] = reflected, f[worst] = fr;
    } else if (fr < f[second]) {
      simplex[worst] = reflected, f[worst] = fr;
    } else {
      const auto contracted = point(c, simplex[worst], 0.5);
      const double fc = mape_loss(table, rows, contracted);
      if (fc < f[worst]) {
        simplex[worst] = contracted, f[worst] = fc;
      } else {
        for (size_t i = 0; i <= n; ++i)
          if (i != best) simplex[i] = point(simplex[best], simplex[i], 0.5), f[i] = mape_loss(table, rows, simplex[i]);
      }
    }
  }
  return simplex[std::min_element(f.begin(), f.end()) - f.begin()];
}

}  // namespace

double model_mape(const GemmModel& model, const std::vector<MeasuredGemm>& rows) {
  double s = 0;
  for (const MeasuredGemm& r : rows) s += std::abs(model.predict(r.problem).us - r.measured_us) / r.measured_us;
  return rows.empty() ? 0 : s / rows.size();
}

CalibrationFit fit_calibration(const tcbench::CostTable& table, const std::vector<MeasuredGemm>& all_rows) {
  const GemmModel neutral(table, CalibrationParams{});
  std::vector<MeasuredGemm> rows;
  for (const MeasuredGemm& r : all_rows)
    if (neutral.supports(r.problem.dtype) && r.measured_us > 0) rows.push_back(r);
  if (rows.empty()) throw ModelError("calibration: no measured row of a dtype the cost table can predict");
  // Start from neutral efficiencies and small overheads; two restarts from the best point
  // escape the simplex's early collapse.
  std::vector<double> x = to_search({0.9, 0.9, 0.9, 1.0, 0.1, 1.0, 0.3});
  for (int restart = 0; restart < 3; ++restart) x = nelder_mead(table, rows, x, 400);
  CalibrationFit fit;
  fit.params = CalibrationParams::from_vector(to_params(x));
  // A parameter no fitted row depends on keeps its neutral value (the search moved it freely).
  bool ffma = false, unaligned = false;
  for (const MeasuredGemm& r : rows) {
    ffma = ffma || info(r.problem.dtype).table_family == "cuda_core";
    unaligned = unaligned || (info(r.problem.dtype).table_family != "cuda_core" && !r.problem.aligned());
  }
  if (!ffma) fit.params.ffma_efficiency = 1.0;
  if (!unaligned) fit.params.unaligned_efficiency = 1.0;
  fit.mape = model_mape(GemmModel(table, fit.params), rows);
  fit.mape_uncalibrated = model_mape(neutral, rows);
  return fit;
}

}  // namespace tcb::opt
