// The data-movement family: what feeds the tensor cores, measured with the same rigour as the
// instructions (docs/movement.md). Two halves, each a list of core::Benchmark:
//   on_chip.cu  : shared memory, ldmatrix/stmatrix, cp.async, distributed shared memory
//   off_chip.cu : pointer-chase latency by level, L2/DRAM bandwidth, bulk copy and TMA, launch overhead
#pragma once
#include <vector>
#include "harness/core/benchmark.hpp"

namespace tcb::movement {

std::vector<core::Benchmark> on_chip_benchmarks();
std::vector<core::Benchmark> off_chip_benchmarks();

}  // namespace tcb::movement
