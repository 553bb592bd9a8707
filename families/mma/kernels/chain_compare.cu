// Device-side check that every chain of a launch's d_out equals chain 0 (same inputs must give
// the same bits): the runner then downloads chain 0 alone instead of every chain of every warp
// (up to ~70 MB a point for wgmma), which dominated the sweep's wall time.
#include "families/mma/kernels/chain_compare.hpp"

namespace tcb::kern {
namespace {

__global__ void count_chain_mismatches_kernel(const uint32_t* d, size_t chain_words, size_t total_words,
                                              unsigned long long* result) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x + chain_words; i < total_words;
       i += size_t(gridDim.x) * blockDim.x) {
    if (d[i] != d[i % chain_words]) {
      atomicAdd(&result[0], 1ULL);
      atomicMin(&result[1], static_cast<unsigned long long>(i / chain_words));
    }
  }
}

}  // namespace

cudaError_t count_chain_mismatches(const void* d_out, size_t chain_bytes, size_t chains, unsigned long long* result,
                                   cudaStream_t stream) {
  const unsigned long long init[2] = {0, ~0ULL};
  cudaError_t e = cudaMemcpyAsync(result, init, sizeof init, cudaMemcpyHostToDevice, stream);
  if (e != cudaSuccess || chains < 2) return e;
  const size_t words = chain_bytes / 4, total = words * chains;
  const int threads = 256;
  const int blocks = int(std::min<size_t>((total + threads - 1) / threads, 4096));
  count_chain_mismatches_kernel<<<blocks, threads, 0, stream>>>(static_cast<const uint32_t*>(d_out), words, total,
                                                                result);
  return cudaGetLastError();
}

}  // namespace tcb::kern
