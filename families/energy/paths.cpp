// Energy per byte of the movement paths that feed the tensor cores: a DRAM read stream, an
// L2-resident read stream and a shared-memory read stream (families/energy/stream_kernels.cu),
// each with every SM busy for seconds, its checksum verified against the closed form.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "families/energy/family.hpp"
#include "families/energy/load.hpp"
#include "families/energy/stream_kernels.hpp"
#include "harness/core/stats.hpp"

namespace tcb::energy {
namespace {

using core::Figure;
using core::LaunchTiming;
using core::State;

constexpr int kThreads = 512;
constexpr int kMaxStreamBlocksPerSm = 4;   // 2048 threads: every warp slot of an sm_90 SM
constexpr int kMaxSharedBlocksPerSm = 2;   // 2 x 32 KB of shared memory, 32 warps
constexpr size_t kMinDramBytes = size_t(1) << 30;

// One path: its geometry and, for an amount of work per launch (passes or iterations), how to
// launch it, how many bytes a launch reads and whether the last launch's checksums are right.
struct Path {
  int blocks = 0, threads = kThreads, blocks_per_sm = 0;
  long long size_bytes = 0;
  long probe_amount = 1;
  const char* amount_name = "passes";
  std::function<cudaError_t(long amount, unsigned long long* timing)> launch;
  std::function<double(long amount)> bytes;
  std::function<std::string(long amount)> verify;
};

unsigned long long* sums_buffer(State& st, int blocks) {
  DeviceBuffer& b = st.buffer("energy.sums");
  b.reserve(size_t(blocks) * 2 * sizeof(unsigned long long));
  return static_cast<unsigned long long*>(b.get());
}

std::vector<unsigned long long> download_sums(State& st, int blocks) {
  return st.buffer("energy.sums").download_as<unsigned long long>(size_t(blocks) * 2);
}

void run_path(State& st, const std::string& path_name, const Path& p) {
  if (p.blocks < 1) {
    st.skip_point("the stream kernel's occupancy query found no block that fits on an SM");
    return;
  }
  std::vector<std::string> idle_notes;
  const double idle_w = idle_baseline(st, &idle_notes);  // before our load
  // The work per launch that makes a launch about kTargetLaunchS, from one timed probe launch.
  const auto probe = st.time_launches(2, p.blocks, 1, [&](int, unsigned long long* t) { return p.launch(p.probe_amount, t); });
  const double probe_s = probe.front().wall_ns * 1e-9;
  const long amount = std::max(1L, long(std::llround(p.probe_amount * kTargetLaunchS / std::max(probe_s, 1e-9))));
  const double launch_s = probe_s * double(amount) / double(p.probe_amount);
  const int count = launches_for(launch_s, kRampS, st.config().energy_window_s, kTailS);
  if (st.stop_requested()) return;
  st.say(fmt::format("{} launches of {} {}, ~{:.0f} ms each", count, amount, p.amount_name, launch_s * 1e3));
  const LoadResult load = run_load(st, count, p.blocks, [&](int, unsigned long long* t) { return p.launch(amount, t); });
  const std::string problem = p.verify(amount);

  Figure shared;
  shared.warps_per_sm = p.blocks_per_sm * p.threads / 32;
  shared.size_bytes = p.size_bytes;
  shared.params = fmt::format("path={};{}={};launches={};blocks={};threads={}", path_name, p.amount_name, amount, count,
                              p.blocks, p.threads);
  shared.verified = problem.empty();
  shared.notes = idle_notes;
  if (!problem.empty()) shared.notes.push_back("checksum check failed: " + problem);
  const double bytes = p.bytes(amount);
  const auto gbs = part_medians(load, [&](const LaunchTiming& t) { return t.wall_ns > 0 ? bytes / t.wall_ns : 0; });
  if (!gbs.empty()) shared.notes.push_back(fmt::format("read at {:.0f} GB/s (%globaltimer, median of the parts)",
                                                       summarize(gbs).median));
  report_energy(st, load, std::vector<double>(size_t(count), bytes), kPerByte, shared, idle_w);
}

// A global read stream over `bytes` of device memory (DRAM or L2 by its size).
Path global_path(State& st, size_t bytes, long probe_passes) {
  Path p;
  p.blocks_per_sm = std::min(stream_blocks_per_sm(kThreads), kMaxStreamBlocksPerSm);
  p.blocks = st.device().sm_count * p.blocks_per_sm;
  p.size_bytes = (long long)bytes;
  p.probe_amount = probe_passes;
  DeviceBuffer& data = st.buffer("energy.stream");
  data.reserve(bytes);
  State::check(fill_words(static_cast<uint64_t*>(data.get()), bytes / 8, st.stream()), "fill");
  st.wait("fill");
  unsigned long long* sums = sums_buffer(st, p.blocks);
  const void* d = data.get();
  const int blocks = p.blocks;
  p.launch = [&st, d, bytes, blocks, sums](long passes, unsigned long long* t) {
    return launch_stream_read(d, bytes, passes, blocks, kThreads, sums, t, st.stream());
  };
  p.bytes = [bytes](long passes) { return double(bytes) * double(passes); };
  p.verify = [&st, bytes, blocks](long passes) -> std::string {
    const auto r = download_sums(st, blocks);
    unsigned long long sum = 0, words = 0;
    for (int b = 0; b < blocks; ++b) {
      sum += r[2 * size_t(b)];
      words += r[2 * size_t(b) + 1];
    }
    const uint64_t want_sum = expected_stream_sum(bytes / 8, passes);
    const unsigned long long want_words = (unsigned long long)(bytes / 8) * (unsigned long long)passes;
    if (words != want_words) return fmt::format("{} words read, {} expected", words, want_words);
    if (sum != want_sum) return fmt::format("checksum {:#x}, {:#x} expected", sum, want_sum);
    return "";
  };
  return p;
}

void run_dram(State& st) {
  const DeviceInfo& dev = st.device();
  // Sixteen times the L2 (at least 1 GiB): each pass evicts the last, so the reads come from DRAM.
  size_t bytes = std::max(kMinDramBytes, size_t(16) * size_t(dev.l2_bytes));
  bytes = std::min(bytes, size_t(dev.global_mem_bytes / 8)) / 16 * 16;
  if (bytes < size_t(4) * size_t(dev.l2_bytes) || bytes == 0) {
    st.skip_point(fmt::format("an eighth of device memory ({} B) is not 4x the L2 ({} B): no DRAM-bound working set",
                              dev.global_mem_bytes / 8, dev.l2_bytes));
    return;
  }
  run_path(st, "dram", global_path(st, bytes, 2));
}

void run_l2(State& st) {
  const DeviceInfo& dev = st.device();
  // A quarter of the L2: resident in both halves of a partitioned L2 after the first pass.
  const size_t bytes = size_t(dev.l2_bytes) / 4 / 16 * 16;
  if (bytes == 0) {
    st.skip_point("the device reports no L2 size");
    return;
  }
  Path p = global_path(st, bytes, 200);
  // One untimed pass first, so that the data sits in L2 before the load begins.
  st.time_launches(1, p.blocks, 0, [&](int, unsigned long long* t) { return p.launch(1, t); });
  run_path(st, "l2", p);
}

void run_shared(State& st) {
  Path p;
  p.blocks_per_sm = std::min(shared_blocks_per_sm(kThreads), kMaxSharedBlocksPerSm);
  if (p.blocks_per_sm < 1) {
    st.skip_point(fmt::format("a block of {} threads with {} B of shared memory does not fit on one SM", kThreads,
                              shared_stream_bytes(kThreads)));
    return;
  }
  p.blocks = st.device().sm_count * p.blocks_per_sm;
  p.size_bytes = (long long)shared_stream_bytes(kThreads);
  p.probe_amount = 2000;
  p.amount_name = "iterations";
  unsigned long long* sums = sums_buffer(st, p.blocks);
  const int blocks = p.blocks;
  p.launch = [&st, blocks, sums](long iterations, unsigned long long* t) {
    return launch_shared_read(iterations, blocks, kThreads, sums, t, st.stream());
  };
  p.bytes = [blocks](long iterations) { return double(blocks) * double(iterations) * double(shared_stream_bytes(kThreads)); };
  p.verify = [&st, blocks](long iterations) -> std::string {
    const auto r = download_sums(st, blocks);
    const uint32_t want = expected_shared_sum(kThreads, iterations);
    const unsigned long long want_words = (unsigned long long)iterations * kThreads * kSharedVectorsPerThread * 4;
    for (int b = 0; b < blocks; ++b) {
      if (r[2 * size_t(b) + 1] != want_words)
        return fmt::format("block {}: {} words read, {} expected", b, r[2 * size_t(b) + 1], want_words);
      if (uint32_t(r[2 * size_t(b)]) != want)
        return fmt::format("block {}: checksum {:#x}, {:#x} expected", b, uint32_t(r[2 * size_t(b)]), want);
    }
    return "";
  };
  run_path(st, "shared", p);
}

core::Benchmark path_benchmark(const char* name, const char* ptx, const char* kernel, const char* opcodes,
                               void (*run)(State&)) {
  core::Benchmark c;
  c.row.family = "energy";
  c.row.atom = name;
  c.row.ptx = ptx;
  c.table = "energy";
  c.selection_tag = std::string("energy/") + name;
  c.sass_kernel = kernel;
  c.sass_opcodes = opcodes;
  c.unsupported = [](const DeviceInfo&) { return unavailable_reason(); };
  c.run = run;
  return c;
}

}  // namespace

std::vector<core::Benchmark> path_benchmarks() {
  return {
      path_benchmark("dram_read", "ld.global.cg.v2.u64", "energy_stream_read_kernel", "^LDG", &run_dram),
      path_benchmark("l2_read", "ld.global.cg.v2.u64", "energy_stream_read_kernel", "^LDG", &run_l2),
      path_benchmark("shared_read", "ld.shared.v4.u32", "energy_shared_read_kernel", "^LDS", &run_shared),
  };
}

}  // namespace tcb::energy
