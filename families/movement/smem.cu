// Shared memory: load latency by access width (one thread, a dependent chain through an index
// array), and load and store bandwidth by access width (32/64/128-bit) without and with bank
// conflicts (2- to 32-way), every SM busy. docs/movement.md, "Shared memory".
#include <fmt/format.h>

#include "families/movement/common.cuh"
#include "families/movement/on_chip.hpp"

namespace tcb::movement {

// ---- the accesses ------------------------------------------------------------------------------

// One thread's shared-memory access of Bytes (4, 8, 16): ld/st.volatile.shared, so that ptxas
// neither merges nor hoists the repeated loads of the bandwidth loop nor narrows an access whose
// words are not all used (the SASS tests check the loops: tests/gpu/test_movement_sass.cpp).
// The structs also name the kernels: their SASS is found by "SmemLoad<16>" and so on.
template <int Bytes>
struct SmemLoad {
  static constexpr int bytes = Bytes;
  static std::string sass_tag() { return fmt::format("movement::SmemLoad<{}>", Bytes); }
};
template <int Bytes>
struct SmemStore {
  static constexpr int bytes = Bytes;
  static std::string sass_tag() { return fmt::format("movement::SmemStore<{}>", Bytes); }
};

namespace kern {

template <int Bytes>
__device__ __forceinline__ uint4 lds(uint32_t a) {
  uint4 v{0, 0, 0, 0};
  if constexpr (Bytes == 4)
    asm volatile("ld.volatile.shared.b32 %0, [%1];" : "=r"(v.x) : "r"(a) : "memory");
  else if constexpr (Bytes == 8)
    asm volatile("ld.volatile.shared.v2.b32 {%0, %1}, [%2];" : "=r"(v.x), "=r"(v.y) : "r"(a) : "memory");
  else
    asm volatile("ld.volatile.shared.v4.b32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "r"(a)
                 : "memory");
  return v;
}

template <int Bytes>
__device__ __forceinline__ void sts(uint32_t a, uint4 v) {
  if constexpr (Bytes == 4)
    asm volatile("st.volatile.shared.b32 [%0], %1;" ::"r"(a), "r"(v.x) : "memory");
  else if constexpr (Bytes == 8)
    asm volatile("st.volatile.shared.v2.b32 [%0], {%1, %2};" ::"r"(a), "r"(v.x), "r"(v.y) : "memory");
  else
    asm volatile("st.volatile.shared.v4.b32 [%0], {%1, %2, %3, %4};" ::"r"(a), "r"(v.x), "r"(v.y), "r"(v.z), "r"(v.w)
                 : "memory");
}

}  // namespace kern

namespace {

// ---- geometry -----------------------------------------------------------------------------------

constexpr int kChainUnroll = 32;     // dependent loads per loop iteration of the latency chain
constexpr int kChainElements = 512;  // elements of the chain (one access wide each)
constexpr int kBwThreads = 512;      // bandwidth: 2 blocks of 16 warps per SM = 32 warps
constexpr int kBwBlocksPerSm = 2;
constexpr int kBwUnroll = 32;     // accesses per loop iteration
constexpr int kSlots = 8;         // the unrolled accesses cycle over 8 slots of 4 KB ...
constexpr int kSlotBytes = 4096;  // ... each holding one warp's widest footprint (32 rows x 128 B)
constexpr int kSmemWords = kSlots * kSlotBytes / 4;
// Wavefronts (one bank-row each: 128 B, one SM clock at best) each warp issues per launch: the
// iterations shrink with width and conflicts so that every point runs about as long (~0.1 ms).
constexpr int kWavefrontsPerWarp = 6144;
constexpr uint32_t kStoreSalt = 0x5707e;

constexpr int kWays[] = {1, 2, 4, 8, 16, 32};

// Lanes one conflict-free wavefront serves at this width: 32 (32-bit), 16 (64-bit), 8 (128-bit).
__host__ __device__ constexpr int lanes_per_wavefront(int bytes) { return 128 / bytes; }

// The byte offset lane `lane` accesses for an n-way bank conflict: the warp touches only
// lanes_per_wavefront / ways groups of banks (bytes/4 banks each), each group by `ways` lanes at
// distinct 128-byte rows. Every bank it uses then serves ways x bytes/4 distinct words, so a warp
// access takes `ways` times the conflict-free number of wavefronts (whether the hardware splits
// wide accesses into half- or quarter-warp phases or not), and only 32/ways banks work: at most
// 128/ways B/clk/SM. ways = 1 is the contiguous access (lane x bytes).
__host__ __device__ constexpr uint32_t conflict_offset(int lane, int bytes, int ways) {
  const int groups = lanes_per_wavefront(bytes) / ways;
  return uint32_t(lane / groups) * 128u + uint32_t(lane % groups) * uint32_t(bytes);
}

}  // namespace

namespace kern {

// One thread follows the chain: each load's first word is the address of the next element.
template <class Op>
__global__ void __launch_bounds__(32)
    smem_latency(const uint32_t* next, int steps, uint32_t* end, unsigned long long* timing) {
  constexpr int kWords = Op::bytes / 4;
  __shared__ __align__(16) uint32_t chain[kChainElements * kWords];
  const uint32_t base = shared_address(chain);
  for (int i = threadIdx.x; i < kChainElements; i += blockDim.x) {
    chain[i * kWords] = base + next[i] * Op::bytes;
    for (int w = 1; w < kWords; ++w) chain[i * kWords + w] = word_value(i * kWords + w);
  }
  BlockTimer timer;
  timer.start();
  uint32_t p = base;
  if (threadIdx.x == 0) {
#pragma unroll 1
    for (int s = 0; s < steps; s += kChainUnroll) {
#pragma unroll
      for (int k = 0; k < kChainUnroll; ++k) p = lds<Op::bytes>(p).x;
    }
  }
  timer.stop(timing);
  if (threadIdx.x == 0) *end = (p - base) / Op::bytes;
}

// Every thread loads kBwUnroll accesses per iteration at its conflict offset in 8 slots; the
// checksum of everything loaded goes to sums[block].
template <class Op>
__global__ void __launch_bounds__(kBwThreads, kBwBlocksPerSm)
    smem_load_bandwidth(int ways, int iterations, uint32_t* sums, unsigned long long* timing) {
  __shared__ __align__(16) uint32_t words[kSmemWords];
  for (int i = threadIdx.x; i < kSmemWords; i += blockDim.x) words[i] = word_value(i);
  const uint32_t a = shared_address(words) + conflict_offset(threadIdx.x & 31, Op::bytes, ways);
  uint32_t sum = 0;
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int k = 0; k < kBwUnroll; ++k) {
      const uint4 v = lds<Op::bytes>(a + (k % kSlots) * kSlotBytes);
      sum += v.x + v.y + v.z + v.w;
    }
  }
  timer.stop(timing);
  add_block_checksum(sum, &sums[blockIdx.x]);
}

// The store twin: every warp stores the same lane values (so the result does not depend on which
// warp stores last); afterwards the block checksums the whole array (what no store reached keeps
// its initial ~word_value).
template <class Op>
__global__ void __launch_bounds__(kBwThreads, kBwBlocksPerSm)
    smem_store_bandwidth(int ways, int iterations, uint32_t* sums, unsigned long long* timing) {
  __shared__ __align__(16) uint32_t words[kSmemWords];
  for (int i = threadIdx.x; i < kSmemWords; i += blockDim.x) words[i] = ~word_value(i);
  const int lane = threadIdx.x & 31;
  const uint32_t a = shared_address(words) + conflict_offset(lane, Op::bytes, ways);
  const uint4 v{word_value(lane * 4 + 0, kStoreSalt), word_value(lane * 4 + 1, kStoreSalt),
                word_value(lane * 4 + 2, kStoreSalt), word_value(lane * 4 + 3, kStoreSalt)};
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int k = 0; k < kBwUnroll; ++k) sts<Op::bytes>(a + (k % kSlots) * kSlotBytes, v);
  }
  timer.stop(timing);
  uint32_t sum = 0;
  for (int i = threadIdx.x; i < kSmemWords; i += blockDim.x) sum += words[i] * thread_weight(i);
  add_block_checksum(sum, &sums[blockIdx.x]);
}

}  // namespace kern

namespace {

// ---- host: expected outputs ---------------------------------------------------------------------

// The block checksum of kernels where thread t's own value is per_lane[t % 32].
uint32_t block_checksum_of_lanes(const uint32_t (&per_lane)[32], int threads) {
  uint32_t sum = 0;
  for (int t = 0; t < threads; ++t) sum += per_lane[t % 32] * thread_weight(t);
  return sum;
}

uint32_t expected_load_checksum(int bytes, int ways, int iterations) {
  uint32_t per_lane[32];
  for (int lane = 0; lane < 32; ++lane) {
    uint32_t one_iteration = 0;
    for (int k = 0; k < kBwUnroll; ++k) {
      const uint32_t first = (conflict_offset(lane, bytes, ways) + (k % kSlots) * kSlotBytes) / 4;
      for (int w = 0; w < bytes / 4; ++w) one_iteration += word_value(first + w);
    }
    per_lane[lane] = one_iteration * uint32_t(iterations);
  }
  return block_checksum_of_lanes(per_lane, kBwThreads);
}

uint32_t expected_store_checksum(int bytes, int ways) {
  std::vector<uint32_t> image(kSmemWords);
  for (int i = 0; i < kSmemWords; ++i) image[i] = ~word_value(i);
  for (int lane = 0; lane < 32; ++lane)
    for (int slot = 0; slot < kSlots; ++slot)
      for (int w = 0; w < bytes / 4; ++w)
        image[(conflict_offset(lane, bytes, ways) + slot * kSlotBytes) / 4 + w] = word_value(lane * 4 + w, kStoreSalt);
  uint32_t sum = 0;
  for (int t = 0; t < kBwThreads; ++t) {
    uint32_t own = 0;
    for (int i = t; i < kSmemWords; i += kBwThreads) own += image[i] * thread_weight(i);
    sum += own * thread_weight(t);
  }
  return sum;
}

Check check_sums(const std::vector<uint32_t>& sums, int launches, int blocks, uint32_t expected) {
  Check c;
  for (int i = 0; i < launches; ++i)
    for (int b = 0; b < blocks; ++b)
      if (sums[size_t(i) * blocks + b] != expected)
        c.fail(fmt::format("launch {} block {}: checksum {:#010x}, expected {:#010x}", i, b,
                           sums[size_t(i) * blocks + b], expected));
  return c;
}

std::string width_ways(int bytes, int ways) { return fmt::format("width={};ways={}", bytes * 8, ways); }

// ---- host: the points -----------------------------------------------------------------------------

template <int Bytes>
void run_load_latency(core::State& state) {
  const SweepConfig& cfg = state.config();
  const ChainPair pair = chain_pair(cfg, kChainUnroll);
  const int launches = chain_launches(cfg);
  const std::vector<uint32_t> next = random_cycle(kChainElements, state.seed());
  const uint32_t* d_next = upload(state, "movement.next", next);
  auto* d_end = static_cast<uint32_t*>(zeroed(state, "movement.out", launches * sizeof(uint32_t)));
  const auto timings = state.time_launches(launches, 1, cfg.warmup, [&](int i, unsigned long long* timing) {
    kern::smem_latency<SmemLoad<Bytes>>
        <<<1, 32, 0, state.stream()>>>(d_next, int(chain_steps(cfg, pair, i)), d_end + i, timing);
    return cudaGetLastError();
  });
  const auto ends = download_words(state, "movement.out", launches);
  Check check;
  for (int i = 0; i < launches; ++i) {
    const uint32_t want = walk(next, 0, chain_steps(cfg, pair, i));
    if (ends[i] != want)
      check.fail(fmt::format("launch {}: the chain ended at element {}, expected {}", i, ends[i], want));
  }
  report_latency(state, pair, timings, check, fmt::format("width={}", Bytes * 8), kChainElements * Bytes,
                 {"one thread, random cyclic chain through shared memory"});
}

// The bandwidth kernel and the checksum it must write, for loads and for stores.
template <int Bytes>
auto bandwidth_kernel(SmemLoad<Bytes>) {
  return kern::smem_load_bandwidth<SmemLoad<Bytes>>;
}
template <int Bytes>
auto bandwidth_kernel(SmemStore<Bytes>) {
  return kern::smem_store_bandwidth<SmemStore<Bytes>>;
}
template <int Bytes>
uint32_t expected_checksum(SmemLoad<Bytes>, int ways, int iterations) {
  return expected_load_checksum(Bytes, ways, iterations);
}
template <int Bytes>
uint32_t expected_checksum(SmemStore<Bytes>, int ways, int) {
  return expected_store_checksum(Bytes, ways);
}

// One bandwidth point: `ways`-way conflicts at this width, loads or stores (Op).
template <class Op>
void run_bandwidth_point(core::State& state, int ways) {
  const SweepConfig& cfg = state.config();
  const int max_ways = lanes_per_wavefront(Op::bytes);
  if (ways > max_ways) {
    state.skip_point(fmt::format("a {}-bit access serves {} lanes per wavefront: at most {}-way conflicts",
                                 Op::bytes * 8, max_ways, max_ways),
                     kBwThreads / 32 * kBwBlocksPerSm, 0, width_ways(Op::bytes, ways));
    return;
  }
  const auto kernel = bandwidth_kernel(Op{});
  const std::string no_fit = occupancy_problem(reinterpret_cast<const void*>(kernel), kBwThreads, 0, kBwBlocksPerSm);
  if (!no_fit.empty()) {
    state.skip_point(no_fit, kBwThreads / 32 * kBwBlocksPerSm, 0, width_ways(Op::bytes, ways));
    return;
  }
  const int blocks = state.device().sm_count * kBwBlocksPerSm;
  const int wavefronts_per_access = Op::bytes / 4 * ways;
  const int iterations = std::max(2, kWavefrontsPerWarp / (kBwUnroll * wavefronts_per_access));
  const int launches = cfg.warmup + cfg.repetitions;
  auto* sums = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * blocks * sizeof(uint32_t)));
  const auto timings = state.time_launches(launches, blocks, cfg.warmup, [&](int i, unsigned long long* timing) {
    kernel<<<blocks, kBwThreads, 0, state.stream()>>>(ways, iterations, sums + size_t(i) * blocks, timing);
    return cudaGetLastError();
  });
  const auto got = download_words(state, "movement.out", size_t(launches) * blocks);
  const uint32_t expected = expected_checksum(Op{}, ways, iterations);
  RatePoint p;
  p.bytes_per_launch = double(blocks) * kBwThreads * iterations * kBwUnroll * Op::bytes;
  p.warps_per_sm = kBwThreads / 32 * kBwBlocksPerSm;
  p.params = width_ways(Op::bytes, ways);
  if (ways > 1)
    p.notes.push_back(fmt::format("{}-way conflicts: at most 128/{} = {:g} B/clk/SM by construction", ways, ways,
                                  kSharedBytesPerClkSm / ways));
  report_rate(state, p, timings, check_sums(got, launches, blocks, expected));
}

template <int Bytes>
void run_load(core::State& state) {
  if (state.config().latency && !state.stop_requested()) run_load_latency<Bytes>(state);
  if (!state.config().throughput) return;
  for (int ways : kWays) {
    if (state.stop_requested()) return;
    run_bandwidth_point<SmemLoad<Bytes>>(state, ways);
  }
}

template <int Bytes>
void run_store(core::State& state) {
  if (!state.config().throughput) return;
  for (int ways : kWays) {
    if (state.stop_requested()) return;
    run_bandwidth_point<SmemStore<Bytes>>(state, ways);
  }
}

const char* load_ptx(int bytes) {
  return bytes == 4 ? "ld.shared.b32" : bytes == 8 ? "ld.shared.v2.b32" : "ld.shared.v4.b32";
}
const char* store_ptx(int bytes) {
  return bytes == 4 ? "st.shared.b32" : bytes == 8 ? "st.shared.v2.b32" : "st.shared.v4.b32";
}
// The SASS of the access: LDS / LDS.64 / LDS.128 (not LDSM), STS / STS.64 / STS.128.
std::string sass_suffix(int bytes) { return bytes == 4 ? "$" : fmt::format("\\.{}$", bytes * 8); }

template <int Bytes>
void add_width(std::vector<core::Benchmark>* out) {
  out->push_back(movement_benchmark(fmt::format("smem.load.b{}", Bytes * 8), load_ptx(Bytes), 70,
                                    reinterpret_cast<const void*>(kern::smem_load_bandwidth<SmemLoad<Bytes>>),
                                    SmemLoad<Bytes>::sass_tag(), "^LDS" + sass_suffix(Bytes), run_load<Bytes>));
  out->push_back(movement_benchmark(fmt::format("smem.store.b{}", Bytes * 8), store_ptx(Bytes), 70,
                                    reinterpret_cast<const void*>(kern::smem_store_bandwidth<SmemStore<Bytes>>),
                                    SmemStore<Bytes>::sass_tag(), "^STS" + sass_suffix(Bytes), run_store<Bytes>));
}

}  // namespace

std::vector<core::Benchmark> smem_benchmarks() {
  std::vector<core::Benchmark> out;
  add_width<4>(&out);
  add_width<8>(&out);
  add_width<16>(&out);
  return out;
}

}  // namespace tcb::movement
