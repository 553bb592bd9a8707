// Runs hand-made dot products through a benchmark's own kernel, one instruction per case (a
// chain of one step: D = C + A*B), so the numeric probes and the model validation test exactly
// the code paths the benchmarks time.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <vector>
#include "harness/device/device_buffer.hpp"
#include "families/mma/operands.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/watchdog.hpp"

namespace tcb {

// One dot product d = c + sum_i a_i * b_i: element bit patterns in the atom's A, B, C formats.
// a and b hold at most atom.k terms (the rest are zero).
struct DotCase {
  std::vector<uint64_t> a, b;
  uint64_t c = 0;
};

class CaseRunner {
 public:
  // watchdog: when given, launches are waited for by polling against its deadline (a kernel that
  // never finishes then ends the process through its handler) instead of cudaStreamSynchronize.
  explicit CaseRunner(const Benchmark& bench, const Watchdog* watchdog = nullptr);
  ~CaseRunner();
  // The hardware's D bits for each case, in order. Cases are packed min(m, n) to an mma block
  // on its diagonal (row i of A, column i of B, C[i][i]); every other element is zero. Each
  // thread block of a launch takes its own operand set (ChainLaunch::block_stride_*).
  std::vector<uint64_t> run(const std::vector<DotCase>& cases);
  int cases_per_launch() const;  // per thread block

 private:
  static constexpr int kBlocksPerLaunch = 264;  // two per SM on a 132-SM GPU
  std::vector<uint64_t> run_batch(const DotCase* cases, size_t count);
  OperandSet pack_block(const DotCase* cases, int count) const;
  const Benchmark& bench_;
  const Watchdog* watchdog_;
  cudaStream_t stream_{};
  DeviceBuffer a_, b_, c_, d_, timing_;
};

}  // namespace tcb
