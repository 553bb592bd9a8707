// The CUDA-core family: the non-tensor FMA paths (fma.rn.f32 -> FFMA, fma.rn.f16x2 -> HFMA2,
// fma.rn.bf16x2 -> HFMA2.BF16, fma.rn.f64 -> DFMA), the baseline of the tensor cores and what
// strict-fp32 work runs on (docs/cuda_core.md). Each is one core::Benchmark: the latency of a
// dependent chain, the warps x ILP throughput grid with every SM busy, and every launch's chains
// checked bit for bit against the host reference (reference.hpp).
#pragma once
#include <vector>

#include "harness/core/benchmark.hpp"

namespace tcb::cuda_core {

std::vector<core::Benchmark> benchmarks();

// Dependent steps per loop iteration of a chain kernel at this ILP: 256 FMAs per iteration
// whatever the ILP, so that the loop's own instructions take about 1% of the issue slots.
constexpr int unroll_for(int ilp) { return 256 / ilp; }

// Steps per chain of a throughput launch: the config's throughput steps (sized for an mma, ~10x
// the latency of an FMA) times 8, in whole iterations of the least-unrolled kernel: 4096 by default.
constexpr int kStepsPerMmaStep = 8;
long throughput_chain_steps(long config_steps);

}  // namespace tcb::cuda_core
