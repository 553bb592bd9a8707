// The per-block timing record every timed kernel writes, whatever its family, and the device
// helpers that take it. Thread 0 of each block writes, at the block's start and end (after a
// __syncthreads, so the record spans the whole block's work):
//   timing[block * kTimingWords + {0..4}] = {clock64 start, clock64 end, %globaltimer start, end, %smid}
// The State (harness/core/state.hpp) turns the records into cycles, per-SM spans and the SM clock.
#pragma once
#include <cuda_runtime.h>

namespace tcb {

constexpr int kTimingWords = 5;

#ifdef __CUDACC__
namespace kern {

__device__ __forceinline__ unsigned long long global_ns() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__device__ __forceinline__ unsigned sm_id() {
  unsigned id;
  asm volatile("mov.u32 %0, %%smid;" : "=r"(id));
  return id;
}

// Block-scope timer: start() and stop() are called by every thread; they synchronise the block
// and thread 0 keeps the clocks. stop() writes the record (timing may be null: not timed).
struct BlockTimer {
  unsigned long long c0 = 0, t0 = 0;
  __device__ __forceinline__ void start() {
    __syncthreads();
    if (threadIdx.x == 0) {
      t0 = global_ns();
      c0 = clock64();
    }
  }
  __device__ __forceinline__ void stop(unsigned long long* timing) {
    __syncthreads();
    if (threadIdx.x == 0 && timing) {
      const unsigned long long c1 = clock64();
      const unsigned long long t1 = global_ns();
      unsigned long long* r = timing + size_t(blockIdx.x) * kTimingWords;
      r[0] = c0; r[1] = c1; r[2] = t0; r[3] = t1; r[4] = sm_id();
    }
  }
};

}  // namespace kern
#endif

}  // namespace tcb
