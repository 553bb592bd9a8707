#include "harness/core/state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "harness/core/stats.hpp"
#include "harness/core/timing.cuh"
#include "harness/device/cupti.hpp"
#include "harness/device/nvml.hpp"

namespace tcb::core {
namespace {

// Whether NVML reports a clock-lowering reason now. Asked before and after a point's launches
// rather than after each: the query costs about as much as a short launch.
bool nvml_throttled_now() {
  uint64_t reasons = 0;
  return Nvml::instance().throttle_reasons(&reasons) && Nvml::is_throttling(reasons);
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// A block counts toward a launch's clock when it ran at least this fraction of the longest block.
constexpr double kWorkingBlockSpanFraction = 0.5;

std::string join_notes(const std::vector<std::string>& notes) {
  std::string s;
  for (const auto& n : notes)
    if (!n.empty()) s += (s.empty() ? "" : "; ") + n;
  return s;
}

}  // namespace

LaunchTiming summarise_launch(const unsigned long long* t, int blocks, int sm_count) {
  std::map<unsigned, std::pair<unsigned long long, unsigned long long>> span;  // smid -> [min c0, max c1]
  std::map<unsigned, int> blocks_on_sm;
  std::vector<std::pair<double, double>> block_clock;  // (span ns, MHz) per block
  unsigned long long first_ns = ~0ull, last_ns = 0, longest_ns = 0;
  for (int b = 0; b < blocks; ++b) {
    const unsigned long long* r = &t[size_t(b) * kTimingWords];
    const unsigned sm = static_cast<unsigned>(r[4]);
    auto it = span.find(sm);
    if (it == span.end()) span[sm] = {r[0], r[1]};
    else it->second = {std::min(it->second.first, r[0]), std::max(it->second.second, r[1])};
    ++blocks_on_sm[sm];
    if (r[3] > r[2]) {
      block_clock.push_back({double(r[3] - r[2]), double(r[1] - r[0]) / double(r[3] - r[2]) * 1e3});
      longest_ns = std::max(longest_ns, r[3] - r[2]);
    }
    first_ns = std::min(first_ns, r[2]);
    last_ns = std::max(last_ns, r[3]);
  }
  LaunchTiming s;
  s.cycles = double(t[1] - t[0]);
  s.ns = double(t[3] - t[2]);
  for (auto& [sm, sp] : span) s.sm_span_cycles += double(sp.second - sp.first);
  s.wall_ns = last_ns > first_ns ? double(last_ns - first_ns) : 0;
  // The clock of the blocks that did the work: a block that only waits for its cluster and
  // exits spans a few hundred ns, where %globaltimer's update steps make Δclock64/Δns meaningless
  // (a 2-block cluster once read 2906 MHz on a 1980 MHz part).
  std::vector<double> clocks;
  for (const auto& [span_ns, mhz] : block_clock)
    if (span_ns >= kWorkingBlockSpanFraction * double(longest_ns)) clocks.push_back(mhz);
  s.sm_clock_mhz = median_of(clocks);
  s.sms = int(span.size());
  // Even: as many SMs as could take a block, each with the same number of blocks.
  s.even_placement = s.sms == std::min(blocks, sm_count);
  for (auto& [sm, n] : blocks_on_sm)
    if (n != blocks_on_sm.begin()->second) s.even_placement = false;
  return s;
}

State::State(const Benchmark& bench, RunContext& ctx, ResultRow base) : bench_(bench), ctx_(ctx), base_(std::move(base)) {}

const DeviceInfo& State::device() const { return *ctx_.device; }
const SweepConfig& State::config() const { return *ctx_.config; }
cudaStream_t State::stream() const { return ctx_.stream; }
uint64_t State::seed() const { return ctx_.seed; }
bool State::stop_requested() const { return ctx_.stop && *ctx_.stop; }
const Watchdog& State::watchdog() const { return *ctx_.watchdog; }
bool State::sass_inspected() const { return ctx_.sass_inspected; }
const std::string& State::sass_status() const { return ctx_.sass_status; }

const SassFacts* State::sass() const {
  if (!ctx_.sass) return nullptr;
  auto it = ctx_.sass->find(base_.atom);
  return it == ctx_.sass->end() ? nullptr : &it->second;
}

void State::check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
}

void State::wait(const char* what) { ctx_.watchdog->wait(ctx_.stream, what); }

DeviceBuffer& State::buffer(const std::string& name) {
  auto& slot = ctx_.buffers[name];
  if (!slot) slot = std::make_unique<DeviceBuffer>();
  return *slot;
}

void State::set_run_info(const std::string& key, nlohmann::json value) { ctx_.run_info[key] = std::move(value); }

double* State::phase_seconds(const std::string& phase) { return &(*ctx_.phase_seconds)[phase]; }

void State::say(const std::string& what) const {
  if (ctx_.say) ctx_.say(what);
}

std::vector<LaunchTiming> State::time_launches(
    int launches, int blocks, int warmup, const std::function<cudaError_t(int, unsigned long long*)>& launch) {
  if (warmup < 0 || warmup >= launches) throw std::logic_error("time_launches: warmup must leave a timed launch");
  ChargeSeconds t{phase_seconds("gpu_launches")};
  const size_t words = size_t(blocks) * kTimingWords;
  DeviceBuffer& timing = buffer("core.timing");
  timing.reserve(size_t(launches) * words * sizeof(unsigned long long));
  auto* base = static_cast<unsigned long long*>(timing.get());
  const int every = config().cupti_check_every;
  const bool cupti = every > 0 && ctx_.timed_points++ % every == 0 && start_cupti();
  const bool throttled_before = nvml_throttled_now();
  for (int i = 0; i < launches; ++i) check(launch(i, base + size_t(i) * words), "kernel launch");
  wait("kernel execution");
  const std::vector<KernelRecord> kernels = cupti ? CuptiKernelTrace::instance().end() : std::vector<KernelRecord>{};
  const auto records = timing.download_as<unsigned long long>(size_t(launches) * words);
  const bool throttled = throttled_before || nvml_throttled_now();
  std::vector<LaunchTiming> all;
  for (int i = 0; i < launches; ++i) {
    all.push_back(summarise_launch(&records[size_t(i) * words], blocks, device().sm_count));
    all.back().throttled = throttled;
  }
  if (cupti) compare_with_cupti(kernels, &all);
  return std::vector<LaunchTiming>(all.begin() + warmup, all.end());
}

bool State::start_cupti() {
  CuptiKernelTrace& trace = CuptiKernelTrace::instance();
  if (trace.begin()) return true;
  ctx_.cupti.unavailable = trace.unavailable_reason();
  return false;
}

// CUPTI's record of each launch (one per launch, in launch order) against the launch's in-kernel
// wall time: the kernel cannot have run longer inside than CUPTI saw it run. The tolerance (1% +
// 2 us) covers %globaltimer's granularity, which is 1 us on many GPUs unless a profiler raises it.
void State::compare_with_cupti(const std::vector<KernelRecord>& kernels, std::vector<LaunchTiming>* launches) {
  CuptiCheck& c = ctx_.cupti;
  ++c.points;
  if (kernels.size() != launches->size()) {  // another kernel in the window, or records lost
    c.missing += int(launches->size());
    return;
  }
  for (size_t i = 0; i < launches->size(); ++i) {
    LaunchTiming& t = (*launches)[i];
    if (!kernels[i].has_timing() || t.wall_ns <= 0) { ++c.missing; continue; }
    t.cupti_ns = kernels[i].duration_ns();
    ++c.launches;
    c.outside_ns.push_back(t.cupti_ns - t.wall_ns);
    if (t.wall_ns > t.cupti_ns * 1.01 + 2000) {
      t.timing_suspect = true;
      ++c.suspect;
    }
  }
}

std::vector<Sample> samples_of(const std::vector<LaunchTiming>& timings,
                               const std::function<double(const LaunchTiming&)>& value) {
  std::vector<Sample> out;
  for (const auto& t : timings) out.push_back({value(t), t.sm_clock_mhz, t.throttled, t.timing_suspect});
  return out;
}

std::string plausibility_problem(const std::vector<double>& samples, double bound, const std::string& unit) {
  for (double v : samples)
    if (!std::isfinite(v)) return fmt::format("a sample is not finite ({}): rejected", v);
  if (bound <= 0 || samples.empty()) return "";
  const double median = summarize(samples).median;
  if (median > bound)
    return fmt::format("above the physical bound ({:.4g} > {:.4g}{}{}): rejected", median, bound,
                       unit.empty() ? "" : " ", unit);
  return "";
}

const ResultRow& State::report(Figure f) {
  // Throttled samples: NVML said so, or the in-kernel clock fell below tolerance x the fastest
  // clock of this figure's samples.
  double max_clock = 0;
  for (const auto& s : f.samples) max_clock = std::max(max_clock, s.sm_clock_mhz);
  std::vector<double> values, clocks;
  int discarded = 0, suspect = 0;
  for (const auto& s : f.samples) {
    if (!f.keep_throttled && (s.throttled || s.sm_clock_mhz < config().clock_tolerance * max_clock)) {
      ++discarded;
      continue;
    }
    values.push_back(s.value);
    if (s.sm_clock_mhz > 0) clocks.push_back(s.sm_clock_mhz);  // figures without a kernel (idle power) have none
    suspect += s.timing_suspect;
  }
  ctx_.kept_clocks.insert(ctx_.kept_clocks.end(), clocks.begin(), clocks.end());
  ctx_.discarded_samples += discarded;

  ResultRow r = base_;
  r.metric = f.metric;
  r.unit = f.unit;
  r.warps_per_sm = f.warps_per_sm;
  r.ilp = f.ilp;
  r.size_bytes = f.size_bytes;
  r.params = f.params;
  r.bound = f.bound > 0 ? f.bound : 0;
  r.stats = summarize(values);
  r.discarded = discarded;
  r.sm_clock_mhz = summarize(clocks).median;
  r.verified = f.verified;

  std::vector<std::string> notes{base_.note};
  notes.insert(notes.end(), f.notes.begin(), f.notes.end());
  if (values.empty()) notes.push_back(f.samples.empty() ? "no sample was taken" : "every sample was throttled");
  const std::string not_finite = plausibility_problem(values, 0);
  const std::string over = not_finite.empty() ? plausibility_problem(values, f.bound, f.unit) : "";
  if (!not_finite.empty()) notes.push_back(not_finite);
  if (!over.empty()) notes.push_back(over + (f.bound_source.empty() ? "" : " (bound: " + f.bound_source + ")"));
  if (f.bound <= 0 && f.bound_unknown_is_a_note)
    notes.push_back(fmt::format("no physical bound known for {}: plausibility unchecked", device().arch()));
  if (suspect)
    notes.push_back(fmt::format("{} kept sample(s) timed longer inside the kernel than CUPTI's record of it: "
                                "in-kernel timing suspect, rejected", suspect));
  r.valid = r.verified && !values.empty() && not_finite.empty() && over.empty() && !suspect;
  r.value = r.valid ? r.stats.median : 0;
  r.note = join_notes(notes);
  ctx_.emit(r);
  last_ = r;
  return last_;
}

void State::skip_point(const std::string& note, int warps_per_sm, int ilp, const std::string& params) {
  ResultRow r = base_;
  r.metric = "skipped";
  r.warps_per_sm = warps_per_sm;
  r.ilp = ilp;
  r.params = params;
  r.note = note;
  ctx_.emit(r);
}

}  // namespace tcb::core
