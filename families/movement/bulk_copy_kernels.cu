// The bulk copy engine of sm_90 (the TMA unit): cp.async.bulk (global -> shared, contiguous bytes)
// and cp.async.bulk.tensor.2d (a tile of a tensor described by a CUtensorMap), each completing
// on an mbarrier through complete_tx::bytes. Latency (one dependent chain of copies) and
// bandwidth (one block per SM, a ring of shared-memory stages). See off_chip_kernels.hpp.
// The PTX exists from sm_90 on: the other architectures of a build get a body that only reports
// kBulkErrNoSm90 (the benchmarks never launch it there; a wrong build shows as an invalid row).
#include "families/movement/off_chip_kernels.hpp"
#include "harness/core/timing.cuh"

namespace tcb::movement::offchip {
namespace {

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define TCB_BULK_SM90 1

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ uint32_t align_up(uint32_t a, uint32_t to) { return (a + to - 1) & ~(to - 1); }

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


__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(bar), "r"(count) : "memory");
}
// Makes the initialised barriers visible to the async proxy (the copy engine) before any copy.
__device__ __forceinline__ void fence_barrier_init() {
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}
// One arrival that also announces `bytes` more bytes for the current phase.
__device__ __forceinline__ void mbar_arrive_expect_tx(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(bar) : "memory");
}
__device__ __forceinline__ bool mbar_try_wait(uint32_t bar, uint32_t parity) {
  uint32_t done;
  asm volatile(
      "{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}"
      : "=r"(done)
      : "r"(bar), "r"(parity)
      : "memory");
  return done != 0;
}
// Waits for the phase of parity `parity` to complete; false when the kernel has been running
// for kBulkWaitLimitNs since `t_begin` (a copy that never lands must not hang the GPU).
__device__ __forceinline__ bool mbar_wait(uint32_t bar, uint32_t parity, unsigned long long t_begin) {
  while (!mbar_try_wait(bar, parity))
    if (kern::global_ns() - t_begin > kBulkWaitLimitNs) return false;
  return true;
}

// The two copies, CuTe-style: one struct per instruction.
struct BulkG2S {
  __device__ __forceinline__ static void copy(const BulkSource& src, uint32_t dst, long long tile, uint32_t bar) {
    const uint8_t* from = src.base + tile * src.tile_bytes;
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(dst),
                 "l"(from), "r"(src.tile_bytes), "r"(bar)
                 : "memory");
  }
};
struct TensorG2S2D {
  __device__ __forceinline__ static void copy(const BulkSource& src, uint32_t dst, long long tile, uint32_t bar) {
    const int rows = static_cast<int>(src.tile_bytes / (kTensorRowWords * 4));
    const int y = static_cast<int>(tile) * rows;
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];" ::"r"(
            dst),
        "l"(reinterpret_cast<uint64_t>(&src.map)), "r"(0), "r"(y), "r"(bar)
        : "memory");
  }
};
#endif

// Dependent chain: each copy's tile index is the first word of the tile copied before it.
template <class Copy>
__device__ void latency_body(const BulkSource& src, uint32_t start, long steps, unsigned long long* out,
                             unsigned long long* timing) {
  kern::BlockTimer timer;
#ifdef TCB_BULK_SM90
  extern __shared__ uint8_t smem[];
  const uint32_t raw = smem_u32(smem), bar = align_up(raw, 8), tile = align_up(bar + 8, 1024);
  const uint32_t* words = reinterpret_cast<const uint32_t*>(smem + (tile - raw));
  if (threadIdx.x == 0) {
    mbar_init(bar, 1);
    fence_barrier_init();
  }
  __syncthreads();
  timer.start();
  if (threadIdx.x == 0) {
    const unsigned long long t_begin = kern::global_ns();
    uint32_t next = start;
    unsigned long long err = 0;
    for (long s = 0; s < steps; ++s) {
      mbar_arrive_expect_tx(bar, src.tile_bytes);
      Copy::copy(src, tile, next, bar);
      if (!mbar_wait(bar, static_cast<uint32_t>(s & 1), t_begin)) {
        err = kBulkErrTimeout;
        break;
      }
      next = *reinterpret_cast<const volatile uint32_t*>(words);
    }
    out[0] = next;
    out[2] = err;
  }
  timer.stop(timing);
  // The last tile, as it sits in shared memory, summed by every thread (checked on the host).
  unsigned long long acc = 0;
  for (uint32_t i = threadIdx.x; i < src.tile_bytes / 4; i += blockDim.x) acc += words[i];
  const unsigned long long total = block_sum(acc);
  if (threadIdx.x == 0) out[1] = total;
#else
  timer.start();
  if (threadIdx.x == 0) out[2] = kBulkErrNoSm90;
  timer.stop(timing);
#endif
}

// One block per SM. Warp 0 lane 0 fills stage s = i % stages with the block's i-th tile after
// the stage's previous tile was consumed (empty[s]); consumer warp s % consumers waits for the
// tile (full[s]), sums its words and frees the stage. Because consumers divides stages, a stage
// has one consumer, which waits for its phases in order: a parity wait cannot match a phase
// two behind.
struct StreamArgs {
  long long tiles;
  int passes, stages, consumers;
  unsigned long long* block_sums;
  unsigned long long* error;
};

template <class Copy>
__device__ void bandwidth_body(const BulkSource& src, const StreamArgs& a, unsigned long long* timing) {
  kern::BlockTimer timer;
#ifdef TCB_BULK_SM90
  extern __shared__ uint8_t smem[];
  const int stages = a.stages;
  const uint32_t raw = smem_u32(smem), full = align_up(raw, 8), empty = full + 8 * stages;
  const uint32_t tiles = align_up(empty + 8 * stages, 1024);
  if (threadIdx.x == 0) {
    for (int s = 0; s < stages; ++s) {
      mbar_init(full + 8 * s, 1);
      mbar_init(empty + 8 * s, 1);
    }
    fence_barrier_init();
  }
  __syncthreads();
  timer.start();
  const unsigned long long t_begin = kern::global_ns();
  const long long total = a.tiles * a.passes;
  const long long mine = blockIdx.x < total ? (total - 1 - blockIdx.x) / gridDim.x + 1 : 0;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  unsigned long long acc = 0, err = 0;
  if (warp == 0) {
    if (lane == 0)
      for (long long i = 0; i < mine; ++i) {
        const int s = static_cast<int>(i & (stages - 1));
        const uint32_t use = static_cast<uint32_t>(i / stages);
        if (use > 0 && !mbar_wait(empty + 8 * s, (use - 1) & 1, t_begin)) {
          err = kBulkErrTimeout;
          break;
        }
        mbar_arrive_expect_tx(full + 8 * s, src.tile_bytes);
        Copy::copy(src, tiles + s * src.tile_bytes, (blockIdx.x + i * gridDim.x) % a.tiles, full + 8 * s);
      }
  } else {
    for (long long i = warp - 1; i < mine; i += a.consumers) {
      const int s = static_cast<int>(i & (stages - 1));
      const bool landed = mbar_wait(full + 8 * s, static_cast<uint32_t>(i / stages) & 1, t_begin);
      if (!__all_sync(0xffffffffu, landed)) {
        err = kBulkErrTimeout;
        break;
      }
      const uint4* t = reinterpret_cast<const uint4*>(smem + (tiles - raw) + s * src.tile_bytes);
      for (uint32_t j = lane; j < src.tile_bytes / 16; j += 32) {
        const uint4 v = t[j];
        acc += static_cast<unsigned long long>(v.x) + v.y + v.z + v.w;
      }
      __syncwarp();
      if (lane == 0) mbar_arrive(empty + 8 * s);
    }
  }
  const unsigned long long sum = block_sum(acc);
  if (threadIdx.x == 0) a.block_sums[blockIdx.x] = sum;
  if (err) atomicOr(a.error, err);
  timer.stop(timing);
#else
  timer.start();
  if (threadIdx.x == 0) atomicOr(a.error, kBulkErrNoSm90);
  timer.stop(timing);
#endif
}

#ifdef TCB_BULK_SM90
using BulkCopyOp = BulkG2S;
using TensorCopyOp = TensorG2S2D;
#else
struct NoCopy {};
using BulkCopyOp = NoCopy;
using TensorCopyOp = NoCopy;
#endif

__global__ void bulk_g2s_latency_kernel(const __grid_constant__ BulkSource src, uint32_t start, long steps,
                                        unsigned long long* out, unsigned long long* timing) {
  latency_body<BulkCopyOp>(src, start, steps, out, timing);
}
__global__ void tma_tensor2d_latency_kernel(const __grid_constant__ BulkSource src, uint32_t start, long steps,
                                            unsigned long long* out, unsigned long long* timing) {
  latency_body<TensorCopyOp>(src, start, steps, out, timing);
}
__global__ void bulk_g2s_bandwidth_kernel(const __grid_constant__ BulkSource src, const StreamArgs a,
                                          unsigned long long* timing) {
  bandwidth_body<BulkCopyOp>(src, a, timing);
}
__global__ void tma_tensor2d_bandwidth_kernel(const __grid_constant__ BulkSource src, const StreamArgs a,
                                              unsigned long long* timing) {
  bandwidth_body<TensorCopyOp>(src, a, timing);
}

__global__ void link_tiles_kernel(uint32_t* words, const uint32_t* next, long long tiles, uint32_t tile_words) {
  for (long long t = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; t < tiles;
       t += static_cast<long long>(gridDim.x) * blockDim.x)
    words[t * tile_words] = next[t];
}

constexpr int kLatencyThreads = 128;
// Room for the barriers' 8-byte alignment, one latency barrier and the tiles' 1024-byte alignment.
constexpr uint32_t kBarrierAndAlignBytes = 1024 + 8 + 16;

}  // namespace

size_t bulk_latency_smem_bytes(uint32_t tile_bytes) { return kBarrierAndAlignBytes + tile_bytes; }

size_t BulkStreamPlan::smem_bytes() const {
  return kBarrierAndAlignBytes + 16 * size_t(stages) + size_t(stages) * tile_bytes;
}

BulkStreamPlan plan_bulk_stream(uint32_t tile_bytes, long long tiles, int passes, int blocks) {
  BulkStreamPlan p;
  p.tile_bytes = tile_bytes;
  p.tiles = tiles;
  p.passes = passes;
  p.blocks = blocks;
  const uint32_t in_flight = 128 * 1024;
  p.stages = 2;
  while (p.stages < 128 && uint32_t(2 * p.stages) * tile_bytes <= in_flight) p.stages *= 2;
  p.consumers = p.stages < 8 ? p.stages : 8;
  return p;
}

const void* bulk_kernel(BulkKind kind, bool latency) {
  if (latency)
    return kind == BulkKind::bulk ? reinterpret_cast<const void*>(&bulk_g2s_latency_kernel)
                                  : reinterpret_cast<const void*>(&tma_tensor2d_latency_kernel);
  return kind == BulkKind::bulk ? reinterpret_cast<const void*>(&bulk_g2s_bandwidth_kernel)
                                : reinterpret_cast<const void*>(&tma_tensor2d_bandwidth_kernel);
}

cudaError_t allow_bulk_smem(size_t bytes) {
  for (BulkKind k : {BulkKind::bulk, BulkKind::tensor2d})
    for (bool latency : {true, false}) {
      const cudaError_t e =
          cudaFuncSetAttribute(bulk_kernel(k, latency), cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes));
      if (e != cudaSuccess) return e;
    }
  return cudaSuccess;
}

cudaError_t launch_bulk_latency(const BulkSource& src, uint32_t start, long steps, unsigned long long* out,
                                unsigned long long* timing, cudaStream_t stream) {
  const size_t smem = bulk_latency_smem_bytes(src.tile_bytes);
  if (src.kind == BulkKind::bulk)
    bulk_g2s_latency_kernel<<<1, kLatencyThreads, smem, stream>>>(src, start, steps, out, timing);
  else
    tma_tensor2d_latency_kernel<<<1, kLatencyThreads, smem, stream>>>(src, start, steps, out, timing);
  return cudaGetLastError();
}

cudaError_t launch_bulk_bandwidth(const BulkSource& src, const BulkStreamPlan& plan, unsigned long long* block_sums,
                                  unsigned long long* error, unsigned long long* timing, cudaStream_t stream) {
  const StreamArgs a{plan.tiles, plan.passes, plan.stages, plan.consumers, block_sums, error};
  const int threads = 32 * (1 + plan.consumers);
  if (src.kind == BulkKind::bulk)
    bulk_g2s_bandwidth_kernel<<<plan.blocks, threads, plan.smem_bytes(), stream>>>(src, a, timing);
  else
    tma_tensor2d_bandwidth_kernel<<<plan.blocks, threads, plan.smem_bytes(), stream>>>(src, a, timing);
  return cudaGetLastError();
}

cudaError_t launch_link_tiles(uint32_t* words, const uint32_t* next, long long tiles, uint32_t tile_words,
                              cudaStream_t stream) {
  const long long blocks = (tiles + 255) / 256;
  link_tiles_kernel<<<static_cast<unsigned>(blocks < 1024 ? blocks : 1024), 256, 0, stream>>>(words, next, tiles,
                                                                                             tile_words);
  return cudaGetLastError();
}

}  // namespace tcb::movement::offchip
