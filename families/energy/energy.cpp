// The energy family: the idle baseline first, then the representative instructions, then the
// movement paths; registered here (the one line that makes it a family), with the method that
// run.json records.
#include "families/energy/energy.hpp"

#include <fmt/format.h>

#include "families/energy/family.hpp"
#include "families/energy/load.hpp"
#include "harness/core/stats.hpp"

namespace tcb::energy {
namespace {

void run_idle(core::State& st) {
  const IdleResult r = measure_idle(st);
  if (r.problem.empty()) run_record().idle_how = "idle benchmark";
  core::Figure f;
  f.metric = "idle_power_w";
  f.unit = "W";
  for (double w : r.part_watts) f.samples.push_back({w, 0, false});
  f.keep_throttled = true;  // no kernel runs: there is no clock to judge
  const double limit = st.device().power_limit_w;
  f.bound = limit > 0 ? kPowerBoundFactor * limit : 0;
  f.bound_source = fmt::format("board power limit {:.0f} W (NVML) x {:g}", limit, kPowerBoundFactor);
  f.bound_unknown_is_a_note = true;
  f.verified = r.problem.empty();
  if (!r.problem.empty()) f.notes.push_back(r.problem);
  f.params = fmt::format("source={};settle_s={:g};window_s={:g};parts={};poll_ms={:g};baseline_w={:.2f}",
                         source_name(run_record().source), kIdleSettleS, kIdleWindowS, r.part_watts.size(),
                         kPollPeriodS * 1e3, r.watts);
  const ResultRow row = st.report(std::move(f));
  st.say(fmt::format("idle {:.1f} W{}", row.stats.median, row.valid ? "" : " (INVALID: " + row.note + ")"));
}

}  // namespace

core::Benchmark idle_benchmark() {
  core::Benchmark c;
  c.row.family = "energy";
  c.row.atom = "idle";
  c.table = "energy";
  c.selection_tag = "energy/idle";
  c.unsupported = [](const DeviceInfo&) { return unavailable_reason(); };
  c.run = &run_idle;
  return c;
}

std::vector<core::Benchmark> all_benchmarks() {
  std::vector<core::Benchmark> out{idle_benchmark()};  // first: every other row subtracts it
  for (auto& b : instruction_benchmarks()) out.push_back(std::move(b));
  for (auto& b : path_benchmarks()) out.push_back(std::move(b));
  // After each benchmark, run.json's "energy" entry says how its readings were taken so far.
  for (auto& b : out)
    b.run = [run = b.run](core::State& st) {
      run(st);
      st.set_run_info("energy", energy_method_json());
    };
  return out;
}

nlohmann::json energy_method_json() {
  const RunRecord& r = run_record();
  nlohmann::json j = {
      {"source", source_name(r.source)},
      {"loads", r.loads},
      {"poll_period_ms", kPollPeriodS * 1e3},
      {"ramp_discarded_s", kRampS},
      {"steady_window_s", r.window_s},
      {"tail_discarded_s", kTailS},
      {"part_s", kPartS},
      {"target_launch_s", kTargetLaunchS},
      {"idle",
       {{"measured", r.idle_measured},
        {"power_w", r.idle_w},
        {"how", r.idle_how},
        {"settle_s", kIdleSettleS},
        {"window_s", kIdleWindowS}}},
      {"energy", "board energy over each part of the steady window (total-energy counter: linear between its update "
                 "instants; power samples: trapezoid rule), the part's span on the host clock placed from the "
                 "launches' %globaltimer spans"},
      {"per_operation", "energy of a part / the FMA (or bytes) of the launches in it; sparse instructions count "
                        "dense-equivalent FMA (the zeros of the 2:4 pattern included)"},
      {"above_idle", "(energy - idle power x part duration) / work"},
      {"covers", "what NVML's board reading covers: the whole board (GPU, HBM, voltage regulators), not the chip alone"},
  };
  if (r.source == Source::none) {
    const std::string why = unavailable_reason();
    j["unavailable_reason"] = why.empty() ? "no energy benchmark ran" : why;
  }
  if (!r.counter_intervals_s.empty())
    j["counter_update_interval_ms"] = summarize(r.counter_intervals_s).median * 1e3;
  if (r.power_sample_period_ms > 0) j["nvml_power_sample_period_ms"] = r.power_sample_period_ms;
  return j;
}

}  // namespace tcb::energy

// Its own sweep (configs/energy.yaml): a reading needs seconds of steady load per point.
TCB_REGISTER_OWN_SWEEP_FAMILY(energy, "energy", &tcb::energy::all_benchmarks);
