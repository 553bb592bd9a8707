// Architectural dense peaks per SM per clock, from the vendor datasheets/whitepapers: the
// plausibility guard marks any result above them invalid. Sparse 2:4 doubles the figure.
#pragma once
#include <string>
#include "ptx/dtype.hpp"

namespace tcb {

// Peak multiply-add (FMA) per clock per SM for A/B inputs of type `a` accumulating in `acc`
// on compute capability `sm` (e.g. 90). Returns 0 when unknown (the guard then uses the
// largest peak known for that architecture, so it still never accepts the impossible).
double peak_fma_per_clk_sm(int sm, DType a, DType acc);
inline double peak_ops_per_clk_sm(int sm, DType a, DType acc) { return 2.0 * peak_fma_per_clk_sm(sm, a, acc); }

// DRAM bandwidth in GB/s (10^9 B/s) from the vendor's datasheet for the GPU model named
// `gpu_name` (the CUDA device name, e.g. "NVIDIA H200"); 0 when the model is not in the table.
double datasheet_dram_gbs(const std::string& gpu_name);
// DRAM bandwidth in GB/s from what the driver reports: 2 transfers per memory clock (HBM and
// GDDR report the clock so that double data rate gives the datasheet figure) x bus width;
// 0 when either is unknown (0).
double theoretical_dram_gbs(int mem_clock_khz, int bus_width_bits);

}  // namespace tcb
