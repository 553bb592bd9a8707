// The on-chip half of the data-movement family, one list per path (on_chip.cpp joins them):
//   smem.cu      shared-memory load latency, load and store bandwidth by width and bank conflicts
//   ldmatrix.cu  ldmatrix / stmatrix latency and throughput
//   cp_async.cu  cp.async (4/8/16 B, .ca/.cg) latency and throughput
//   dsmem.cu     distributed shared memory in a thread-block cluster: latency and bandwidth
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "harness/core/benchmark.hpp"

namespace tcb::movement {

std::vector<core::Benchmark> smem_benchmarks();
std::vector<core::Benchmark> matrix_benchmarks();
std::vector<core::Benchmark> cp_async_benchmarks();
std::vector<core::Benchmark> dsmem_benchmarks();

// A movement benchmark: its row (family "movement", the atom's name, the PTX), the movement
// table, the architecture and kernel image it needs, and where the runner finds its SASS (kernels
// whose demangled name contains sass_kernel; opcodes matching sass_opcodes).
core::Benchmark movement_benchmark(const std::string& atom, const std::string& ptx, int min_sm, const void* kernel,
                                   const std::string& sass_kernel, const std::string& sass_opcodes,
                                   std::function<void(core::State&)> run);

}  // namespace tcb::movement
