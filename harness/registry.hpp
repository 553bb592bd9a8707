// The benchmark registry: every atom's kernel instantiations register themselves here
// (static initialisers in microbench/*.cu), so the CLI, runner and SASS checks see one list.
#pragma once
#include <cuda_runtime.h>
#include <string>
#include <vector>
#include "ptx/atom_info.hpp"

namespace tcb {

// Arguments of one chain-kernel launch (microbench/mma_chain.cuh).
struct ChainLaunch {
  int blocks = 1;
  int warps_per_block = 1;
  long steps = 1;             // mma steps per chain
  int ilp = 1;                // independent chains per warp
  const void* a_regs = nullptr;      // device: 32 lanes x A registers (raw)
  const void* b_regs = nullptr;
  const void* b_neg_regs = nullptr;
  const void* c_regs = nullptr;
  void* d_out = nullptr;             // device: [block][warp][chain][lane][D regs]
  unsigned long long* timing = nullptr;  // device: per block {clock start, clock end, ns start, ns end, smid}
};
constexpr int kTimingWords = 5;

struct Benchmark {
  AtomInfo info;
  std::vector<int> ilps;                                   // compiled ILP variants
  cudaError_t (*launch)(const ChainLaunch&, cudaStream_t);  // picks the kernel for launch.ilp
  const void* (*kernel)(int ilp);                          // for cudaFuncGetAttributes
};

std::vector<Benchmark>& registry();
struct Registrar {
  explicit Registrar(const Benchmark& b) { registry().push_back(b); }
};

}  // namespace tcb
