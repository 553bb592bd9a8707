// The arithmetic of an energy reading, apart from any GPU or NVML so that it can be tested with
// known numbers: energy from the counter's readings or from power samples over a window, the
// launch timeline on the host clock, the steady window inside a load, and joules per operation.
#pragma once
#include <string>
#include <vector>

namespace tcb::energy {

// One NVML reading on the host's steady clock: t_s in seconds, value in J (counter) or W (power).
struct TimedValue {
  double t_s = 0, value = 0;
};

// The counter's staircase, as polled, reduced to its update instants: for each new value, the
// midpoint between the last poll that still showed the old value and the first that showed the
// new one (so the instant is known to half a poll period). The first reading is kept as is.
std::vector<TimedValue> counter_updates(const std::vector<TimedValue>& readings);

// Joules the counter accumulated over [t0, t1], linear between update instants (steady power
// between two updates). NaN when [t0, t1] is not inside the span of the updates.
double counter_joules(const std::vector<TimedValue>& updates, double t0, double t1);

// Joules from power samples (W) over [t0, t1]: the trapezoid rule, the edges interpolated
// linearly. NaN when [t0, t1] is not inside the span of the samples.
double trapezoid_joules(const std::vector<TimedValue>& power, double t0, double t1);

// The median interval between successive update instants (s); 0 with fewer than two.
double median_interval_s(const std::vector<TimedValue>& updates);

// Picojoules per unit of work: joules / count x 1e12 (NaN when count <= 0).
double picojoules_per(double joules, double count);
// The energy above an idle board: joules - idle_w x seconds.
double above_idle_joules(double joules, double idle_w, double seconds);

// One launch on the GPU's clock (%globaltimer, ns): the earliest block start, the latest block end.
struct GpuSpan {
  double start_ns = 0, end_ns = 0;
};
// One launch on the host's clock (s).
struct HostSpan {
  double start_s = 0, end_s = 0;
};

// The launches on the host clock. Their GPU timeline is exact relative to itself (gaps included);
// only its offset is unknown: the launches ran inside [call_s, return_s] (the host's times around
// them), and the slack (return - call - GPU span) is split evenly before and after, so that the
// placement is off by at most half the slack.
std::vector<HostSpan> host_timeline(const std::vector<GpuSpan>& gpu, double call_s, double return_s);
// The slack of that placement (s): host time around the launches minus their GPU span.
double placement_slack_s(const std::vector<GpuSpan>& gpu, double call_s, double return_s);

// A run of consecutive launches [first, last] inside the steady window, and its host-clock span.
struct WindowPart {
  int first = 0, last = -1;
  double start_s = 0, end_s = 0;
  double seconds() const { return end_s - start_s; }
  int launches() const { return last - first + 1; }
};

// The steady window of a load: the launches that start at least `ramp_s` after the load began
// and end at least `tail_s` before it ended, cut into `parts` consecutive runs of about equal
// duration (fewer when there are fewer launches). Empty when no launch qualifies.
std::vector<WindowPart> steady_parts(const std::vector<HostSpan>& spans, double ramp_s, double tail_s, int parts);

// How many launches of `launch_s` seconds fill ramp + window + tail (at least 3: one each).
int launches_for(double launch_s, double ramp_s, double window_s, double tail_s);

// "" when NVML can read board energy one way or the other, else why not (the rows' note).
std::string energy_unavailable_reason(bool nvml_loaded, bool device_open, bool counter_ok, bool power_ok);

}  // namespace tcb::energy
