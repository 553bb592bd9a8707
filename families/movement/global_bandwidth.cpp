// L2 and DRAM bandwidth: read, write and copy with every SM busy, 16-byte accesses, a grid-stride
// loop; wall time from %globaltimer over all blocks. Method: docs/movement.md, "Off-chip paths".
#include <fmt/format.h>

#include <algorithm>

#include "families/movement/common.cuh"
#include "families/movement/off_chip.hpp"
#include "families/movement/off_chip_kernels.hpp"
#include "families/movement/on_chip.hpp"

namespace tcb::movement::offchip {
namespace {

enum class Kind { read, write, copy };
enum class Level { l2, dram };

// Per array: L2 points keep the footprint (a copy's two arrays) within half the L2, so that on
// GH100 it fits one partition's share too; DRAM points are at least 4 x the L2, so that at most a
// quarter of the bytes could hit in it.
constexpr long long kL2Sizes[] = {2 * MiB, 8 * MiB};
constexpr long long kDramSizes[] = {256 * MiB, 1 * GiB};
// Each launch moves at least this much (passes over the array), the longer launch of a pair three
// times as much: their difference cancels the ramp-up, the drain and a write's dirty tail.
constexpr long long kBytesPerShortLaunch = 1 * GiB;

const char* kind_name(Kind k) { return k == Kind::read ? "read" : k == Kind::write ? "write" : "copy"; }
const char* counted(Kind k) { return k == Kind::read ? "read" : k == Kind::write ? "write" : "read+write"; }
int directions(Kind k) { return k == Kind::copy ? 2 : 1; }

struct Point {
  Kind kind;
  Level level;
  long long bytes;  // per array
  int short_passes = 1, long_passes = 3;
  long long footprint() const { return bytes * directions(kind); }
  long long n16() const { return bytes / 16; }
  long long words() const { return bytes / 4; }
  // Bytes the launch counts: read and written bytes for a copy.
  double counted_bytes(int passes) const { return double(passes) * double(bytes) * directions(kind); }
};

Point make_point(Kind kind, Level level, long long bytes) {
  Point p{kind, level, bytes};
  p.short_passes = int(std::max(1ll, (kBytesPerShortLaunch + bytes - 1) / bytes));
  p.long_passes = 3 * p.short_passes;
  return p;
}

// Why the point cannot run on this GPU ("" when it can).
std::string point_problem(const Point& p, const DeviceInfo& dev) {
  if (p.level == Level::l2 && p.footprint() > dev.l2_bytes / 2)
    return fmt::format("footprint {} is over half the L2 ({}): not an L2 point on this GPU", size_text(p.footprint()),
                       size_text(dev.l2_bytes));
  if (p.level == Level::dram && p.footprint() < 4ll * dev.l2_bytes)
    return fmt::format("footprint {} is under 4 x the L2 ({}): not a DRAM point on this GPU",
                       size_text(p.footprint()), size_text(dev.l2_bytes));
  if (p.footprint() > dev.global_mem_bytes / 4)
    return fmt::format("footprint {} is over a quarter of the GPU's memory", size_text(p.footprint()));
  return "";
}

// The sum of the 32-bit words w = 0 .. words-1 read `passes` times, mod 2^64.
unsigned long long expected_read_sum(long long words, int passes) {
  const unsigned long long n = static_cast<unsigned long long>(words);
  const unsigned long long pairs = n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
  return pairs * static_cast<unsigned long long>(passes);
}

// Launch i's salt: a different pattern per launch, so a launch that wrote nothing fails its check.
uint32_t write_salt(int i) { return 0x9E3779B9u * uint32_t(i + 1); }
constexpr uint32_t kPoison = 0xA5A5A5A5u;  // a copy's destination before each launch: w + kPoison != w

struct Buffers {
  uint4* src = nullptr;
  uint4* dst = nullptr;
  unsigned long long* sums = nullptr;    // read: launches x blocks
  unsigned long long* checks = nullptr;  // write/copy: launches x {mismatches, first}
};

// Launch i of a point: the timed kernel, and for write and copy the untimed set-up and check of
// this launch's output (on the same stream, outside the kernel's timing records).
cudaError_t launch_point(const Point& p, const Buffers& b, int blocks, int sm_count, int i, int passes,
                         unsigned long long* timing, cudaStream_t stream) {
  switch (p.kind) {
    case Kind::read:
      return launch_read_bw(b.src, p.n16(), passes, blocks, b.sums + size_t(i) * blocks, timing, stream);
    case Kind::write: {
      const cudaError_t e = launch_write_bw(b.dst, p.n16(), passes, write_salt(i), blocks, timing, stream);
      if (e != cudaSuccess) return e;
      return launch_count_mismatches(reinterpret_cast<const uint32_t*>(b.dst), p.words(), write_salt(i),
                                     b.checks + 2 * size_t(i), sm_count, stream);
    }
    case Kind::copy: {
      cudaError_t e = launch_fill_words(reinterpret_cast<uint32_t*>(b.dst), p.words(), kPoison, sm_count, stream);
      if (e == cudaSuccess) e = launch_copy_bw(b.src, b.dst, p.n16(), passes, blocks, timing, stream);
      if (e != cudaSuccess) return e;
      return launch_count_mismatches(reinterpret_cast<const uint32_t*>(b.dst), p.words(), 0, b.checks + 2 * size_t(i),
                                     sm_count, stream);
    }
  }
  return cudaErrorInvalidValue;
}

// Every launch's output: a read's block sums against the closed form, a write's or copy's
// destination word by word (the device-side count of mismatches).
Check check_point(const Point& p, const Buffers& b, int blocks, const std::vector<int>& passes) {
  Check check;
  const int launches = int(passes.size());
  if (p.kind == Kind::read) {
    std::vector<unsigned long long> sums(size_t(launches) * blocks);
    core::State::check(cudaMemcpy(sums.data(), b.sums, sums.size() * 8, cudaMemcpyDeviceToHost), "read sums");
    for (int i = 0; i < launches; ++i) {
      unsigned long long total = 0;
      for (int k = 0; k < blocks; ++k) total += sums[size_t(i) * blocks + k];
      if (total != expected_read_sum(p.words(), passes[i]))
        check.fail(fmt::format("launch {}: the words read sum to {:#x}, not {:#x}", i, total,
                               expected_read_sum(p.words(), passes[i])));
    }
    return check;
  }
  std::vector<unsigned long long> c(size_t(launches) * 2);
  core::State::check(cudaMemcpy(c.data(), b.checks, c.size() * 8, cudaMemcpyDeviceToHost), "mismatch counts");
  for (int i = 0; i < launches; ++i)
    if (c[2 * i] != 0)
      check.fail(fmt::format("launch {}: {} of {} destination words wrong (first: word {})", i, c[2 * i], p.words(),
                             c[2 * i + 1]));
  return check;
}

void bandwidth_point(core::State& st, const Point& p) {
  const DeviceInfo& dev = st.device();
  const SweepConfig& cfg = st.config();
  std::string params = fmt::format("level={};counts={};passes={},{}", p.level == Level::l2 ? "l2" : "dram",
                                   counted(p.kind), p.short_passes, p.long_passes);
  const DramBound dram = dram_bound(dev);
  if (p.level == Level::dram && dram.datasheet_gbs > 0) params += fmt::format(";datasheet_gbs={:.0f}", dram.datasheet_gbs);
  const std::string problem = point_problem(p, dev);
  if (!problem.empty()) {
    st.skip_point(problem, 0, 0, params);
    return;
  }
  const int blocks = dev.sm_count * kBwBlocksPerSm;
  const int launches = chain_launches(cfg);
  std::vector<int> passes(launches);
  for (int i = 0; i < launches; ++i) passes[i] = i < cfg.warmup || (i - cfg.warmup) % 2 ? p.long_passes : p.short_passes;

  Buffers b;
  b.src = static_cast<uint4*>(sized_buffer(st, "movement.bw.src", size_t(p.bytes)).get());
  b.dst = static_cast<uint4*>(sized_buffer(st, "movement.bw.dst", size_t(p.bytes)).get());
  b.sums = static_cast<unsigned long long*>(sized_buffer(st, "movement.bw.sums", size_t(launches) * blocks * 8).get());
  std::vector<unsigned long long> fresh(size_t(launches) * 2);
  for (int i = 0; i < launches; ++i) fresh[2 * i + 1] = ~0ull;  // {mismatches 0, first index "none"}
  b.checks = upload(st, "movement.bw.checks", fresh);
  core::State::check(launch_fill_words(reinterpret_cast<uint32_t*>(b.src), p.words(), 0, dev.sm_count, st.stream()),
                     "fill the source");
  // One untimed pass first: an L2 point's array is then in the L2 whatever config.warmup is.
  core::State::check(launch_point(p, b, blocks, dev.sm_count, 0, 1, nullptr, st.stream()), "warm-up pass");
  if (p.kind != Kind::read) core::State::check(cudaMemcpyAsync(b.checks, fresh.data(), 16, cudaMemcpyHostToDevice, st.stream()), "reset");

  const auto timings = st.time_launches(launches, blocks, cfg.warmup, [&](int i, unsigned long long* timing) {
    return launch_point(p, b, blocks, dev.sm_count, i, passes[i], timing, st.stream());
  });
  const Check check = check_point(p, b, blocks, passes);

  core::Figure f;
  f.metric = "bandwidth_gbs";
  f.unit = "GB/s";
  f.size_bytes = p.bytes;
  f.params = params;
  f.samples = paired_samples(timings, [&](const core::LaunchTiming& s, const core::LaunchTiming& l) {
    const double dt = l.wall_ns - s.wall_ns;
    return dt > 0 ? (p.counted_bytes(p.long_passes) - p.counted_bytes(p.short_passes)) / dt : NAN;
  });
  f.verified = check.ok;
  if (!check.ok) f.notes.push_back("output check failed: " + check.note());
  else
    f.notes.push_back(p.kind == Kind::read ? "every launch's word sum equals the closed form"
                                           : "every launch's destination checked word by word on the GPU");
  f.notes.push_back(fmt::format("{} blocks x {} threads, 16 B per access; (bytes of {} passes - bytes of {}) / "
                                "(wall time difference)",
                                blocks, kBwThreads, p.long_passes, p.short_passes));
  if (p.level == Level::l2) {
    f.bound = l2_ceiling_gbs(dev, f.samples, directions(p.kind));
    f.bound_source = fmt::format("L2 to SMs: {} SMs x 128 B/clk (L1 data path) x {:.0f} MHz{}", dev.sm_count,
                                 max_sm_clock_mhz(dev, f.samples), directions(p.kind) == 2 ? " x 2 directions" : "");
  } else {
    f.bound = dram.gbs;
    f.bound_source = dram.source;
    f.bound_unknown_is_a_note = true;
  }
  int uneven = 0;
  for (const auto& t : timings) uneven += !t.even_placement;
  if (uneven) f.notes.push_back(fmt::format("blocks not spread evenly over the SMs in {} of {} launches", uneven, timings.size()));
  const ResultRow& r = st.report(std::move(f));
  st.say(fmt::format("{} {}: {:.0f} GB/s{}{}", size_text(p.bytes), kind_name(p.kind), r.stats.median,
                     p.level == Level::dram && dram.datasheet_gbs > 0
                         ? fmt::format(" ({:.1f}% of the datasheet's {:.0f})", 100 * r.stats.median / dram.datasheet_gbs,
                                       dram.datasheet_gbs)
                         : "",
                     r.valid ? "" : " (INVALID: " + r.note + ")"));
}

void run_bandwidth(core::State& st, Kind kind, Level level) {
  if (!st.config().throughput) return;
  const auto& sizes = level == Level::l2 ? kL2Sizes : kDramSizes;
  for (long long bytes : sizes) {
    if (st.stop_requested()) break;
    bandwidth_point(st, make_point(kind, level, bytes));
  }
}

core::Benchmark bandwidth_benchmark(Kind kind, Level level) {
  static const char* ptx[] = {"ld.global.cg.v4.u32", "st.global.v4.u32", "ld.global.cg.v4.u32+st.global.v4.u32"};
  static const char* kernel[] = {"read_bw_kernel", "write_bw_kernel", "copy_bw_kernel"};
  static const char* opcodes[] = {"^LDG", "^STG", "^(LDG|STG)"};
  const int k = int(kind);
  return movement_benchmark(fmt::format("{}.{}", level == Level::l2 ? "l2" : "dram", kind_name(kind)), ptx[k], 70,
                            bandwidth_kernel(int(kind)), kernel[k], opcodes[k],
                            [kind, level](core::State& st) { run_bandwidth(st, kind, level); });
}

}  // namespace

std::vector<core::Benchmark> bandwidth_benchmarks() {
  std::vector<core::Benchmark> out;
  for (Level level : {Level::l2, Level::dram})
    for (Kind kind : {Kind::read, Kind::write, Kind::copy}) out.push_back(bandwidth_benchmark(kind, level));
  return out;
}

}  // namespace tcb::movement::offchip
