#include "families/energy/sampler.hpp"

#include <algorithm>
#include <chrono>

#include "harness/device/nvml.hpp"

namespace tcb::energy {

const char* source_name(Source s) {
  switch (s) {
    case Source::counter: return "total_energy_counter";
    case Source::power: return "power_samples";
    case Source::none: return "none";
  }
  return "?";
}

Source detect_source() {
  const Nvml& n = Nvml::instance();
  unsigned long long mj = 0;
  double w = 0;
  if (n.total_energy_mj(&mj)) return Source::counter;
  if (n.power_usage_w(&w)) return Source::power;
  return Source::none;
}

std::string unavailable_reason() {
  const Nvml& n = Nvml::instance();
  unsigned long long mj = 0;
  double w = 0;
  return energy_unavailable_reason(n.loaded(), n.available(), n.total_energy_mj(&mj), n.power_usage_w(&w));
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Sampler::Sampler(Source source) : source_(source) {
  readings_.reserve(4096);
  thread_ = std::thread([this] { poll(); });
}

Sampler::~Sampler() { stop(); }

const std::vector<TimedValue>& Sampler::stop_after(double t_s, double max_wait_s) {
  const double give_up = now_s() + max_wait_s;
  while (latest_s_.load() <= t_s && now_s() < give_up)
    std::this_thread::sleep_for(std::chrono::duration<double>(kPollPeriodS));
  return stop();
}

const std::vector<TimedValue>& Sampler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return readings_;
}

// Each reading is stamped at the midpoint of its NVML call. Polls are paced by absolute
// deadlines, so a slow call does not stretch the period.
void Sampler::poll() {
  const Nvml& n = Nvml::instance();
  const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(kPollPeriodS));
  auto next = std::chrono::steady_clock::now();
  while (!stop_) {
    const double t0 = now_s();
    unsigned long long mj = 0;
    double w = 0;
    const bool ok = source_ == Source::counter ? n.total_energy_mj(&mj) : n.power_usage_w(&w);
    const double t1 = now_s();
    if (ok) {
      const TimedValue v{0.5 * (t0 + t1), source_ == Source::counter ? double(mj) * 1e-3 : w};
      // The newest update instant as counter_updates() will place it (power: each reading).
      if (source_ != Source::counter || readings_.empty()) latest_s_ = v.t_s;
      else if (v.value != readings_.back().value) latest_s_ = 0.5 * (readings_.back().t_s + v.t_s);
      readings_.push_back(v);
    } else {
      ++failed_;
    }
    uint64_t mask = 0;
    if (n.throttle_reasons(&mask) && Nvml::is_throttling(mask)) reasons_ |= mask;
    next = std::max(next + period, std::chrono::steady_clock::now());  // late: no burst to catch up
    std::this_thread::sleep_until(next);
  }
}

double joules_between(Source source, const std::vector<TimedValue>& readings, double t0, double t1) {
  if (source == Source::counter) return counter_joules(counter_updates(readings), t0, t1);
  return trapezoid_joules(readings, t0, t1);
}

}  // namespace tcb::energy
