// The Blackwell family's kernels as the host sees them: one verification-and-latency kernel per
// atom. Each runs `steps` dependent instructions on all-ones inputs (unit scale factors), reads
// the accumulator back and counts elements that differ from steps x K; block 0's thread 0 records
// the cycles from the first issue to the completion of the last.
#pragma once
#include <cuda_runtime.h>

namespace tcb::blackwell {

struct ChainResult {
  unsigned long long cycles;
  unsigned mismatches;
  float first;  // one accumulator element, for the note (s32 accumulators converted)
};

struct KernelEntry {
  const char* atom;
  const void* kernel;  // for cudaFuncGetAttributes (which code this build holds)
  cudaError_t (*launch)(int steps, ChainResult* out, cudaStream_t stream);
};

// tcgen05.cu: f16, tf32, f8f6f4, i8 (empty when the build has no sm_100 target).
extern const KernelEntry kTcgen05Kernels[];
extern const int kTcgen05KernelCount;
// block_scale.cu: mxf8f6f4, mxf4, mxf4nvf4 (empty when the build has no sm_120 target).
extern const KernelEntry kBlockScaleKernels[];
extern const int kBlockScaleKernelCount;

}  // namespace tcb::blackwell
