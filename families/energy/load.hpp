// A steady load and its energy: the family's benchmarks describe a kernel launched back to back
// (how many blocks, how much work each launch does, how to start launch i); this runs it through
// the State for ramp + window + tail seconds with NVML sampled meanwhile, places the launches on
// the host clock, and turns the energy of the steady window's parts into rows. docs/energy.md.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include "families/energy/energy_math.hpp"
#include "families/energy/sampler.hpp"
#include "harness/core/state.hpp"

namespace tcb::energy {

// The time constants of every reading (docs/energy.md says why these values).
constexpr double kRampS = 1.0;           // discarded at the start: clocks settle, NVML's 1-s averages fill
constexpr double kTailS = 0.5;           // discarded at the end: NVML's reporting delay, the timeline's placement
constexpr double kPartS = 1.0;           // the steady window is cut into parts of about this (the rows' samples)
constexpr double kTargetLaunchS = 0.02;  // each launch about this long: short enough for the watchdog
constexpr double kIdleSettleS = 1.0, kIdleWindowS = 2.0;
constexpr double kPowerBoundFactor = 1.1;  // board power above its limit x this is not plausible
constexpr double kSteadyTolerance = 0.03;  // first and last part's power differing more: noted
constexpr double kMaxBracketWaitS = 2.0;   // the longest wait for an NVML reading past a window

// How many parts a steady window of `window_s` is cut into (at least one).
int parts_for(double window_s);

// What this run measured of energy so far (run.json's energy method, the rows' idle baseline).
struct RunRecord {
  Source source = Source::none;
  double window_s = 0;                   // the steady window of the last load
  bool idle_measured = false;
  double idle_w = 0;                     // the idle baseline every other row subtracts
  std::string idle_how;                  // "idle benchmark" or "measured before <benchmark>"
  std::vector<double> counter_intervals_s;  // the counter's observed update interval, per load
  double power_sample_period_ms = 0;     // the driver's power sampling period, when NVML tells it
  int loads = 0;
};
RunRecord& run_record();

// The idle board: power over kIdleWindowS after kIdleSettleS with nothing of ours running.
struct IdleResult {
  std::vector<double> part_watts;
  double watts = 0;        // the whole window's energy / its duration: the baseline
  std::string problem;     // why no idle figure ("" when there is one)
};
IdleResult measure_idle(core::State& st);
// The run's idle baseline (W), measured now (with a note saying so) when the run has none yet:
// ask before a load, so that the board is still as idle as the idle benchmark found it.
// NaN, with the reason in *notes, when it cannot be measured.
double idle_baseline(core::State& st, std::vector<std::string>* notes);

using LaunchFn = std::function<cudaError_t(int i, unsigned long long* timing)>;

struct LoadResult {
  Source source = Source::none;
  std::vector<core::LaunchTiming> timings;  // one per launch, in order
  std::vector<WindowPart> parts;            // the steady window's parts (launch indices, host times)
  std::vector<double> joules;               // board energy of each part
  double slack_s = 0;                       // placement slack of the timeline (energy_math.hpp)
  double counter_interval_s = 0;            // the counter's observed update interval (0: power source)
  uint64_t reasons = 0;                     // clock-lowering reasons NVML reported during the load
  std::string problem;                      // why the load gave no energy figure ("" when it did)
};
// Runs `launches` launches of `blocks` blocks back to back with NVML sampled meanwhile.
LoadResult run_load(core::State& st, int launches, int blocks, const LaunchFn& launch);

// What the energy of a load is divided by: its metrics (analysis/results_schema.json) and unit.
struct WorkUnit {
  const char* total;  // energy per unit, idle included
  const char* above;  // energy per unit above the idle power
  const char* unit;
  const char* noun;   // in messages: "FMA", "B"
};
constexpr WorkUnit kPerFma{"pj_per_fma", "pj_per_fma_above_idle", "pJ/FMA", "FMA"};
constexpr WorkUnit kPerByte{"pj_per_byte", "pj_per_byte_above_idle", "pJ/B", "B"};

// The energy rows of a load: power_w and the two energies per unit of work, one sample per part.
// work_per_launch: FMA or bytes of each launch. `shared` holds what the rows share: warps, ILP,
// size, params, the family's verification and notes. idle_w: idle_baseline(), asked before the load.
void report_energy(core::State& st, const LoadResult& load, const std::vector<double>& work_per_launch,
                   const WorkUnit& per, core::Figure shared, double idle_w);

// The median of each part's launch values (e.g. the in-kernel SM clock), in part order.
std::vector<double> part_medians(const LoadResult& load, const std::function<double(const core::LaunchTiming&)>& value);
// One sample per part: value[j] at the part's median in-kernel clock, suspect when CUPTI
// disagreed with the in-kernel timing of one of its launches (the window is placed by it).
std::vector<core::Sample> part_samples(const LoadResult& load, const std::vector<double>& values);

}  // namespace tcb::energy
