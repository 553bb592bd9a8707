#include "families/energy/load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "harness/core/stats.hpp"
#include "harness/core/timing.cuh"
#include "harness/device/nvml.hpp"

namespace tcb::energy {
namespace {

using core::Figure;
using core::LaunchTiming;
using core::State;

double median(std::vector<double> v) { return v.empty() ? 0 : summarize(std::move(v)).median; }

// Each launch's span on the GPU clock, from its blocks' timing records (harness/core/timing.cuh)
// as the State left them: the earliest start and latest end of %globaltimer over its blocks.
std::vector<GpuSpan> gpu_spans(const std::vector<unsigned long long*>& records, int blocks) {
  const size_t words = size_t(blocks) * kTimingWords;
  bool contiguous = true;  // as the State lays them out today: one download then
  for (size_t i = 0; i < records.size(); ++i) contiguous = contiguous && records[i] == records.front() + i * words;
  std::vector<unsigned long long> host(records.size() * words);
  if (contiguous) {
    State::check(cudaMemcpy(host.data(), records.front(), host.size() * sizeof(unsigned long long),
                            cudaMemcpyDeviceToHost), "timing records download");
  } else {
    for (size_t i = 0; i < records.size(); ++i)
      State::check(cudaMemcpy(&host[i * words], records[i], words * sizeof(unsigned long long), cudaMemcpyDeviceToHost),
                   "timing records download");
  }
  // Relative to the first block's start, in integers first: %globaltimer counts ns since an
  // epoch, too many for a double to keep every ns.
  const unsigned long long base = host.empty() ? 0 : host[2];
  auto rel = [base](unsigned long long t) { return double(static_cast<long long>(t - base)); };
  std::vector<GpuSpan> spans(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    double lo = INFINITY, hi = -INFINITY;
    for (int b = 0; b < blocks; ++b) {
      const unsigned long long* r = &host[i * words + size_t(b) * kTimingWords];
      lo = std::min(lo, rel(r[2]));
      hi = std::max(hi, rel(r[3]));
    }
    spans[i] = {lo, hi};
  }
  return spans;
}

// The idle window's readings: nothing of ours runs while the sampler polls.
IdleResult read_idle(State& st, Source source) {
  IdleResult r;
  st.wait("idle: earlier work");
  Sampler sampler(source);
  const double begin = now_s() + kIdleSettleS, end = begin + kIdleWindowS;
  // Sampled on past the window's end, until NVML's readings bracket it.
  std::this_thread::sleep_for(std::chrono::duration<double>(end + kTailS - now_s()));
  const auto& readings = sampler.stop_after(end, kMaxBracketWaitS);
  const int parts = parts_for(kIdleWindowS);
  const double step = (end - begin) / parts;
  for (int p = 0; p < parts; ++p) {
    const double j = joules_between(source, readings, begin + p * step, begin + (p + 1) * step);
    r.part_watts.push_back(j / step);
  }
  r.watts = joules_between(source, readings, begin, end) / (end - begin);
  if (!std::isfinite(r.watts) || r.watts <= 0)
    r.problem = fmt::format("the idle reading gave {:.4g} W ({} readings, {} failed): no baseline", r.watts,
                            readings.size(), sampler.failed_reads());
  if (source == Source::counter) run_record().counter_intervals_s.push_back(median_interval_s(counter_updates(readings)));
  return r;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// What every energy row says of how it was read (the point's sampling axes).
std::string sampling_params(const LoadResult& load, double idle_w) {
  const RunRecord& rec = run_record();
  std::string p = fmt::format("source={};ramp_s={:g};window_s={:g};tail_s={:g};parts={};poll_ms={:g};idle_w={:.1f}",
                              source_name(load.source), kRampS, rec.window_s, kTailS, load.parts.size(),
                              kPollPeriodS * 1e3, idle_w);
  if (load.source == Source::counter) p += fmt::format(";counter_update_ms={:.1f}", load.counter_interval_s * 1e3);
  return p;
}

// Remarks on the load's steadiness and clocks (not verdicts).
std::vector<std::string> load_notes(const LoadResult& load, const std::vector<double>& part_watts) {
  std::vector<std::string> notes;
  if (load.counter_interval_s > 0.5 * kTailS)
    notes.push_back(fmt::format("the energy counter updated only every {:.0f} ms: the last part's energy is "
                                "interpolated across an update that may reach past the load",
                                load.counter_interval_s * 1e3));
  if (load.reasons)
    notes.push_back(fmt::format("NVML reported clock-lowering reasons during the load ({}): the figures are at the "
                                "clock shown",
                                Nvml::describe_reasons(load.reasons)));
  if (part_watts.size() >= 2) {
    const double first = part_watts.front(), last = part_watts.back();
    if (first > 0 && std::fabs(last - first) / first > kSteadyTolerance)
      notes.push_back(fmt::format("power not steady over the window: {:.1f} W in the first part, {:.1f} W in the last",
                                  first, last));
  }
  return notes;
}

}  // namespace

int parts_for(double window_s) { return std::max(1, int(window_s / kPartS + 1e-9)); }

RunRecord& run_record() {
  static RunRecord r;
  return r;
}

IdleResult measure_idle(State& st) {
  const Source source = detect_source();
  if (source == Source::none) {
    IdleResult r;
    r.problem = unavailable_reason();
    return r;
  }
  IdleResult r = read_idle(st, source);
  RunRecord& rec = run_record();
  rec.source = source;
  rec.window_s = st.config().energy_window_s;
  if (r.problem.empty()) {
    rec.idle_measured = true;
    rec.idle_w = r.watts;
  }
  double period = 0;
  if (Nvml::instance().power_sample_period_ms(&period)) rec.power_sample_period_ms = period;
  return r;
}

double idle_baseline(State& st, std::vector<std::string>* notes) {
  RunRecord& rec = run_record();
  if (rec.idle_measured) return rec.idle_w;
  st.say("measuring the idle baseline first (the idle benchmark was not run before this one)");
  const IdleResult r = measure_idle(st);
  if (!r.problem.empty()) {
    notes->push_back(r.problem);
    return NAN;
  }
  rec.idle_how = "measured before " + st.benchmark().name();
  notes->push_back(fmt::format("idle baseline measured just before this point ({:.1f} W): the idle benchmark was not "
                               "selected",
                               r.watts));
  return r.watts;
}

LoadResult run_load(State& st, int launches, int blocks, const LaunchFn& launch) {
  LoadResult r;
  r.source = detect_source();
  if (r.source == Source::none) {
    r.problem = unavailable_reason();
    return r;
  }
  RunRecord& rec = run_record();
  rec.source = r.source;
  rec.window_s = st.config().energy_window_s;
  ++rec.loads;
  std::vector<unsigned long long*> records(size_t(launches), nullptr);
  Sampler sampler(r.source);
  const double call_s = now_s();
  r.timings = st.time_launches(launches, blocks, 0, [&](int i, unsigned long long* timing) {
    records[size_t(i)] = timing;
    return launch(i, timing);
  });
  const double return_s = now_s();
  const std::vector<GpuSpan> gpu = gpu_spans(records, blocks);
  r.slack_s = placement_slack_s(gpu, call_s, return_s);
  r.parts = steady_parts(host_timeline(gpu, call_s, return_s), kRampS, kTailS, parts_for(rec.window_s));
  // The tail has usually brought a reading past the window already; if not, wait for one.
  const std::vector<TimedValue> readings =
      sampler.stop_after(r.parts.empty() ? return_s : r.parts.back().end_s, kMaxBracketWaitS);
  r.reasons = sampler.reasons();
  if (r.source == Source::counter) {
    r.counter_interval_s = median_interval_s(counter_updates(readings));
    rec.counter_intervals_s.push_back(r.counter_interval_s);
  }
  if (r.parts.empty()) {
    r.problem = fmt::format("no launch lies {:g} s after the load's start and {:g} s before its end ({} launches over "
                            "{:.2f} s): no steady window",
                            kRampS, kTailS, launches, (gpu.back().end_ns - gpu.front().start_ns) * 1e-9);
    return r;
  }
  // The placement may be off by half the slack: beyond the ramp or tail, a part could reach
  // outside the load.
  if (!(0.5 * r.slack_s < std::min(kRampS, kTailS)))
    r.problem = fmt::format("the launches' placement on the host clock is uncertain by {:.3f} s, more than the {:g} s "
                            "discarded at either end",
                            0.5 * r.slack_s, std::min(kRampS, kTailS));
  for (const WindowPart& p : r.parts) r.joules.push_back(joules_between(r.source, readings, p.start_s, p.end_s));
  return r;
}

std::vector<double> part_medians(const LoadResult& load, const std::function<double(const LaunchTiming&)>& value) {
  std::vector<double> out;
  for (const WindowPart& p : load.parts) {
    std::vector<double> v;
    for (int i = p.first; i <= p.last; ++i) v.push_back(value(load.timings[size_t(i)]));
    out.push_back(median(v));
  }
  return out;
}

std::vector<core::Sample> part_samples(const LoadResult& load, const std::vector<double>& values) {
  const std::vector<double> clocks = part_medians(load, [](const LaunchTiming& t) { return t.sm_clock_mhz; });
  std::vector<core::Sample> out;
  for (size_t j = 0; j < values.size() && j < load.parts.size(); ++j) {
    core::Sample s{values[j], clocks[j], load.reasons != 0, false};
    for (int i = load.parts[j].first; i <= load.parts[j].last; ++i)
      s.timing_suspect = s.timing_suspect || load.timings[size_t(i)].timing_suspect;
    out.push_back(s);
  }
  return out;
}

void report_energy(State& st, const LoadResult& load, const std::vector<double>& work_per_launch,
                   const WorkUnit& per, Figure shared, double idle_w) {
  if (!load.problem.empty()) {
    shared.verified = false;
    shared.notes.push_back(load.problem);
  }
  shared.params += (shared.params.empty() ? "" : ";") + sampling_params(load, idle_w);
  shared.keep_throttled = true;  // a power-capped clock is part of what is measured: noted, not dropped

  std::vector<double> watts, total, above, rates;
  for (size_t j = 0; j < load.parts.size() && j < load.joules.size(); ++j) {
    const WindowPart& p = load.parts[j];
    double work = 0;
    for (int i = p.first; i <= p.last; ++i) work += work_per_launch[size_t(i)];
    const double joules = load.joules[j], seconds = p.seconds();
    watts.push_back(joules / seconds);
    total.push_back(picojoules_per(joules, work));
    above.push_back(picojoules_per(above_idle_joules(joules, idle_w, seconds), work));
    rates.push_back(work / seconds);
  }
  const std::vector<std::string> remarks = load_notes(load, watts);
  shared.notes.insert(shared.notes.end(), remarks.begin(), remarks.end());

  auto figure = [&](const std::string& metric, const std::string& unit, const std::vector<double>& values) {
    Figure f = shared;
    f.metric = metric;
    f.unit = unit;
    f.samples = part_samples(load, values);
    return f;
  };
  const double limit = st.device().power_limit_w;
  const double power_bound = limit > 0 ? kPowerBoundFactor * limit : 0;
  const std::string bound_source = fmt::format("board power limit {:.0f} W (NVML) x {:g}", limit, kPowerBoundFactor);
  // Readings that do not cover a part, energy that did not advance, or no more than idle: a
  // failed reading, not a figure.
  const bool covered = std::all_of(watts.begin(), watts.end(), [](double w) { return std::isfinite(w); });
  const bool advanced = !watts.empty() && std::all_of(watts.begin(), watts.end(), [](double w) { return w > 0; });
  const bool over_idle = advanced && std::isfinite(idle_w) &&
                         std::all_of(watts.begin(), watts.end(), [&](double w) { return w > idle_w; });

  Figure power = figure("power_w", "W", watts);
  power.bound = power_bound;
  power.bound_source = bound_source;
  Figure pj = figure(per.total, per.unit, total);
  Figure pj_above = figure(per.above, per.unit, above);
  // The same ceiling in energy per unit of work: the board cannot spend more than its limit.
  const double rate = median(rates);
  for (Figure* f : {&pj, &pj_above}) {
    f->bound = power_bound > 0 && rate > 0 ? power_bound / rate * 1e12 : 0;
    f->bound_source = bound_source + fmt::format(" / {:.4g} {}/s measured", rate, per.noun);
  }
  for (Figure* f : {&power, &pj, &pj_above}) {
    f->bound_unknown_is_a_note = true;
    if (!load.problem.empty()) continue;  // said already
    std::vector<std::string> w;
    for (double x : watts) w.push_back(fmt::format("{:.4g} W", x));
    if (!covered) {
      f->verified = false;
      f->notes.push_back(fmt::format("NVML's readings do not cover every part of the window ({}; {} source): no figure",
                                     join(w, ", "), source_name(load.source)));
    } else if (!advanced) {
      f->verified = false;
      f->notes.push_back("the energy reading did not advance over every part (" + join(w, ", ") + "): no figure");
    }
  }
  if (advanced && !over_idle) {
    pj_above.verified = false;
    pj_above.notes.push_back(fmt::format("the load's power ({:.1f} W) is not above the idle power ({:.1f} W) in every "
                                         "part: nothing to attribute to the work",
                                         median(watts), idle_w));
  }
  // report() hands back its last row by reference: keep copies of what is said below.
  const ResultRow rp = st.report(std::move(power));
  const ResultRow rt = st.report(std::move(pj));
  const ResultRow ra = st.report(std::move(pj_above));
  const bool all_valid = rp.valid && rt.valid && ra.valid;
  st.say(fmt::format("{:.1f} W (idle {:.1f} W): {:.4g} pJ/{} total, {:.4g} above idle{}", rp.stats.median, idle_w,
                     rt.stats.median, per.noun, ra.stats.median,
                     all_valid ? "" : " (INVALID: " + (rp.valid ? rt.valid ? ra.note : rt.note : rp.note) + ")"));
}

}  // namespace tcb::energy
