// What the data-movement benchmarks share (both halves, on-chip and off-chip): the data every
// kernel reads (a hash of the word index, so a load from the wrong word changes every checksum),
// the block checksum the kernels write and the host recomputes, the two-chain-length latency
// method, the per-SM rate from the launches' per-SM spans, and the support checks.
// Definitions of the host helpers: common.cu.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/core/state.hpp"
#include "harness/core/timing.cuh"

#include "harness/core/check.hpp"
#include "harness/device/kernel_support.hpp"

namespace tcb::movement {

// Shared memory has 32 banks of 4 bytes, each serving one word per SM clock (sm_70 and later):
// no path that starts or ends in one SM's shared memory moves more than 128 B per clock per SM.
constexpr double kSharedBytesPerClkSm = 128;
constexpr const char* kSharedBoundSource = "shared memory: 32 banks x 4 B per SM clock (sm_70+)";

// The value of 32-bit word i of a benchmark's data (murmur3's finaliser of i + salt): distinct
// words, so a load from the wrong place changes the checksums.
__host__ __device__ inline uint32_t word_value(uint32_t i, uint32_t salt = 0) {
  uint32_t x = i + salt * 0x9e3779b9u;
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

// The weight of thread t's value in a block checksum: odd, so no thread's value can vanish, and
// different per thread, so values exchanged between threads change the sum.
__host__ __device__ constexpr uint32_t thread_weight(uint32_t t) { return 2u * t + 1u; }

#ifdef __CUDACC__
namespace kern {

using ::tcb::kern::BlockTimer;

__device__ __forceinline__ uint32_t shared_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Adds sum over the block's threads of v * thread_weight(threadIdx.x) to *out (mod 2^32). Every
// thread of the block calls it; *out must start at 0 (the host clears it before the launches).
__device__ __forceinline__ void add_block_checksum(uint32_t v, uint32_t* out) {
  v *= thread_weight(threadIdx.x);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, v);
}

}  // namespace kern
#endif

// ---- host side ------------------------------------------------------------------------------

// The outcome of a family's check of a launch's output: the first problem, and how many.
using core::Check;  // harness/core/check.hpp

// The two chain lengths of a latency measurement: the configured latency steps rounded up to
// whole unrolled blocks (`unroll` steps each), the longer at least one block longer. Their
// difference cancels what does not scale with the chain: launch, timer reads, set-up, the tail.
struct ChainPair {
  long shorter = 0, longer = 0;
};
ChainPair chain_pair(const SweepConfig& config, int unroll);
// The launches of a latency point: `warmup` of the longer chain, then (shorter, longer) per repetition.
int chain_launches(const SweepConfig& config);
long chain_steps(const SweepConfig& config, const ChainPair& pair, int launch);

// Latency samples in cycles per step from the timings of chain_launches (warm-up dropped): the
// difference of each repetition's two launches over the difference of their lengths.
std::vector<core::Sample> latency_cycle_samples(const std::vector<core::LaunchTiming>& timings, const ChainPair& pair);
// The same samples in ns, each at the SM clock measured in its longer launch.
std::vector<core::Sample> in_ns(const std::vector<core::Sample>& cycle_samples);

// Reports latency_cycles and latency_ns of one chain (one thread or one warp on one SM).
// A median under one cycle cannot be a dependent access: reported as not verified.
void report_latency(core::State& state, const ChainPair& pair, const std::vector<core::LaunchTiming>& timings,
                    const Check& check, const std::string& params, long long size_bytes = 0,
                    const std::vector<std::string>& notes = {});

// What a throughput point moved and how: bytes over all blocks of one launch, its geometry.
struct RatePoint {
  double bytes_per_launch = 0;
  int warps_per_sm = 0;
  std::string params;
  long long size_bytes = 0;
  double bound = kSharedBytesPerClkSm;
  std::string bound_source = kSharedBoundSource;
  std::vector<std::string> notes;
};
// Reports bytes_per_clk_sm: bytes over the sum of the SMs' spans (each SM's latest block end minus
// its earliest block start, in its own clock), with notes when the blocks were not spread evenly
// over every SM.
void report_rate(core::State& state, const RatePoint& point, const std::vector<core::LaunchTiming>& timings,
                 const Check& check);

// "" when the device and this build can run code that needs sm_<min_sm>, else why not (the
// skipped row's note): the device's architecture first, then whether `kernel` has code for it.
std::function<std::string(const DeviceInfo&)> needs_sm(int min_sm, const std::string& ptx, const void* kernel);

// "" when `blocks_per_sm` blocks of `threads` threads and `smem_bytes` dynamic shared memory fit on
// one SM together, else why not. Raises the kernel's dynamic shared-memory limit when needed.
std::string occupancy_problem(const void* kernel, int threads, size_t smem_bytes, int blocks_per_sm);

// Copies host data into a sweep-long device buffer on the state's stream (ordered before the
// launches that follow on it) and returns its device pointer.
void* upload(core::State& state, const std::string& buffer, const void* data, size_t bytes);
template <class T>
T* upload(core::State& state, const std::string& buffer, const std::vector<T>& v) {
  return static_cast<T*>(upload(state, buffer, v.data(), v.size() * sizeof(T)));
}
// A zeroed device buffer of `bytes` (cleared on the state's stream).
void* zeroed(core::State& state, const std::string& buffer, size_t bytes);
// Downloads `count` values of a device buffer (after the launches writing it have finished).
std::vector<uint32_t> download_words(core::State& state, const std::string& buffer, size_t count);

// A random single cycle over 0..n-1 (Sattolo's algorithm): next[i] is the element after i, and
// following next from any start visits every element before coming back.
std::vector<uint32_t> random_cycle(uint32_t n, uint64_t seed);
// Where a walk of `steps` along `next` from `start` ends.
uint32_t walk(const std::vector<uint32_t>& next, uint32_t start, long steps);

}  // namespace tcb::movement
