// Robust statistics over repeated samples (nvbench style: median and IQR, not only a mean).
#pragma once
#include <vector>

namespace tcb {

struct Summary {
  int samples = 0;
  double median = 0, q1 = 0, q3 = 0, iqr = 0, mean = 0, stddev = 0, cv = 0, min = 0, max = 0;
};

// Quartiles by linear interpolation between order statistics; cv = stddev / mean (0 if mean 0).
Summary summarize(std::vector<double> samples);

}  // namespace tcb
