#include "families/energy/stream_kernels.hpp"

#include "harness/core/timing.cuh"

namespace tcb::energy {

// Kernel names the SASS inspection finds them by (core::Benchmark::sass_kernel).
__global__ void energy_fill_words_kernel(uint64_t* w, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    w[i] = i * kFillMultiplier + (i == 0 ? 1 : 0);
}

// Sums `value` and `count` over the block; thread 0 writes them to out[2 * block + {0, 1}].
__device__ void write_block_totals(unsigned long long value, unsigned long long count, unsigned long long* out) {
  __shared__ unsigned long long partial[2][32];
  for (int o = 16; o > 0; o /= 2) {
    value += __shfl_down_sync(0xffffffffu, value, o);
    count += __shfl_down_sync(0xffffffffu, count, o);
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) {
    partial[0][warp] = value;
    partial[1][warp] = count;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned long long v = 0, c = 0;
    for (int w = 0; w < int(blockDim.x / 32); ++w) {
      v += partial[0][w];
      c += partial[1][w];
    }
    out[2 * size_t(blockIdx.x)] = v;
    out[2 * size_t(blockIdx.x) + 1] = c;
  }
}

// ld.global.cg.v2.u64 as a volatile asm: the loads of a pass repeat those of the last one, and a
// plain load could be hoisted out of the pass loop, the sum multiplied instead of read again.
__device__ __forceinline__ ulonglong2 load_cg(const ulonglong2* p) {
  ulonglong2 v;
  asm volatile("ld.global.cg.v2.u64 {%0, %1}, [%2];" : "=l"(v.x), "=l"(v.y) : "l"(p));
  return v;
}

// Grid-stride passes over n vectors, four loads in flight per thread (enough bytes in flight
// per SM to cover DRAM latency); ld.global.cg so that repeated passes are served by L2, never L1.
__global__ void energy_stream_read_kernel(const ulonglong2* __restrict__ p, size_t n, long passes,
                                          unsigned long long* out, unsigned long long* timing) {
  kern::BlockTimer timer;
  timer.start();
  unsigned long long sum = 0, count = 0;
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  const size_t first = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  for (long pass = 0; pass < passes; ++pass) {
    size_t i = first;
    for (; i + 3 * stride < n; i += 4 * stride) {
      const ulonglong2 a = load_cg(p + i), b = load_cg(p + i + stride);
      const ulonglong2 c = load_cg(p + i + 2 * stride), d = load_cg(p + i + 3 * stride);
      sum += a.x + a.y + b.x + b.y + c.x + c.y + d.x + d.y;
      count += 8;
    }
    for (; i < n; i += stride) {
      const ulonglong2 a = load_cg(p + i);
      sum += a.x + a.y;
      count += 2;
    }
  }
  write_block_totals(sum, count, out);
  timer.stop(timing);
}

// Each block fills its shared memory, then reads all of it once per iteration: thread t reads
// vectors j * T + (t + it) mod T (j < kSharedVectorsPerThread), so a warp's 32 lanes read 32
// consecutive 16-byte vectors (modulo T, a multiple of 8): no bank conflict.
__global__ void energy_shared_read_kernel(long iterations, unsigned long long* out, unsigned long long* timing) {
  extern __shared__ uint4 smem[];
  const int T = blockDim.x;
  uint32_t* words = reinterpret_cast<uint32_t*>(smem);
  for (int i = threadIdx.x; i < T * kSharedVectorsPerThread * 4; i += T) words[i] = shared_word(uint32_t(i));
  kern::BlockTimer timer;
  timer.start();  // synchronises the block: the fill is complete
  const uint32_t base = static_cast<uint32_t>(__cvta_generic_to_shared(smem));
  uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int r = threadIdx.x;
  for (long it = 0; it < iterations; ++it) {
#pragma unroll
    for (int j = 0; j < kSharedVectorsPerThread; ++j) {
      const uint32_t addr = base + (uint32_t(j * T + r) << 4);
      uint32_t a, b, c, d;
      asm volatile("ld.shared.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(a), "=r"(b), "=r"(c), "=r"(d) : "r"(addr));
      s0 += a; s1 += b; s2 += c; s3 += d;
    }
    r = r + 1 == T ? 0 : r + 1;
  }
  // The block's sum mod 2^32 (carried in 64 bits, truncated by the host), and its words read.
  const uint32_t sum = s0 + s1 + s2 + s3;
  write_block_totals(sum, (unsigned long long)iterations * kSharedVectorsPerThread * 4, out);
  timer.stop(timing);
}

uint64_t expected_stream_sum(size_t words, long passes) {
  const uint64_t n = words;
  const uint64_t triangle = n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);  // n(n-1)/2 mod 2^64
  const uint64_t one_pass = n == 0 ? 0 : triangle * kFillMultiplier + 1;
  return one_pass * uint64_t(passes);
}

size_t shared_stream_bytes(int threads) { return size_t(threads) * kSharedVectorsPerThread * 16; }

uint32_t expected_shared_sum(int threads, long iterations) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < uint32_t(threads) * kSharedVectorsPerThread * 4; ++i) s += shared_word(i);
  return s * uint32_t(iterations);
}

cudaError_t fill_words(uint64_t* words, size_t count, cudaStream_t stream) {
  energy_fill_words_kernel<<<1024, 256, 0, stream>>>(words, count);
  return cudaGetLastError();
}

cudaError_t launch_stream_read(const void* data, size_t bytes, long passes, int blocks, int threads,
                               unsigned long long* out, unsigned long long* timing, cudaStream_t stream) {
  energy_stream_read_kernel<<<blocks, threads, 0, stream>>>(static_cast<const ulonglong2*>(data), bytes / 16, passes,
                                                            out, timing);
  return cudaGetLastError();
}

cudaError_t launch_shared_read(long iterations, int blocks, int threads, unsigned long long* out,
                               unsigned long long* timing, cudaStream_t stream) {
  const size_t smem = shared_stream_bytes(threads);
  if (smem > 48 * 1024) {
    const cudaError_t e = cudaFuncSetAttribute(energy_shared_read_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                               int(smem));
    if (e != cudaSuccess) return e;
  }
  energy_shared_read_kernel<<<blocks, threads, smem, stream>>>(iterations, out, timing);
  return cudaGetLastError();
}

int stream_blocks_per_sm(int threads) {
  int n = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, energy_stream_read_kernel, threads, 0) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

int shared_blocks_per_sm(int threads) {
  const size_t smem = shared_stream_bytes(threads);
  if (smem > 48 * 1024)
    cudaFuncSetAttribute(energy_shared_read_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
  int n = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, energy_shared_read_kernel, threads, smem) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

}  // namespace tcb::energy
