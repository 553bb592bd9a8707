#include "harness/core/stats.hpp"

#include <algorithm>
#include <cmath>

namespace tcb {
namespace {

// Quantile of sorted data by linear interpolation between order statistics
// (Hyndman & Fan type 7, the default of R, NumPy and pandas): position (n-1)*p.
double quantile_sorted(const std::vector<double>& v, double p) {
  const double pos = p * double(v.size() - 1);
  const size_t lo = size_t(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  const double frac = pos - double(lo);
  return v[lo] + frac * (v[hi] - v[lo]);
}

}  // namespace

Summary summarize(std::vector<double> samples) {
  Summary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  s.samples = int(n);
  s.min = samples.front();
  s.max = samples.back();
  s.median = quantile_sorted(samples, 0.5);
  s.q1 = quantile_sorted(samples, 0.25);
  s.q3 = quantile_sorted(samples, 0.75);
  s.iqr = s.q3 - s.q1;

  double sum = 0;
  for (double x : samples) sum += x;
  s.mean = sum / double(n);
  if (n > 1) {  // sample standard deviation (n - 1): the samples estimate a population
    double ss = 0;
    for (double x : samples) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / double(n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / std::fabs(s.mean) : 0;
  return s;
}

}  // namespace tcb
