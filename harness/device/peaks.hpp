// Architectural dense peaks per SM per clock, from the vendor datasheets/whitepapers: the
// plausibility guard marks any result above them invalid. Sparse 2:4 doubles the figure.
#pragma once
#include "ptx/dtype.hpp"

namespace tcb {

// Peak multiply-add (FMA) per clock per SM for A/B inputs of type `a` accumulating in `acc`
// on compute capability `sm` (e.g. 90). Returns 0 when unknown (the guard then uses the
// largest peak known for that architecture, so it still never accepts the impossible).
double peak_fma_per_clk_sm(int sm, DType a, DType acc);
inline double peak_ops_per_clk_sm(int sm, DType a, DType acc) { return 2.0 * peak_fma_per_clk_sm(sm, a, acc); }

}  // namespace tcb
