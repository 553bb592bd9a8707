// The off-chip half of the movement family: its benchmark list and the helpers of off_chip.hpp.
#include "families/movement/off_chip.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "families/movement/common.cuh"
#include "families/movement/movement.hpp"
#include "harness/device/peaks.hpp"

namespace tcb::movement {

std::vector<core::Benchmark> off_chip_benchmarks() {
  std::vector<core::Benchmark> out;
  for (auto part : {&offchip::chase_benchmarks, &offchip::bandwidth_benchmarks, &offchip::bulk_copy_benchmarks,
                    &offchip::launch_benchmarks})
    for (auto& b : part()) out.push_back(std::move(b));
  return out;
}

}  // namespace tcb::movement

namespace tcb::movement::offchip {

std::string size_text(long long bytes) {
  if (bytes > 0 && bytes % GiB == 0) return fmt::format("{}GiB", bytes / GiB);
  if (bytes > 0 && bytes % MiB == 0) return fmt::format("{}MiB", bytes / MiB);
  if (bytes > 0 && bytes % KiB == 0) return fmt::format("{}KiB", bytes / KiB);
  return fmt::format("{}B", bytes);
}

std::string needs_sm90(const DeviceInfo& dev, const std::string& ptx, const void* kernel) {
  const std::string problem = kernel_support_problem(dev, 90, ptx, kernel);
  if (!problem.empty()) return problem;
  cudaFuncAttributes fa{};
  if (cudaFuncGetAttributes(&fa, kernel) != cudaSuccess) {  // kernel_support_problem succeeded: not expected
    return fmt::format("cannot read the kernel's attributes: {}", cudaGetErrorString(cudaGetLastError()));
  }
  if (fa.ptxVersion < 90)
    return fmt::format("this build runs {} from compute_{} PTX through the JIT, which has no bulk copy (built for {})",
                       ptx, fa.ptxVersion, TCB_BUILT_ARCHS);
  return "";
}

std::vector<core::Sample> paired_samples(
    const std::vector<core::LaunchTiming>& timings,
    const std::function<double(const core::LaunchTiming&, const core::LaunchTiming&)>& value) {
  std::vector<core::Sample> out;
  for (size_t i = 0; i + 1 < timings.size(); i += 2) {
    const core::LaunchTiming &s = timings[i], &l = timings[i + 1];
    out.push_back({value(s, l), l.sm_clock_mhz, s.throttled || l.throttled});
  }
  return out;
}

double max_sm_clock_mhz(const DeviceInfo& dev, const std::vector<core::Sample>& samples) {
  double mhz = std::max(dev.clock_khz / 1e3, double(dev.nvml_max_sm_mhz));
  for (const auto& s : samples) mhz = std::max(mhz, s.sm_clock_mhz);
  return mhz;
}

double l2_ceiling_gbs(const DeviceInfo& dev, const std::vector<core::Sample>& samples, int directions) {
  return directions * dev.sm_count * 128.0 * max_sm_clock_mhz(dev, samples) * 1e6 / 1e9;
}

DramBound dram_bound(const DeviceInfo& dev) {
  DramBound b;
  b.datasheet_gbs = datasheet_dram_gbs(dev.name);
  b.theoretical_gbs = theoretical_dram_gbs(dev.mem_clock_khz, dev.mem_bus_width_bits);
  b.gbs = std::max(b.datasheet_gbs, b.theoretical_gbs);
  b.source = fmt::format("DRAM: the larger of the datasheet ({}) and memory clock x bus width ({})",
                         b.datasheet_gbs > 0 ? fmt::format("{:.0f} GB/s", b.datasheet_gbs) : "model not in the table",
                         b.theoretical_gbs > 0 ? fmt::format("{:.0f} GB/s", b.theoretical_gbs) : "not reported");
  return b;
}

DeviceBuffer& sized_buffer(core::State& state, const std::string& name, size_t bytes) {
  DeviceBuffer& b = state.buffer(name);
  b.reserve(bytes);
  return b;
}

}  // namespace tcb::movement::offchip
