// Latency of global loads by level: a pointer chase over a working-set sweep (global.chase.ca,
// global.chase.cg) and the L2 near/far partition probe (l2.chase.partition). Method and the
// reasons for each choice: docs/movement.md, "Off-chip paths".
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <tuple>

#include "families/movement/common.cuh"
#include "families/movement/off_chip.hpp"
#include "families/movement/off_chip_kernels.hpp"
#include "families/movement/on_chip.hpp"

namespace tcb::movement::offchip {
namespace {

// L1 (16 KiB, 128 KiB: inside the 256 KiB L1 of an SM), L2 (1 and 8 MiB), about the L2 partition
// (20 MiB: under half the H100/H200 L2; 40 MiB: over half, under all of it), DRAM (256 MiB), and
// DRAM over 1024 regions of 2 MiB (2 GiB: the same 256 MiB cache footprint, 8 times the pages).
constexpr long long kWorkingSets[] = {16 * KiB, 128 * KiB, 1 * MiB, 8 * MiB, 20 * MiB, 40 * MiB, 256 * MiB, 2 * GiB};
constexpr long long kLineBytes = 128;
// At most 2^21 elements: the host builds the cycle in tens of ms, and the cache footprint stays
// 256 MiB (far above any L2) while larger working sets spread the same lines over more pages.
constexpr long long kMaxElements = 1ll << 21;
// The chase's chain lengths are the config's latency.steps x 4 (common.cuh's pair, in whole
// blocks of 8 loads): an L1 hit takes ~17 ns, and the long chain must last long enough (>= 70 us
// at the default 1024 steps) for %globaltimer (1 us ticks on some GPUs) to give the SM clock, and
// so the ns figure, to about 1%.
constexpr long kStepFactor = 4;

ChainPair chase_pair(const SweepConfig& cfg) {
  ChainPair p = chain_pair(cfg, 8);
  p.shorter *= kStepFactor;
  p.longer *= kStepFactor;
  return p;
}

// Adds the wall time of its scope to a phase of the run.
struct PhaseTimer {
  double* to;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~PhaseTimer() { *to += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};

struct ChaseGeometry {
  long long working_set = 0, elements = 0, stride = 0;
  bool warm = false;  // footprint within the L2: warmed by every thread before each timed chase
  long long footprint() const { return elements * kLineBytes; }
};

ChaseGeometry geometry_for(long long working_set, const DeviceInfo& dev) {
  ChaseGeometry g;
  g.working_set = working_set;
  g.elements = std::min(working_set / kLineBytes, kMaxElements);
  g.stride = working_set / g.elements;
  g.warm = g.footprint() <= dev.l2_bytes;
  return g;
}

const char* path_name(LoadPath p) { return p == LoadPath::ca ? "ld.global.ca" : "ld.global.cg"; }

// The chain of one working set in device memory, and the host's copy of its cycle.
struct Chain {
  ChaseGeometry g;
  std::vector<uint32_t> next;
  uint8_t* base = nullptr;
};

Chain build_chain(core::State& st, const ChaseGeometry& g) {
  Chain c;
  c.g = g;
  {
    PhaseTimer t{st.phase_seconds("cpu_operands")};
    c.next = random_cycle(static_cast<uint32_t>(g.elements), st.seed() ^ (uint64_t(g.working_set) * 0x9E3779B97F4A7C15ull));
  }
  DeviceBuffer& chain = sized_buffer(st, "movement.chase.chain", size_t(g.working_set));
  DeviceBuffer& next = sized_buffer(st, "movement.chase.next", c.next.size() * sizeof(uint32_t));
  c.base = static_cast<uint8_t*>(chain.get());
  core::State::check(cudaMemcpyAsync(next.get(), c.next.data(), c.next.size() * sizeof(uint32_t),
                                     cudaMemcpyHostToDevice, st.stream()),
                     "chase: upload the cycle");
  core::State::check(launch_build_chain(c.base, static_cast<const uint32_t*>(next.get()), g.elements, g.stride,
                                        st.stream()),
                     "chase: build the chain");
  if (!g.warm) {
    // 4 x the L2 of other data, read and rewritten: the chain's lines (just written) leave the L2.
    const size_t flush = size_t(4) * size_t(st.device().l2_bytes);
    DeviceBuffer& scratch = sized_buffer(st, "movement.flush", flush);
    core::State::check(launch_flush(static_cast<uint4*>(scratch.get()), (long long)(flush / 16),
                                    st.device().sm_count, st.stream()),
                       "chase: flush the L2");
  }
  return c;
}

void chase_point(core::State& st, LoadPath path, long long working_set) {
  const DeviceInfo& dev = st.device();
  const ChaseGeometry g = geometry_for(working_set, dev);
  const std::string params =
      fmt::format("path={};stride={};lines={}", path_name(path), g.stride, g.warm ? "warm" : "cold");
  if (working_set > dev.global_mem_bytes / 8) {
    st.skip_point(fmt::format("working set {} is more than 1/8 of the GPU's memory", size_text(working_set)), 0, 0,
                  params);
    return;
  }
  const SweepConfig& cfg = st.config();
  const ChainPair pair = chase_pair(cfg);
  const int launches = chain_launches(cfg);
  std::vector<long> steps(launches);
  for (int i = 0; i < launches; ++i) steps[i] = chain_steps(cfg, pair, i);
  const Chain c = build_chain(st, g);

  // Launch i continues the walk where launch i-1 stopped: a cold point never revisits a line.
  std::vector<uint32_t> first(launches), last(launches);
  uint32_t at = 0;
  for (int i = 0; i < launches; ++i) {
    first[i] = at;
    for (long s = 0; s < steps[i]; ++s) at = c.next[at];
    last[i] = at;
  }
  DeviceBuffer& out = sized_buffer(st, "movement.chase.out", size_t(launches) * 2 * sizeof(unsigned long long));
  auto* out_p = static_cast<unsigned long long*>(out.get());
  ChaseArgs a;
  a.base = c.base;
  a.elements = g.elements;
  a.stride = g.stride;
  a.warm = g.warm;
  const auto timings = st.time_launches(launches, 1, cfg.warmup, [&](int i, unsigned long long* timing) {
    a.start = c.base + first[i] * g.stride;
    a.steps = steps[i];
    a.out = out_p + 2 * i;
    return launch_chase(path, a, timing, st.stream());
  });
  const auto ends = out.download_as<unsigned long long>(size_t(launches) * 2);
  Check check;
  for (int i = 0; i < launches; ++i)
    if (ends[2 * i] != reinterpret_cast<unsigned long long>(c.base + last[i] * g.stride))
      check.fail(fmt::format("launch {} ended on another element than the host's walk of the cycle", i));
  std::vector<std::string> notes;
  if (check.ok) notes.push_back("every launch ended on the element the host's walk of the cycle gives");
  notes.push_back(fmt::format(
      "{} elements {} B apart in one random cycle ({} of lines over {} of addresses); chains of {} and {} loads; {}",
      g.elements, g.stride, size_text(g.footprint()), size_text(g.working_set), pair.shorter, pair.longer,
      g.warm ? "every element read by all threads before each timed chase"
             : "L2 flushed before the point, each launch walks on from the last: no line is read twice"));
  report_latency(st, pair, timings, check, params, working_set, notes);
}

void run_chase(core::State& st, LoadPath path) {
  if (!st.config().latency) return;
  core::State::check(prefer_l1_for_chase(), "chase: ask for the largest L1");
  for (long long ws : kWorkingSets) {
    if (st.stop_requested()) break;
    chase_point(st, path, ws);
  }
}

// ---- near/far partition probe --------------------------------------------------------------

struct ProbeLaunch {
  bool ok = true;
  std::string problem;
  unsigned smid = 0;
  uint32_t threshold = 0;
  int near = 0, far = 0;
  double near_mean = 0, far_mean = 0;  // per-line latency means of the classes (cycles)
};

// Rebuilds one launch's classes and chains from its per-line latencies and threshold, and checks
// the counts and the four chains' end pointers.
ProbeLaunch check_probe_launch(const uint32_t* lat, const unsigned long long* out, const uint8_t* lines,
                               long steps_short, long steps_long) {
  ProbeLaunch p;
  p.smid = static_cast<unsigned>(out[kPoSmid]);
  p.threshold = static_cast<uint32_t>(out[kPoThreshold]);
  std::vector<int> near, far;
  for (int j = 0; j < kPartitionLines; ++j) {
    const int k = static_cast<int>((uint32_t(j) * kPartitionScramble) & (kPartitionLines - 1));
    (lat[k] < p.threshold ? near : far).push_back(k);
  }
  p.near = int(near.size());
  p.far = int(far.size());
  for (int k : near) p.near_mean += lat[k];
  for (int k : far) p.far_mean += lat[k];
  if (p.near) p.near_mean /= p.near;
  if (p.far) p.far_mean /= p.far;
  auto fail = [&p](const std::string& why) {
    if (p.ok) p.problem = why;
    p.ok = false;
  };
  if (out[kPoNearCount] != near.size() || out[kPoFarCount] != far.size())
    fail(fmt::format("class sizes {}/{} differ from the host's {}/{}", out[kPoNearCount], out[kPoFarCount],
                     near.size(), far.size()));
  auto line = [lines](int k) { return reinterpret_cast<unsigned long long>(lines + size_t(k) * kPartitionLineBytes); };
  auto check_end = [&](const std::vector<int>& cls, long steps, int slot, const char* name) {
    if (cls.empty()) return;
    if (out[slot] != line(cls[size_t(steps % long(cls.size()))]))
      fail(fmt::format("the {} chain of {} loads ended on another line than the host's", name, steps));
  };
  check_end(near, steps_short, kPoNearShortEnd, "near");
  check_end(near, steps_long, kPoNearLongEnd, "near");
  check_end(far, steps_short, kPoFarShortEnd, "far");
  check_end(far, steps_long, kPoFarLongEnd, "far");
  return p;
}

// The in-kernel timings of one class's two chains, in the form common.cuh's report_latency reads
// (shorter, longer, per repetition), each at its launch's SM clock.
std::vector<core::LaunchTiming> class_timings(const std::vector<unsigned long long>& out,
                                              const std::vector<core::LaunchTiming>& launches, int warmup,
                                              int short_slot) {
  std::vector<core::LaunchTiming> t;
  for (size_t r = 0; r < launches.size(); ++r) {
    const unsigned long long* o = &out[(warmup + r) * kPoWords];
    for (int slot : {short_slot, short_slot + 1}) {
      core::LaunchTiming x = launches[r];
      x.cycles = double(o[slot]);
      t.push_back(x);
    }
  }
  return t;
}

void run_partition(core::State& st) {
  const SweepConfig& cfg = st.config();
  if (!cfg.latency) return;
  const ChainPair pair = chase_pair(cfg);
  const int launches = cfg.warmup + cfg.repetitions;  // each launch chases both lengths of both classes
  const size_t line_bytes = size_t(kPartitionLines) * kPartitionLineBytes;
  auto* lines = static_cast<uint8_t*>(zeroed(st, "movement.partition.lines", line_bytes));
  DeviceBuffer& lat = sized_buffer(st, "movement.partition.latency", size_t(launches) * kPartitionLines * 4);
  DeviceBuffer& out = sized_buffer(st, "movement.partition.out", size_t(launches) * kPoWords * 8);
  PartitionArgs a;
  a.lines = lines;
  a.steps_short = pair.shorter;
  a.steps_long = pair.longer;
  const auto timings = st.time_launches(launches, 1, cfg.warmup, [&](int i, unsigned long long* timing) {
    a.latency = static_cast<uint32_t*>(lat.get()) + size_t(i) * kPartitionLines;
    a.out = static_cast<unsigned long long*>(out.get()) + size_t(i) * kPoWords;
    return launch_partition_probe(a, timing, st.stream());
  });
  const auto lat_h = lat.download_as<uint32_t>(size_t(launches) * kPartitionLines);
  const auto out_h = out.download_as<unsigned long long>(size_t(launches) * kPoWords);

  Check check;
  std::set<unsigned> sms;
  bool near_empty = false, far_empty = false, visible = true;
  ProbeLaunch last;
  for (int r = 0; r < cfg.repetitions; ++r) {
    const int i = cfg.warmup + r;
    last = check_probe_launch(&lat_h[size_t(i) * kPartitionLines], &out_h[size_t(i) * kPoWords], lines, pair.shorter,
                              pair.longer);
    if (!last.ok) check.fail(fmt::format("launch {}: {}", i, last.problem));
    sms.insert(last.smid);
    near_empty |= last.near == 0;
    far_empty |= last.far == 0;
    // Visible: the classes' per-line means differ by 8 cycles or more and neither class is a
    // sliver (outliers alone) in any launch.
    visible &= last.far_mean - last.near_mean >= 8 && std::min(last.near, last.far) >= kPartitionLines / 10;
  }
  std::string sm_list;
  for (unsigned s : sms) sm_list += (sm_list.empty() ? "" : ",") + std::to_string(s);
  const std::string about = fmt::format(
      "SM {}: {} lines of 128 B; per-line L2 hit latency (load to use, with the clock reads) {:.0f} cycles over {} "
      "near lines, {:.0f} over {} far lines (Otsu threshold {}); split {}",
      sm_list, kPartitionLines, last.near_mean, last.near, last.far_mean, last.far, last.threshold,
      visible ? "visible" : "not visible (means < 8 cycles apart, or a class under 10% of the lines)");
  for (auto [cls, empty, slot] : {std::tuple{"near", near_empty, int(kPoNearShortCycles)},
                                  std::tuple{"far", far_empty, int(kPoFarShortCycles)}}) {
    const std::string params = fmt::format("path=ld.global.cg;class={}", cls);
    if (empty) {
      st.skip_point(fmt::format("no line fell in the {} class in some launch; {}", cls, about), 0, 0, params);
      continue;
    }
    std::vector<std::string> notes{about};
    if (check.ok) notes.push_back("every launch's classes and chain ends match the host's rebuild");
    report_latency(st, pair, class_timings(out_h, timings, cfg.warmup, slot), check, params, (long long)line_bytes,
                   notes);
  }
}

}  // namespace

std::vector<core::Benchmark> chase_benchmarks() {
  return {
      movement_benchmark("global.chase.ca", "ld.global.u64", 70, chase_kernel(LoadPath::ca), "chase_ca_kernel", "^LDG",
                         [](core::State& st) { run_chase(st, LoadPath::ca); }),
      movement_benchmark("global.chase.cg", "ld.global.cg.u64", 70, chase_kernel(LoadPath::cg), "chase_cg_kernel",
                         "^LDG", [](core::State& st) { run_chase(st, LoadPath::cg); }),
      movement_benchmark("l2.chase.partition", "ld.global.cg.u64", 70, partition_kernel(), "l2_partition_kernel",
                         "^LDG", &run_partition),
  };
}

}  // namespace tcb::movement::offchip
