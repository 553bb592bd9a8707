#include "families/energy/energy_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tcb::energy {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The value at t of the piecewise-linear curve through `points` (ascending t); NaN outside.
double interpolate(const std::vector<TimedValue>& points, double t) {
  if (points.empty() || t < points.front().t_s || t > points.back().t_s) return kNaN;
  auto hi = std::lower_bound(points.begin(), points.end(), t,
                             [](const TimedValue& p, double x) { return p.t_s < x; });
  if (hi == points.begin()) return hi->value;
  const auto lo = hi - 1;
  const double dt = hi->t_s - lo->t_s;
  if (dt <= 0) return hi->value;
  return lo->value + (hi->value - lo->value) * (t - lo->t_s) / dt;
}

}  // namespace

std::vector<TimedValue> counter_updates(const std::vector<TimedValue>& readings) {
  std::vector<TimedValue> out;
  for (size_t i = 0; i < readings.size(); ++i) {
    if (i == 0) {
      out.push_back(readings[0]);
      continue;
    }
    if (readings[i].value == readings[i - 1].value) continue;
    out.push_back({0.5 * (readings[i - 1].t_s + readings[i].t_s), readings[i].value});
  }
  return out;
}

double counter_joules(const std::vector<TimedValue>& updates, double t0, double t1) {
  return interpolate(updates, t1) - interpolate(updates, t0);
}

double trapezoid_joules(const std::vector<TimedValue>& power, double t0, double t1) {
  const double p0 = interpolate(power, t0), p1 = interpolate(power, t1);
  if (std::isnan(p0) || std::isnan(p1) || t1 < t0) return kNaN;
  // The curve between t0 and t1: the interpolated edges and every sample strictly inside.
  std::vector<TimedValue> curve{{t0, p0}};
  for (const auto& s : power)
    if (s.t_s > t0 && s.t_s < t1) curve.push_back(s);
  curve.push_back({t1, p1});
  double joules = 0;
  for (size_t i = 1; i < curve.size(); ++i)
    joules += 0.5 * (curve[i].value + curve[i - 1].value) * (curve[i].t_s - curve[i - 1].t_s);
  return joules;
}

double median_interval_s(const std::vector<TimedValue>& updates) {
  std::vector<double> gaps;
  for (size_t i = 1; i < updates.size(); ++i) gaps.push_back(updates[i].t_s - updates[i - 1].t_s);
  if (gaps.empty()) return 0;
  std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
  return gaps[gaps.size() / 2];
}

double picojoules_per(double joules, double count) { return count > 0 ? joules / count * 1e12 : kNaN; }

double above_idle_joules(double joules, double idle_w, double seconds) { return joules - idle_w * seconds; }

double placement_slack_s(const std::vector<GpuSpan>& gpu, double call_s, double return_s) {
  if (gpu.empty()) return kNaN;
  return (return_s - call_s) - (gpu.back().end_ns - gpu.front().start_ns) * 1e-9;
}

std::vector<HostSpan> host_timeline(const std::vector<GpuSpan>& gpu, double call_s, double return_s) {
  std::vector<HostSpan> out;
  if (gpu.empty()) return out;
  const double slack = std::max(0.0, placement_slack_s(gpu, call_s, return_s));
  const double origin_s = call_s + 0.5 * slack;  // where the first launch's start is placed
  for (const auto& g : gpu)
    out.push_back({origin_s + (g.start_ns - gpu.front().start_ns) * 1e-9,
                   origin_s + (g.end_ns - gpu.front().start_ns) * 1e-9});
  return out;
}

std::vector<WindowPart> steady_parts(const std::vector<HostSpan>& spans, double ramp_s, double tail_s, int parts) {
  std::vector<WindowPart> out;
  if (spans.empty() || parts < 1) return out;
  const double earliest = spans.front().start_s + ramp_s, latest = spans.back().end_s - tail_s;
  int first = -1, last = -1;
  for (int i = 0; i < int(spans.size()); ++i) {
    if (spans[i].start_s < earliest || spans[i].end_s > latest) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) return out;
  const int count = last - first + 1;
  parts = std::min(parts, count);
  const double begin = spans[first].start_s, total = spans[last].end_s - begin;
  int next = first;
  for (int p = 0; p < parts; ++p) {
    WindowPart w;
    w.first = next;
    if (p == parts - 1) {
      w.last = last;
    } else {
      // The last launch ending by this part's share of the window, leaving one for each later part.
      const double boundary = begin + total * (p + 1) / parts;
      int end = next;
      while (end + 1 <= last - (parts - 1 - p) && spans[end + 1].end_s <= boundary) ++end;
      w.last = end;
    }
    w.start_s = spans[w.first].start_s;
    // Parts tile the window: each runs to the next part's first launch (the gap between is its).
    w.end_s = w.last < last ? spans[w.last + 1].start_s : spans[w.last].end_s;
    out.push_back(w);
    next = w.last + 1;
  }
  return out;
}

int launches_for(double launch_s, double ramp_s, double window_s, double tail_s) {
  if (!(launch_s > 0)) return 3;
  return std::max(3, int(std::ceil((ramp_s + window_s + tail_s) / launch_s)));
}

std::string energy_unavailable_reason(bool nvml_loaded, bool device_open, bool counter_ok, bool power_ok) {
  if (counter_ok || power_ok) return "";
  if (!nvml_loaded)
    return "NVML is not available (libnvidia-ml.so.1 not found, or nvmlInit failed): board energy cannot be read";
  if (!device_open) return "NVML has no handle for this GPU (its PCI bus id was not found): board energy cannot be read";
  return "NVML reads neither the total-energy counter nor the power of this GPU (both queries not supported): "
         "board energy cannot be read";
}

}  // namespace tcb::energy
