// Board energy read from NVML while a load runs: a thread polls the total-energy counter (or,
// where the GPU has none, the power reading) every few milliseconds on the host's steady clock,
// and the clock-lowering reasons with it.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>
#include "families/energy/energy_math.hpp"

namespace tcb::energy {

enum class Source { counter, power, none };
const char* source_name(Source s);  // "total_energy_counter", "power_samples", "none"

// What this GPU offers, asked of NVML now: the counter where it reads, else power, else none.
Source detect_source();
// "" when detect_source() finds a source, else why not.
std::string unavailable_reason();

// Seconds on the host's steady clock (the sampler's and the timeline's clock).
double now_s();

// How often the sampler polls. The counter's update instants are placed to half of this.
constexpr double kPollPeriodS = 0.005;

class Sampler {
 public:
  explicit Sampler(Source source);  // starts polling
  ~Sampler();                       // stops, if stop() was not called
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Stops polling and returns the readings: J for the counter, W for power.
  const std::vector<TimedValue>& stop();
  // Stops once a reading newer than t_s came in (for the counter: a new value, so that the
  // updates bracket t_s), or after max_wait_s; then as stop().
  const std::vector<TimedValue>& stop_after(double t_s, double max_wait_s);
  Source source() const { return source_; }
  // Every clock-lowering reason NVML reported while polling (nvmlClocksEventReason bits).
  uint64_t reasons() const { return reasons_; }
  int failed_reads() const { return failed_; }

 private:
  void poll();
  Source source_;
  std::vector<TimedValue> readings_;
  uint64_t reasons_ = 0;
  int failed_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<double> latest_s_{0};  // time of the newest reading (counter: of the newest value)
  std::thread thread_;
};

// The energy (J) over [t0, t1] from a sampler's readings, whichever its source.
double joules_between(Source source, const std::vector<TimedValue>& readings, double t0, double t1);

}  // namespace tcb::energy
