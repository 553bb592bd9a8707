// Host-side helpers of the off-chip benchmarks of the movement family (docs/movement.md,
// "Off-chip paths"): paired samples, the bandwidth ceilings, and the list of each part. What both
// halves of the family share (the chain-length pairs, latency rows, checks, the random cycle, the
// row template) is in common.cuh and on_chip.hpp.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/core/benchmark.hpp"
#include "harness/core/state.hpp"

namespace tcb::movement::offchip {

constexpr long long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

// Each part's benchmarks, in the order they run.
std::vector<core::Benchmark> chase_benchmarks();       // global_chase.cpp
std::vector<core::Benchmark> bandwidth_benchmarks();   // global_bandwidth.cpp
std::vector<core::Benchmark> bulk_copy_benchmarks();   // bulk_copy.cpp
std::vector<core::Benchmark> launch_benchmarks();      // launch_overhead.cpp

// "16KiB", "1MiB", "2GiB", "20MiB" (exact multiples only; else bytes).
std::string size_text(long long bytes);

// "" on sm_90+ with sm_90 code for `kernel` in this build (kernel_support_problem, and the code
// must not come from the JIT of an older architecture's PTX, which lacks the bulk copy), else
// why the bulk copy engine cannot be measured.
std::string needs_sm90(const DeviceInfo& dev, const std::string& ptx, const void* kernel);

// Samples from paired launches (timings as time_launches returns them for common.cuh's
// chain_launches schedule: warm-up dropped, then shorter, longer, shorter, longer, ...):
// value(shorter, longer), at the clock of the longer launch, throttled if either was.
std::vector<core::Sample> paired_samples(
    const std::vector<core::LaunchTiming>& timings,
    const std::function<double(const core::LaunchTiming& shorter, const core::LaunchTiming& longer)>& value);

// The highest SM clock the device may run at (MHz): the CUDA and NVML maxima and every clock
// measured in `samples`.
double max_sm_clock_mhz(const DeviceInfo& dev, const std::vector<core::Sample>& samples);

// The ceiling of a bandwidth served by the L2 to the SMs (GB/s): every SM's L1/shared-memory data
// path moves at most 128 B per clock, so sm_count x 128 B x the highest clock; `directions` = 2
// for a copy counting its reads and writes.
double l2_ceiling_gbs(const DeviceInfo& dev, const std::vector<core::Sample>& samples, int directions);

// The DRAM bound: the larger of the datasheet figure and the memory clock x bus width figure.
struct DramBound {
  double gbs = 0;          // 0: neither is known
  double datasheet_gbs = 0, theoretical_gbs = 0;
  std::string source;      // what the bound is, for the row's bound_source
};
DramBound dram_bound(const DeviceInfo& dev);

// A device buffer kept for the sweep, grown to at least `bytes`.
DeviceBuffer& sized_buffer(core::State& state, const std::string& name, size_t bytes);

}  // namespace tcb::movement::offchip
