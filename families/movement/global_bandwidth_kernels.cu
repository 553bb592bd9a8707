// Global-memory bandwidth kernels (l2.read/write/copy, dram.read/write/copy) and their fill and
// check helpers. See families/movement/off_chip_kernels.hpp.
#include "families/movement/off_chip_kernels.hpp"
#include "harness/core/timing.cuh"

namespace tcb::movement::offchip {
namespace {

// 16-byte accesses in inline PTX: the loads bypass the L1 (.cg), so that a buffer an SM has read
// before (each thread reads the same addresses every pass) comes from the L2, not from its L1;
// volatile keeps every pass (the compiler could otherwise merge passes that store the same values).
__device__ __forceinline__ uint4 load16(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.cg.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
  return v;
}

// Four loads in one asm statement, so that all four are issued before anything waits for one
// (with four separate volatile statements the compiler placed the first sum between the second
// and third load, halving the bytes in flight).
__device__ __forceinline__ void load16x4(const uint4* p0, const uint4* p1, const uint4* p2, const uint4* p3,
                                         uint4 (&v)[4]) {
  asm volatile(
      "ld.global.cg.v4.u32 {%0, %1, %2, %3}, [%16];\n\t"
      "ld.global.cg.v4.u32 {%4, %5, %6, %7}, [%17];\n\t"
      "ld.global.cg.v4.u32 {%8, %9, %10, %11}, [%18];\n\t"
      "ld.global.cg.v4.u32 {%12, %13, %14, %15}, [%19];"
      : "=r"(v[0].x), "=r"(v[0].y), "=r"(v[0].z), "=r"(v[0].w), "=r"(v[1].x), "=r"(v[1].y), "=r"(v[1].z),
        "=r"(v[1].w), "=r"(v[2].x), "=r"(v[2].y), "=r"(v[2].z), "=r"(v[2].w), "=r"(v[3].x), "=r"(v[3].y),
        "=r"(v[3].z), "=r"(v[3].w)
      : "l"(p0), "l"(p1), "l"(p2), "l"(p3));
}

// A thread's walk over `passes` passes of a grid-stride loop, flattened: positions j = first,
// first + stride, ... < passes x n16, at index j mod n16. Flattening keeps four accesses in flight
// per thread even when a pass gives a thread only one (a 2 MiB array over 135,168 threads), and
// leaves at most three single accesses for the end of the launch instead of some in every pass.
// 32-bit arithmetic (the launchers refuse passes x n16 >= 2^32): half the instructions of 64-bit.
struct FlatWalk {
  uint32_t j, end, stride, n16, step;  // step = stride mod n16
  uint32_t index;                      // j mod n16
  __device__ FlatWalk(uint32_t first, uint32_t stride_, uint32_t n16_, uint32_t passes)
      : j(first), end(n16_ * passes), stride(stride_), n16(n16_), step(stride_ % n16_), index(first % n16_) {}
  __device__ __forceinline__ uint32_t next_index() {  // the current index, then one position on
    const uint32_t i = index;
    index += step;
    if (index >= n16) index -= n16;
    j += stride;
    return i;
  }
  // j + 3 stride < end, without overflow (j <= end always; end < 2^32).
  __device__ __forceinline__ bool four_left() const { return j < end && end - j > 3 * stride; }
  __device__ __forceinline__ bool one_left() const { return j < end; }
};

__device__ __forceinline__ void store16(uint4* p, uint4 v) {
  asm volatile("st.global.v4.u32 [%0], {%1, %2, %3, %4};" ::"l"(p), "r"(v.x), "r"(v.y), "r"(v.z), "r"(v.w)
               : "memory");
}

__device__ __forceinline__ unsigned long long word_sum(uint4 v) {
  return static_cast<unsigned long long>(v.x) + v.y + v.z + v.w;
}

// Words 4i .. 4i+3 of the pattern w + salt.
__device__ __forceinline__ uint4 pattern16(uint32_t i, uint32_t salt) {
  const uint32_t w = 4 * i + salt;
  return make_uint4(w, w + 1, w + 2, w + 3);
}

__device__ __forceinline__ long long first_index() {
  return static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ long long grid_threads() { return static_cast<long long>(gridDim.x) * blockDim.x; }
__device__ __forceinline__ uint32_t first_index32() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ uint32_t grid_threads32() { return gridDim.x * blockDim.x; }

// Sum of v over the block, in thread 0.
__device__ unsigned long long block_sum(unsigned long long v) {
  __shared__ unsigned long long warp_sums[32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) warp_sums[threadIdx.x >> 5] = v;
  __syncthreads();
  unsigned long long total = 0;
  if (threadIdx.x == 0)
    for (int w = 0; w < int(blockDim.x + 31) / 32; ++w) total += warp_sums[w];
  return total;
}

// Four independent 16-byte loads in flight per thread (2 blocks x 512 threads per SM: 64 KiB per
// SM), the grid striding over the buffer; the sum of every word read is the block's result.
__global__ void __launch_bounds__(kBwThreads) read_bw_kernel(const uint4* src, long long n16, int passes,
                                                           unsigned long long* block_sums,
                                                           unsigned long long* timing) {
  kern::BlockTimer timer;
  timer.start();
  FlatWalk w(first_index32(), grid_threads32(), uint32_t(n16), uint32_t(passes));
  unsigned long long acc = 0;
  while (w.four_left()) {
    const uint32_t i0 = w.next_index(), i1 = w.next_index(), i2 = w.next_index(), i3 = w.next_index();
    uint4 v[4];
    load16x4(src + i0, src + i1, src + i2, src + i3, v);
    acc += word_sum(v[0]) + word_sum(v[1]) + word_sum(v[2]) + word_sum(v[3]);
  }
  while (w.one_left()) acc += word_sum(load16(src + w.next_index()));
  const unsigned long long total = block_sum(acc);
  if (threadIdx.x == 0) block_sums[blockIdx.x] = total;
  timer.stop(timing);
}

__global__ void __launch_bounds__(kBwThreads) write_bw_kernel(uint4* dst, long long n16, int passes, uint32_t salt,
                                                            unsigned long long* timing) {
  kern::BlockTimer timer;
  timer.start();
  FlatWalk w(first_index32(), grid_threads32(), uint32_t(n16), uint32_t(passes));
  while (w.four_left()) {
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const uint32_t i = w.next_index();
      store16(dst + i, pattern16(i, salt));
    }
  }
  while (w.one_left()) {
    const uint32_t i = w.next_index();
    store16(dst + i, pattern16(i, salt));
  }
  timer.stop(timing);
}

__global__ void __launch_bounds__(kBwThreads) copy_bw_kernel(const uint4* src, uint4* dst, long long n16, int passes,
                                                           unsigned long long* timing) {
  kern::BlockTimer timer;
  timer.start();
  FlatWalk w(first_index32(), grid_threads32(), uint32_t(n16), uint32_t(passes));
  while (w.four_left()) {
    const uint32_t i0 = w.next_index(), i1 = w.next_index(), i2 = w.next_index(), i3 = w.next_index();
    uint4 v[4];
    load16x4(src + i0, src + i1, src + i2, src + i3, v);
    store16(dst + i0, v[0]);
    store16(dst + i1, v[1]);
    store16(dst + i2, v[2]);
    store16(dst + i3, v[3]);
  }
  while (w.one_left()) {
    const uint32_t i = w.next_index();
    store16(dst + i, load16(src + i));
  }
  timer.stop(timing);
}

__global__ void fill_words_kernel(uint32_t* words, long long n, uint32_t salt) {
  for (long long w = first_index(); w < n; w += grid_threads()) words[w] = static_cast<uint32_t>(w) + salt;
}

__global__ void count_mismatches_kernel(const uint32_t* words, long long n, uint32_t salt, unsigned long long* result) {
  unsigned long long bad = 0, first = ~0ull;
  for (long long w = first_index(); w < n; w += grid_threads())
    if (words[w] != static_cast<uint32_t>(w) + salt) {
      if (!bad) first = w;
      ++bad;
    }
  const unsigned long long total = block_sum(bad);
  if (threadIdx.x == 0 && total) atomicAdd(&result[0], total);
  if (bad) atomicMin(&result[1], first);
}

}  // namespace

namespace {
// The kernels walk passes x n16 positions in 32-bit arithmetic, with room for one grid stride past the end.
bool walk_fits(long long n16, int passes) { return n16 > 0 && passes > 0 && n16 * passes < (1ll << 32) - (1ll << 24); }
}  // namespace

cudaError_t launch_read_bw(const uint4* src, long long n16, int passes, int blocks, unsigned long long* block_sums,
                           unsigned long long* timing, cudaStream_t stream) {
  if (!walk_fits(n16, passes)) return cudaErrorInvalidValue;
  read_bw_kernel<<<blocks, kBwThreads, 0, stream>>>(src, n16, passes, block_sums, timing);
  return cudaGetLastError();
}

cudaError_t launch_write_bw(uint4* dst, long long n16, int passes, uint32_t salt, int blocks,
                            unsigned long long* timing, cudaStream_t stream) {
  if (!walk_fits(n16, passes)) return cudaErrorInvalidValue;
  write_bw_kernel<<<blocks, kBwThreads, 0, stream>>>(dst, n16, passes, salt, timing);
  return cudaGetLastError();
}

cudaError_t launch_copy_bw(const uint4* src, uint4* dst, long long n16, int passes, int blocks,
                           unsigned long long* timing, cudaStream_t stream) {
  if (!walk_fits(n16, passes)) return cudaErrorInvalidValue;
  copy_bw_kernel<<<blocks, kBwThreads, 0, stream>>>(src, dst, n16, passes, timing);
  return cudaGetLastError();
}

cudaError_t launch_fill_words(uint32_t* words, long long n, uint32_t salt, int sm_count, cudaStream_t stream) {
  fill_words_kernel<<<sm_count * 4, 256, 0, stream>>>(words, n, salt);
  return cudaGetLastError();
}

cudaError_t launch_count_mismatches(const uint32_t* words, long long n, uint32_t salt, unsigned long long* result,
                                    int sm_count, cudaStream_t stream) {
  count_mismatches_kernel<<<sm_count * 4, 256, 0, stream>>>(words, n, salt, result);
  return cudaGetLastError();
}

const void* bandwidth_kernel(int kind) {
  if (kind == 0) return reinterpret_cast<const void*>(&read_bw_kernel);
  return kind == 1 ? reinterpret_cast<const void*>(&write_bw_kernel) : reinterpret_cast<const void*>(&copy_bw_kernel);
}

}  // namespace tcb::movement::offchip
