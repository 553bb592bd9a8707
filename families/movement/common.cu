// The host helpers of common.cuh.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "families/movement/common.cuh"
#include "harness/core/stats.hpp"

namespace tcb::movement {

ChainPair chain_pair(const SweepConfig& config, int unroll) {
  auto whole_blocks = [unroll](long steps) { return std::max<long>(1, (steps + unroll - 1) / unroll) * unroll; };
  const auto [lo, hi] = std::minmax(config.latency_steps.front(), config.latency_steps.back());
  ChainPair p;
  p.shorter = whole_blocks(lo);
  p.longer = std::max(whole_blocks(hi), p.shorter + unroll);
  return p;
}

int chain_launches(const SweepConfig& config) { return config.warmup + 2 * config.repetitions; }

long chain_steps(const SweepConfig& config, const ChainPair& pair, int launch) {
  if (launch < config.warmup) return pair.longer;
  return (launch - config.warmup) % 2 == 0 ? pair.shorter : pair.longer;
}

std::vector<core::Sample> latency_cycle_samples(const std::vector<core::LaunchTiming>& timings, const ChainPair& pair) {
  std::vector<core::Sample> out;
  const double steps = double(pair.longer - pair.shorter);
  for (size_t r = 0; r + 1 < timings.size(); r += 2) {
    const core::LaunchTiming& shorter = timings[r];
    const core::LaunchTiming& longer = timings[r + 1];
    out.push_back(
        {(longer.cycles - shorter.cycles) / steps, longer.sm_clock_mhz, shorter.throttled || longer.throttled});
  }
  return out;
}

std::vector<core::Sample> in_ns(const std::vector<core::Sample>& cycle_samples) {
  std::vector<core::Sample> out = cycle_samples;
  for (auto& s : out) s.value = s.sm_clock_mhz > 0 ? s.value / s.sm_clock_mhz * 1e3 : std::nan("");
  return out;
}

void report_latency(core::State& state, const ChainPair& pair, const std::vector<core::LaunchTiming>& timings,
                    const Check& check, const std::string& params, long long size_bytes,
                    const std::vector<std::string>& notes) {
  core::Figure f;
  f.metric = "latency_cycles";
  f.unit = "cycles";
  f.warps_per_sm = 1;
  f.ilp = 1;
  f.size_bytes = size_bytes;
  f.params = params;
  f.samples = latency_cycle_samples(timings, pair);
  f.verified = check.ok;
  f.notes = notes;
  if (!check.ok) f.notes.push_back("output check failed: " + check.note());
  std::vector<double> values;
  for (const auto& s : f.samples) values.push_back(s.value);
  const double median = summarize(values).median;
  if (!values.empty() && median < 1) {
    f.verified = false;
    f.notes.push_back(fmt::format("{:.3g} cycles per step is under one cycle: the chain did not run as built", median));
  }
  const std::vector<core::Sample> cycles = f.samples;
  state.report(f);
  f.metric = "latency_ns";
  f.unit = "ns";
  f.samples = in_ns(cycles);
  f.notes.push_back("ns from the cycles at the SM clock measured in the same launches");
  state.report(f);
}

void report_rate(core::State& state, const RatePoint& point, const std::vector<core::LaunchTiming>& timings,
                 const Check& check) {
  core::Figure f;
  f.metric = "bytes_per_clk_sm";
  f.unit = "B/clk/SM";
  f.warps_per_sm = point.warps_per_sm;
  f.size_bytes = point.size_bytes;
  f.params = point.params;
  f.bound = point.bound;
  f.bound_source = point.bound_source;
  f.bound_unknown_is_a_note = true;
  f.verified = check.ok;
  f.notes = point.notes;
  if (!check.ok) f.notes.push_back("output check failed: " + check.note());
  f.samples = core::samples_of(timings, [&](const core::LaunchTiming& t) {
    return t.sm_span_cycles > 0 ? point.bytes_per_launch / t.sm_span_cycles : std::nan("");
  });
  int uneven = 0, fewest_sms = state.device().sm_count;
  for (const auto& t : timings) {
    if (!t.even_placement) ++uneven;
    fewest_sms = std::min(fewest_sms, t.sms);
  }
  if (uneven)
    f.notes.push_back(
        fmt::format("blocks not spread evenly over the SMs in {} of {} launches", uneven, timings.size()));
  if (fewest_sms < state.device().sm_count)
    f.notes.push_back(
        fmt::format("{} of {} SMs ran blocks (rate per SM that ran)", fewest_sms, state.device().sm_count));
  state.report(f);
}

std::function<std::string(const DeviceInfo&)> needs_sm(int min_sm, const std::string& ptx, const void* kernel) {
  return [=](const DeviceInfo& d) { return kernel_support_problem(d, min_sm, ptx, kernel); };
}

std::string occupancy_problem(const void* kernel, int threads, size_t smem_bytes, int blocks_per_sm) {
  if (smem_bytes > 48 * 1024) {
    const cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem_bytes));
    if (e != cudaSuccess) {
      cudaGetLastError();
      return fmt::format("{} B of shared memory per block refused: {}", smem_bytes, cudaGetErrorString(e));
    }
  }
  int resident = 0;
  const cudaError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, kernel, threads, smem_bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return fmt::format("occupancy query failed: {}", cudaGetErrorString(e));
  }
  if (resident >= blocks_per_sm) return "";
  return fmt::format("{} blocks of {} threads and {} B shared memory do not fit on one SM (only {})", blocks_per_sm,
                     threads, smem_bytes, resident);
}

void* upload(core::State& state, const std::string& buffer, const void* data, size_t bytes) {
  DeviceBuffer& b = state.buffer(buffer);
  b.reserve(bytes);
  core::State::check(cudaMemcpyAsync(b.get(), data, bytes, cudaMemcpyHostToDevice, state.stream()), "upload");
  return b.get();
}

void* zeroed(core::State& state, const std::string& buffer, size_t bytes) {
  DeviceBuffer& b = state.buffer(buffer);
  b.reserve(bytes);
  core::State::check(cudaMemsetAsync(b.get(), 0, bytes, state.stream()), "clear");
  return b.get();
}

std::vector<uint32_t> download_words(core::State& state, const std::string& buffer, size_t count) {
  std::vector<uint32_t> host(count);
  core::State::check(cudaMemcpyAsync(host.data(), state.buffer(buffer).get(), count * sizeof(uint32_t),
                                     cudaMemcpyDeviceToHost, state.stream()),
                     "download");
  state.wait("download");
  return host;
}

std::vector<uint32_t> random_cycle(uint32_t n, uint64_t seed) {
  std::vector<uint32_t> next(n);
  for (uint32_t i = 0; i < n; ++i) next[i] = i;
  std::mt19937_64 rng(seed);
  for (uint32_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<uint32_t> pick(0, i - 1);
    std::swap(next[i], next[pick(rng)]);
  }
  return next;
}

uint32_t walk(const std::vector<uint32_t>& next, uint32_t start, long steps) {
  for (long s = 0; s < steps; ++s) start = next[start];
  return start;
}

}  // namespace tcb::movement
