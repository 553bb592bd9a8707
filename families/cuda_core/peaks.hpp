// The CUDA-core (non-tensor) FMA ceilings per SM per clock: the physical bound of the family's
// throughput rows (a median above it is rejected as impossible). One table, one place; the
// analysis mirrors it in analysis/peaks.py (CUDA_CORE_FMA_PER_CLK_SM).
#pragma once
#include "ptx/dtype.hpp"

namespace tcb::cuda_core {

// Multiply-add results per clock per SM of the CUDA cores for elements of type `t` (f32, f16,
// bf16, f64) on compute capability `sm`: a scalar FMA gives one result per lane, an f16x2 or
// bf16x2 FMA two. 0 when unknown (the row then says its plausibility was unchecked).
double fma_results_per_clk_sm(int sm, DType t);
// The same in ops (2 per multiply-add), the unit of ops_per_clk_sm.
inline double ops_per_clk_sm(int sm, DType t) { return 2.0 * fma_results_per_clk_sm(sm, t); }

constexpr const char* kBoundSource =
    "CUDA-core FMA peak (CUDA C++ Programming Guide, Throughput of Native Arithmetic Instructions; "
    "families/cuda_core/peaks.cpp)";

}  // namespace tcb::cuda_core
