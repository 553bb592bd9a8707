// cp.async (global -> shared, 4/8/16 bytes with .ca, 16 bytes with .cg): the latency of one copy
// (issue, commit, wait_group 0, then the next) and the throughput with every SM busy, the source
// in L2 (and, for .ca, in L1). docs/movement.md, "cp.async".
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "families/movement/common.cuh"
#include "families/movement/on_chip.hpp"

namespace tcb::movement {

// One cp.async of Bytes from global to shared memory; .cg (cache in L2, not L1) exists for 16
// bytes only.
template <int Bytes, bool Cg>
struct CpAsync {
  static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async copies 4, 8 or 16 bytes");
  static_assert(!Cg || Bytes == 16, "cp.async.cg copies 16 bytes only");
  static constexpr int bytes = Bytes;
  static constexpr bool cg = Cg;
  static std::string ptx() { return fmt::format("cp.async.{}.shared.global", Cg ? "cg" : "ca"); }
  static std::string sass_tag() { return fmt::format("movement::CpAsync<{}, {}>", Bytes, Cg ? "true" : "false"); }
  // LDGSTS.E (.64, .128) for .ca; LDGSTS.E.BYPASS.128 for .cg (bypassing L1).
  static std::string sass_opcode() {
    return fmt::format("^LDGSTS\\.E{}{}$", Cg ? "\\.BYPASS" : "", Bytes == 4 ? "" : fmt::format("\\.{}", Bytes * 8));
  }
};

namespace kern {

// cp.async is sm_80+: a Volta image holds trapping stubs, never run (the benchmarks gate on SM 80).
template <class Op>
__device__ __forceinline__ void cp_async(uint32_t dst, const void* src) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  (void)dst, (void)src;
  __trap();
#else
  if constexpr (Op::cg)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(dst), "l"(src) : "memory");
  else
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2;" ::"r"(dst), "l"(src), "n"(Op::bytes) : "memory");
#endif
}
__device__ __forceinline__ void cp_async_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  __trap();
#else
  asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}
template <int Pending>
__device__ __forceinline__ void cp_async_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  __trap();
#else
  asm volatile("cp.async.wait_group %0;" ::"n"(Pending) : "memory");
#endif
}

}  // namespace kern

namespace {

constexpr int kLine = 128;        // latency: each step copies from its own 128-byte line ...
constexpr int kChainUnroll = 16;  // ... 16 steps (lines, shared-memory slots) per loop iteration
constexpr int kThreads = 512;     // throughput: 2 blocks of 16 warps per SM
constexpr int kBlocksPerSm = 2;
constexpr int kGroupBytes = 64;  // bytes per thread per commit group: 4 x 16, 8 x 8 or 16 x 4 copies
constexpr int kStages = 2;       // groups in flight per thread (wait_group 1)
// Throughput, source in L2: block b starts kL2Spacing bytes after block b-1 in a region of
// blocks x kL2Spacing bytes and streams on (wrapping), so that between two blocks' copies of one
// line each has copied at least kL2Spacing other bytes: with L1 at its smallest (the carveout
// gives shared memory all it can: 28 KiB of L1 left on GH100) a .ca copy cannot find its line
// in L1. 264 blocks: a 16.5 MiB region, a third of the H100/H200 L2.
constexpr uint32_t kL2Spacing = 64 * 1024;
constexpr double kL2BytesPerSm = 4e6;  // about 4 MB per SM per launch (~0.1 ms)
constexpr double kL1BytesPerSm = 8e6;  // source in L1: one chunk, re-read by every block
constexpr int kVerifyGroups = 4;       // the untimed full check: groups copied and summed one by one
constexpr uint32_t kSourceSalt = 0xc0a5;

// Copies per thread per group: as many bytes whatever the size, so that the group's address
// arithmetic weighs as little on 4-byte copies as on 16-byte ones.
template <class Op>
constexpr int copies_per_group() {
  return kGroupBytes / Op::bytes;
}
// Bytes one block copies per group: a 32 KiB chunk, each thread copies_per_group x Bytes of it
// (coalesced: copy u of thread t at (u x kThreads + t) x Bytes).
constexpr uint32_t kChunk = kGroupBytes * kThreads;

}  // namespace

namespace kern {

// One thread: copy, commit, wait for it, copy the next (no data dependence: the wait orders
// them). `advance` > 0: every step a line never copied before in this launch (the source in L2);
// 0: the same 16 lines, copied once before the timer (the source in L1 for .ca).
template <class Op>
__global__ void __launch_bounds__(32)
    cp_async_latency(const uint8_t* src, long advance, int steps, uint32_t* out, unsigned long long* timing) {
  __shared__ __align__(16) uint32_t slots[kChainUnroll * 4];
  const uint32_t dst = shared_address(slots);
  if (threadIdx.x == 0 && advance == 0) {
#pragma unroll
    for (int k = 0; k < kChainUnroll; ++k) cp_async<Op>(dst + k * Op::bytes, src + k * kLine);
    cp_async_commit();
    cp_async_wait<0>();
  }
  BlockTimer timer;
  timer.start();
  if (threadIdx.x == 0) {
#pragma unroll 1
    for (int s = 0; s < steps; s += kChainUnroll) {
#pragma unroll
      for (int k = 0; k < kChainUnroll; ++k) {
        cp_async<Op>(dst + k * Op::bytes, src + k * kLine);
        cp_async_commit();
        cp_async_wait<0>();
      }
      src += advance;
    }
  }
  timer.stop(timing);
  for (int w = threadIdx.x; w < kChainUnroll * Op::bytes / 4; w += blockDim.x) out[w] = slots[w];
}

// Thread t's words of one landed group in the stage at `stage` (its own copies only: no barrier).
template <class Op>
__device__ __forceinline__ uint32_t own_words_sum(const uint8_t* stage) {
  uint32_t sum = 0;
#pragma unroll
  for (int u = 0; u < copies_per_group<Op>(); ++u) {
    const uint32_t* w = reinterpret_cast<const uint32_t*>(stage + (u * kThreads + threadIdx.x) * Op::bytes);
#pragma unroll
    for (int i = 0; i < Op::bytes / 4; ++i) sum += w[i];
  }
  return sum;
}

// Every thread streams its part of `groups` chunks through kStages stages of shared memory, two
// groups in flight. Block b starts at b x block_start in the region (bytes, a whole number of
// chunks) and wraps at its end. Timed (Full = false): checksums the last two groups; Full: every
// group as it lands (untimed, the complete check).
template <class Op, bool Full>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm)
    cp_async_throughput(const uint8_t* src, uint32_t region, uint32_t block_start, int groups, uint32_t* sums,
                        unsigned long long* timing) {
  extern __shared__ __align__(16) uint8_t stages[];
  constexpr uint32_t chunk = kChunk;
  const uint32_t dst = shared_address(stages) + threadIdx.x * Op::bytes;
  const uint8_t* thread_src = src + threadIdx.x * Op::bytes;
  uint32_t offset = (blockIdx.x * block_start) % region;
  uint32_t sum = 0;
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int g = 0; g < groups; ++g) {
    const uint8_t* from = thread_src + offset;
    offset = offset + chunk < region ? offset + chunk : offset + chunk - region;
    const uint32_t to = dst + (g % kStages) * chunk;
#pragma unroll
    for (int u = 0; u < copies_per_group<Op>(); ++u)
      cp_async<Op>(to + u * kThreads * Op::bytes, from + u * kThreads * Op::bytes);
    cp_async_commit();
    cp_async_wait<kStages - 1>();
    if (Full && g > 0) sum += own_words_sum<Op>(stages + ((g - 1) % kStages) * chunk);
  }
  cp_async_wait<0>();
  timer.stop(timing);
  if (Full) {
    sum += own_words_sum<Op>(stages + ((groups - 1) % kStages) * chunk);
  } else {
    for (int s = 0; s < kStages; ++s) sum += own_words_sum<Op>(stages + s * chunk);
  }
  add_block_checksum(sum, &sums[blockIdx.x]);
}

// Brings a buffer into L2 (ld.global.cg: not into L1), so that the copies measured find it there.
__global__ void touch_l2(const uint4* p, size_t n, uint32_t* sink) {
  uint32_t x = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const uint4 v = __ldcg(p + i);
    x ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (x == 0x12345678u) *sink = x;  // keeps the loads; practically never written
}

}  // namespace kern

namespace {

// ---- host ----------------------------------------------------------------------------------------

// The source data: word i of the buffer is word_value(i, kSourceSalt), uploaded once per size.
const uint8_t* upload_source(core::State& state, size_t bytes, std::vector<uint32_t>* words) {
  words->resize(bytes / 4);
  for (size_t i = 0; i < words->size(); ++i) (*words)[i] = word_value(uint32_t(i), kSourceSalt);
  return reinterpret_cast<const uint8_t*>(upload(state, "movement.source", *words));
}

void touch_in_l2(core::State& state, const uint8_t* p, size_t bytes) {
  auto* sink = static_cast<uint32_t*>(zeroed(state, "movement.sink", sizeof(uint32_t)));
  kern::touch_l2<<<state.device().sm_count * 4, 256, 0, state.stream()>>>(reinterpret_cast<const uint4*>(p), bytes / 16,
                                                                          sink);
  core::State::check(cudaGetLastError(), "L2 warm-up launch");
  state.wait("L2 warm-up");
}

// One latency point: src_in_l2 (fresh lines, warmed into L2 only) or L1 (16 lines reused, .ca).
template <class Op>
void run_latency(core::State& state, bool src_in_l2) {
  const SweepConfig& cfg = state.config();
  const ChainPair pair = chain_pair(cfg, kChainUnroll);
  const int launches = chain_launches(cfg);
  // Each launch copies from its own lines, so no launch finds lines an earlier one left in L1.
  const size_t per_launch = src_in_l2 ? size_t(pair.longer) * kLine : kChainUnroll * kLine;
  std::vector<uint32_t> words;
  const uint8_t* source = upload_source(state, per_launch * launches, &words);
  if (src_in_l2) touch_in_l2(state, source, per_launch * launches);
  const int out_words = kChainUnroll * Op::bytes / 4;
  auto* d_out = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * out_words * sizeof(uint32_t)));
  const long advance = src_in_l2 ? long(kChainUnroll) * kLine : 0;
  const auto timings = state.time_launches(launches, 1, cfg.warmup, [&](int i, unsigned long long* timing) {
    kern::cp_async_latency<Op><<<1, 32, 0, state.stream()>>>(
        source + i * per_launch, advance, int(chain_steps(cfg, pair, i)), d_out + i * out_words, timing);
    return cudaGetLastError();
  });
  const auto got = download_words(state, "movement.out", size_t(launches) * out_words);
  Check check;
  for (int i = 0; i < launches; ++i) {
    // Slot k holds what the last iteration's step k copied.
    const long last = (chain_steps(cfg, pair, i) / kChainUnroll - 1) * advance;
    for (int k = 0; k < kChainUnroll; ++k)
      for (int w = 0; w < Op::bytes / 4; ++w) {
        const uint32_t want = words[(i * per_launch + last + k * kLine) / 4 + w];
        const uint32_t have = got[size_t(i) * out_words + k * Op::bytes / 4 + w];
        if (have != want)
          check.fail(fmt::format("launch {} slot {} word {}: {:#010x}, expected {:#010x}", i, k, w, have, want));
      }
  }
  report_latency(
      state, pair, timings, check, fmt::format("src={}", src_in_l2 ? "l2" : "l1"), per_launch,
      {"one thread; per step one cp.async, commit_group and wait_group 0 (issue to landed in shared memory)"});
}

// The block checksum the throughput kernel must write: thread t sums its words of the groups
// listed, weighted as add_block_checksum does.
template <class Op>
uint32_t expected_block_sum(const std::vector<uint32_t>& words, uint32_t region, uint32_t start,
                            const std::vector<int>& groups) {
  constexpr uint32_t chunk = kChunk;
  uint32_t sum = 0;
  for (int t = 0; t < kThreads; ++t) {
    uint32_t own = 0;
    for (int g : groups)
      for (int u = 0; u < copies_per_group<Op>(); ++u) {
        const uint32_t first = uint32_t((start + uint64_t(g) * chunk) % region + (u * kThreads + t) * Op::bytes) / 4;
        for (int w = 0; w < Op::bytes / 4; ++w) own += words[first + w];
      }
    sum += own * thread_weight(t);
  }
  return sum;
}

template <class Op>
Check check_block_sums(const std::vector<uint32_t>& got, int launches, int blocks, const std::vector<uint32_t>& words,
                       uint32_t region, uint32_t block_start, const std::vector<int>& groups) {
  Check check;
  std::map<uint32_t, uint32_t> by_start;  // blocks that start at the same place sum the same words
  for (int b = 0; b < blocks; ++b) {
    const uint32_t start = uint32_t(uint64_t(b) * block_start % region);
    auto it = by_start.find(start);
    if (it == by_start.end()) it = by_start.emplace(start, expected_block_sum<Op>(words, region, start, groups)).first;
    const uint32_t want = it->second;
    for (int i = 0; i < launches; ++i)
      if (got[size_t(i) * blocks + b] != want)
        check.fail(fmt::format("launch {} block {}: checksum {:#010x}, expected {:#010x}", i, b,
                               got[size_t(i) * blocks + b], want));
  }
  return check;
}

// The shared-memory carveout (percent of the most an SM can give): all of it with the source in
// L2 (L1 at its smallest), only what two blocks' stages need with the source in L1 (L1 the rest).
int carveout_percent(const DeviceInfo& dev, size_t smem, bool src_in_l2) {
  if (src_in_l2 || dev.shared_mem_per_sm <= 0) return 100;
  const double needed = kBlocksPerSm * (smem + 1024.0) + 1024;  // 1 KiB per block reserved by the system
  return std::min(100, int(std::ceil(100.0 * needed / dev.shared_mem_per_sm)));
}

// One throughput point: the source in L2 (see kL2Spacing) or in L1 (.ca: every block re-reads one
// chunk).
template <class Op>
void run_throughput(core::State& state, bool src_in_l2) {
  const SweepConfig& cfg = state.config();
  const std::string params = fmt::format("src={}", src_in_l2 ? "l2" : "l1");
  const int warps_per_sm = kThreads / 32 * kBlocksPerSm;
  constexpr uint32_t chunk = kChunk;
  const size_t smem = size_t(kStages) * chunk;
  auto timed = kern::cp_async_throughput<Op, false>;
  auto full = kern::cp_async_throughput<Op, true>;
  for (auto k : {timed, full}) {
    core::State::check(
        cudaFuncSetAttribute(reinterpret_cast<const void*>(k), cudaFuncAttributePreferredSharedMemoryCarveout,
                             carveout_percent(state.device(), smem, src_in_l2)),
        "shared-memory carveout");
    const std::string no_fit = occupancy_problem(reinterpret_cast<const void*>(k), kThreads, smem, kBlocksPerSm);
    if (!no_fit.empty()) {
      state.skip_point(no_fit, warps_per_sm, 0, params);
      return;
    }
  }
  const int blocks = state.device().sm_count * kBlocksPerSm;
  static_assert(kL2Spacing % chunk == 0, "blocks start on whole chunks");
  const uint32_t block_start = src_in_l2 ? kL2Spacing : 0;
  const uint32_t region = src_in_l2 ? blocks * block_start : chunk;
  const int groups = int(std::max(2.0, (src_in_l2 ? kL2BytesPerSm : kL1BytesPerSm) / kBlocksPerSm / chunk));
  std::vector<uint32_t> words;
  const uint8_t* source = upload_source(state, region, &words);
  touch_in_l2(state, source, region);

  // The complete check, untimed: every group of kVerifyGroups summed as it lands.
  auto* full_sums = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(blocks) * sizeof(uint32_t)));
  full<<<blocks, kThreads, smem, state.stream()>>>(source, region, block_start, kVerifyGroups, full_sums, nullptr);
  core::State::check(cudaGetLastError(), "cp.async check launch");
  std::vector<int> every(kVerifyGroups);
  for (int g = 0; g < kVerifyGroups; ++g) every[g] = g;
  Check check =
      check_block_sums<Op>(download_words(state, "movement.out", blocks), 1, blocks, words, region, block_start, every);
  if (!check.ok) check.detail = "every-group check: " + check.detail;

  const int launches = cfg.warmup + cfg.repetitions;
  auto* sums = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * blocks * sizeof(uint32_t)));
  const auto timings = state.time_launches(launches, blocks, cfg.warmup, [&](int i, unsigned long long* timing) {
    timed<<<blocks, kThreads, smem, state.stream()>>>(source, region, block_start, groups, sums + size_t(i) * blocks,
                                                      timing);
    return cudaGetLastError();
  });
  const Check last = check_block_sums<Op>(download_words(state, "movement.out", size_t(launches) * blocks), launches,
                                          blocks, words, region, block_start, {groups - 2, groups - 1});
  if (!last.ok) check.fail("timed launches' last groups: " + last.note());

  RatePoint p;
  p.bytes_per_launch = double(blocks) * groups * chunk;
  p.warps_per_sm = warps_per_sm;
  p.params = params;
  p.size_bytes = region;
  p.notes.push_back(src_in_l2
                        ? fmt::format("source resident in L2 ({:.1f} MiB; blocks {} KiB apart, L1 at its "
                                      "smallest): bounded in practice by L2 bandwidth",
                                      region / 1048576.0, kL2Spacing / 1024)
                        : fmt::format("source resident in L1 (every block re-reads one {} KiB chunk)", chunk / 1024));
  report_rate(state, p, timings, check);
}

template <class Op>
void run_cp_async(core::State& state) {
  const bool has_l1_path = !Op::cg;  // .cg does not allocate in L1
  if (state.config().latency) {
    if (!state.stop_requested()) run_latency<Op>(state, true);
    if (has_l1_path && !state.stop_requested()) run_latency<Op>(state, false);
  }
  if (state.config().throughput) {
    if (!state.stop_requested()) run_throughput<Op>(state, true);
    if (has_l1_path && !state.stop_requested()) run_throughput<Op>(state, false);
  }
}

template <class Op>
core::Benchmark cp_async_benchmark() {
  return movement_benchmark(fmt::format("cp.async.{}.{}", Op::cg ? "cg" : "ca", Op::bytes), Op::ptx(), 80,
                            reinterpret_cast<const void*>(kern::cp_async_throughput<Op, false>), Op::sass_tag(),
                            Op::sass_opcode(), run_cp_async<Op>);
}

}  // namespace

std::vector<core::Benchmark> cp_async_benchmarks() {
  return {cp_async_benchmark<CpAsync<4, false>>(), cp_async_benchmark<CpAsync<8, false>>(),
          cp_async_benchmark<CpAsync<16, false>>(), cp_async_benchmark<CpAsync<16, true>>()};
}

}  // namespace tcb::movement
