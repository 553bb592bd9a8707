// Distributed shared memory (sm_90): loads from another block's shared memory inside a
// thread-block cluster. Latency: one thread chases pointers through the neighbour block's shared
// memory (and, for comparison, its own through the same cluster window); bandwidth: every block
// streams its neighbour's shared memory, clusters of 2 and 4. docs/movement.md, "Distributed
// shared memory".
//
// The addresses are generic ones from mapa: ld.shared::cluster compiles to the same SASS load (a
// generic LD of the shared window), but its 32-bit address needs two moves per step to become
// generic, which a 64-bit chain does not.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "families/movement/common.cuh"
#include "families/movement/on_chip.hpp"

namespace tcb::movement {

struct DsmemLoad {
  static std::string sass_tag() { return "movement::DsmemLoad"; }
};

namespace {

constexpr int kChainElements = 1024;  // latency: 8-byte elements of the chased array
constexpr int kChainUnroll = 32;
// Dynamic shared memory per block, more than half of an SM's: no two blocks share an SM, so the
// neighbour's shared memory is always another SM's (the kernels also record where they ran).
constexpr size_t kBlockSmem = 120 * 1024;
constexpr int kBwThreads = 1024;  // bandwidth: one block of 32 warps per SM
constexpr int kBwUnroll = 16;     // 16-byte loads per thread per iteration, a warp's 512 B each
constexpr int kWarpBytes = 512;
constexpr int kReadBytes = kBwUnroll * kWarpBytes;  // the 8 KiB of the neighbour every warp reads
constexpr int kBwIterations = 32;                   // 8 MiB per SM per launch
constexpr int kClusters[] = {2, 4};

constexpr uint32_t rank_salt(uint32_t rank) { return 0xd5e0 + rank; }

}  // namespace

namespace kern {

#if __CUDA_ARCH__ >= 900
__device__ __forceinline__ uint32_t cluster_rank() {
  uint32_t r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  return r;
}
__device__ __forceinline__ uint32_t cluster_size() {
  uint32_t r;
  asm volatile("mov.u32 %0, %%cluster_nctarank;" : "=r"(r));
  return r;
}
// Every thread of every block of the cluster: what was written before is visible after.
__device__ __forceinline__ void cluster_sync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\n\tbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}
// The generic address of *p in the shared memory of the cluster's block `rank`.
template <class T>
__device__ __forceinline__ T* map_to_rank(T* p, uint32_t rank) {
  unsigned long long r;
  asm volatile("mapa.u64 %0, %1, %2;" : "=l"(r) : "l"(p), "r"(rank));
  return reinterpret_cast<T*>(r);
}
#endif

// Block 0 (rank 0 of cluster 0) writes the chain into its target's shared memory (the next
// block's, or its own with target_offset 0), then its thread 0 follows it. out[0]: the element
// where the chain ended; out[1 + rank]: the SM of each block.
template <class Op>
__global__ void __launch_bounds__(32)
    dsmem_latency(const uint32_t* next, int steps, uint32_t target_offset, uint32_t* out, unsigned long long* timing) {
#if __CUDA_ARCH__ >= 900
  extern __shared__ __align__(16) unsigned long long chain[];
  const uint32_t rank = cluster_rank();
  unsigned long long* target = map_to_rank(chain, (rank + target_offset) % cluster_size());
  if (rank == 0)
    for (int i = threadIdx.x; i < kChainElements; i += blockDim.x)
      target[i] = reinterpret_cast<unsigned long long>(target + next[i]);
  cluster_sync();
  BlockTimer timer;
  timer.start();
  unsigned long long p = reinterpret_cast<unsigned long long>(target);
  if (rank == 0 && threadIdx.x == 0) {
#pragma unroll 1
    for (int s = 0; s < steps; s += kChainUnroll) {
#pragma unroll
      for (int k = 0; k < kChainUnroll; ++k) asm volatile("ld.u64 %0, [%0];" : "+l"(p)::"memory");
    }
  }
  timer.stop(timing);
  if (threadIdx.x == 0) {
    if (rank == 0) out[0] = uint32_t((p - reinterpret_cast<unsigned long long>(target)) / 8);
    if (blockIdx.x < 2) out[1 + blockIdx.x] = ::tcb::kern::sm_id();
  }
  cluster_sync();  // the target's shared memory must outlive the chase
#endif
}

// Every thread loads 16-byte words of the next block's shared memory (rank + 1 in the cluster),
// kBwUnroll per iteration; the checksum goes to sums[block], the block's SM to where[block].
template <class Op>
__global__ void __launch_bounds__(kBwThreads)
    dsmem_bandwidth(int iterations, uint32_t zero, uint32_t* sums, uint32_t* where, unsigned long long* timing) {
#if __CUDA_ARCH__ >= 900
  extern __shared__ __align__(16) uint32_t words[];
  const uint32_t rank = cluster_rank();
  for (int i = threadIdx.x; i < kReadBytes / 4; i += blockDim.x) words[i] = word_value(i, rank_salt(rank));
  const uint4* neighbour =
      map_to_rank(reinterpret_cast<const uint4*>(words), (rank + 1) % cluster_size()) + (threadIdx.x & 31);
  cluster_sync();
  uint32_t sum = 0;
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int it = 0; it < iterations; ++it) {
    // it * zero (zero is 0): an address ptxas cannot prove the same every iteration, so it cannot
    // hoist these (weak) loads out of the loop, which it otherwise does.
    const uint4* p = neighbour + it * zero;
#pragma unroll
    for (int k = 0; k < kBwUnroll; ++k) {
      uint4 v;
      asm volatile("ld.v4.u32 {%0, %1, %2, %3}, [%4];"
                   : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                   : "l"(p + k * (kWarpBytes / 16)));
      sum += v.x + v.y + v.z + v.w;
    }
  }
  timer.stop(timing);
  if (threadIdx.x == 0) where[blockIdx.x] = ::tcb::kern::sm_id();
  add_block_checksum(sum, &sums[blockIdx.x]);
  cluster_sync();  // no block leaves while its neighbour still reads it
#endif
}

}  // namespace kern

namespace {

// ---- host ----------------------------------------------------------------------------------------

cudaLaunchConfig_t cluster_config(int blocks, int threads, int cluster, size_t smem, cudaStream_t stream,
                                  cudaLaunchAttribute* attr) {
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = dim3(blocks);
  cfg.blockDim = dim3(threads);
  cfg.dynamicSmemBytes = smem;
  cfg.stream = stream;
  attr->id = cudaLaunchAttributeClusterDimension;
  attr->val.clusterDim.x = cluster;
  attr->val.clusterDim.y = 1;
  attr->val.clusterDim.z = 1;
  cfg.attrs = attr;
  cfg.numAttrs = 1;
  return cfg;
}

template <class... Params, class... Args>
cudaError_t launch_cluster(void (*kernel)(Params...), int blocks, int threads, int cluster, cudaStream_t stream,
                           Args... args) {
  cudaLaunchAttribute attr;
  const cudaLaunchConfig_t cfg = cluster_config(blocks, threads, cluster, kBlockSmem, stream, &attr);
  return cudaLaunchKernelEx(&cfg, kernel, args...);
}

// How many clusters of this kernel can be resident at once (0 with the reason in *why).
int max_active_clusters(const void* kernel, int threads, int cluster, int want_blocks, std::string* why) {
  *why = occupancy_problem(kernel, threads, kBlockSmem, 1);
  if (!why->empty()) return 0;
  cudaLaunchAttribute attr;
  const cudaLaunchConfig_t cfg = cluster_config(want_blocks, threads, cluster, kBlockSmem, nullptr, &attr);
  int n = 0;
  const cudaError_t e = cudaOccupancyMaxActiveClusters(&n, kernel, &cfg);
  if (e != cudaSuccess) {
    cudaGetLastError();
    *why = fmt::format("cluster occupancy query failed: {}", cudaGetErrorString(e));
    return 0;
  }
  if (n == 0) *why = fmt::format("no cluster of {} blocks of {} threads fits", cluster, threads);
  return n;
}

// Blocks of one cluster on one SM would make the "remote" access local: a failed check.
void check_distinct_sms(const std::vector<uint32_t>& sm_of_block, int cluster, const std::string& what, Check* check) {
  for (size_t c = 0; c + cluster <= sm_of_block.size(); c += cluster)
    for (int a = 0; a < cluster; ++a)
      for (int b = a + 1; b < cluster; ++b)
        if (sm_of_block[c + a] == sm_of_block[c + b])
          check->fail(fmt::format("{}: blocks {} and {} of a cluster ran on the same SM {}", what, c + a, c + b,
                                  sm_of_block[c + a]));
}

void run_latency(core::State& state, bool remote) {
  const SweepConfig& cfg = state.config();
  const std::string params = fmt::format("cluster=2;target={}", remote ? "remote" : "self");
  const auto kernel = kern::dsmem_latency<DsmemLoad>;
  std::string why;
  if (max_active_clusters(reinterpret_cast<const void*>(kernel), 32, 2, 2, &why) == 0) {
    state.skip_point(why, 1, 1, params);
    return;
  }
  const ChainPair pair = chain_pair(cfg, kChainUnroll);
  const int launches = chain_launches(cfg);
  const std::vector<uint32_t> next = random_cycle(kChainElements, state.seed());
  const uint32_t* d_next = upload(state, "movement.next", next);
  constexpr int kOutWords = 3;
  auto* out = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * kOutWords * sizeof(uint32_t)));
  const uint32_t offset = remote ? 1 : 0;
  const auto timings = state.time_launches(launches, 2, cfg.warmup, [&](int i, unsigned long long* timing) {
    return launch_cluster(kernel, 2, 32, 2, state.stream(), d_next, int(chain_steps(cfg, pair, i)), offset,
                          out + i * kOutWords, timing);
  });
  const auto got = download_words(state, "movement.out", size_t(launches) * kOutWords);
  Check check;
  for (int i = 0; i < launches; ++i) {
    const uint32_t want = walk(next, 0, chain_steps(cfg, pair, i));
    if (got[i * kOutWords] != want)
      check.fail(fmt::format("launch {}: the chain ended at element {}, expected {}", i, got[i * kOutWords], want));
    check_distinct_sms({got[i * kOutWords + 1], got[i * kOutWords + 2]}, 2, fmt::format("launch {}", i), &check);
  }
  report_latency(state, pair, timings, check, params, kChainElements * 8,
                 {remote ? "one thread, random cyclic chain through the other block's shared memory (another SM)"
                         : "one thread, random cyclic chain through its own shared memory, addressed through the "
                           "cluster window as the remote chain is"});
}

uint32_t expected_bandwidth_sum(uint32_t neighbour_rank) {
  uint32_t per_lane[32] = {};
  for (int lane = 0; lane < 32; ++lane)
    for (int k = 0; k < kBwUnroll; ++k)
      for (int w = 0; w < 4; ++w)
        per_lane[lane] += word_value((k * kWarpBytes + lane * 16) / 4 + w, rank_salt(neighbour_rank));
  uint32_t sum = 0;
  for (int t = 0; t < kBwThreads; ++t) sum += per_lane[t % 32] * uint32_t(kBwIterations) * thread_weight(t);
  return sum;
}

void run_bandwidth(core::State& state, int cluster) {
  const SweepConfig& cfg = state.config();
  const std::string params = fmt::format("cluster={}", cluster);
  const auto kernel = kern::dsmem_bandwidth<DsmemLoad>;
  const int want_blocks = state.device().sm_count / cluster * cluster;
  std::string why;
  const int clusters = std::min(want_blocks / cluster, max_active_clusters(reinterpret_cast<const void*>(kernel),
                                                                           kBwThreads, cluster, want_blocks, &why));
  if (clusters <= 0) {
    state.skip_point(why, kBwThreads / 32, 0, params);
    return;
  }
  const int blocks = clusters * cluster;
  const int launches = cfg.warmup + cfg.repetitions;
  auto* sums = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * blocks * sizeof(uint32_t)));
  auto* where = static_cast<uint32_t*>(zeroed(state, "movement.where", size_t(launches) * blocks * sizeof(uint32_t)));
  const auto timings = state.time_launches(launches, blocks, cfg.warmup, [&](int i, unsigned long long* timing) {
    return launch_cluster(kernel, blocks, kBwThreads, cluster, state.stream(), kBwIterations, 0u,
                          sums + size_t(i) * blocks, where + size_t(i) * blocks, timing);
  });
  const auto got = download_words(state, "movement.out", size_t(launches) * blocks);
  const auto sms = download_words(state, "movement.where", size_t(launches) * blocks);
  Check check;
  for (int i = 0; i < launches; ++i) {
    for (int b = 0; b < blocks; ++b) {
      const uint32_t want = expected_bandwidth_sum((b % cluster + 1) % cluster);
      if (got[size_t(i) * blocks + b] != want)
        check.fail(fmt::format("launch {} block {}: checksum {:#010x}, expected {:#010x}", i, b,
                               got[size_t(i) * blocks + b], want));
    }
    check_distinct_sms(std::vector<uint32_t>(sms.begin() + size_t(i) * blocks, sms.begin() + size_t(i + 1) * blocks),
                       cluster, fmt::format("launch {}", i), &check);
  }
  RatePoint p;
  p.bytes_per_launch = double(blocks) * kBwThreads * kBwIterations * kBwUnroll * 16;
  p.warps_per_sm = kBwThreads / 32;
  p.params = params;
  p.size_bytes = kReadBytes;
  p.bound_source = std::string(kSharedBoundSource) + ": the remote SM's shared memory serves the loads";
  p.notes.push_back(
      fmt::format("{} clusters of {} resident at once; every block reads its neighbour's shared memory "
                  "(rank + 1) with 16-byte loads",
                  clusters, cluster));
  report_rate(state, p, timings, check);
}

void run_dsmem(core::State& state) {
  if (state.config().latency) {
    for (bool remote : {true, false})
      if (!state.stop_requested()) run_latency(state, remote);
  }
  if (state.config().throughput) {
    for (int cluster : kClusters)
      if (!state.stop_requested()) run_bandwidth(state, cluster);
  }
}

}  // namespace

std::vector<core::Benchmark> dsmem_benchmarks() {
  return {movement_benchmark("dsmem.load", "mapa.u64+ld.u64/ld.v4.u32 (shared::cluster window)", 90,
                             reinterpret_cast<const void*>(kern::dsmem_bandwidth<DsmemLoad>), DsmemLoad::sass_tag(),
                             "^LD\\.E", run_dsmem)};
}

}  // namespace tcb::movement
