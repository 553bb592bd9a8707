// Kernel launch overhead and the smallest kernel's time: batches of one-thread kernels launched
// back to back on one stream (launch.stream: launch_overhead_us) and from a CUDA graph
// (launch.graph: kernel_time_us), with CUPTI's activity records as an independent check of the
// graph's figure. Method: docs/movement.md, "Off-chip paths".
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "families/movement/common.cuh"
#include "families/movement/off_chip.hpp"
#include "families/movement/off_chip_kernels.hpp"
#include "families/movement/on_chip.hpp"
#include "harness/core/stats.hpp"
#include "harness/core/timing.cuh"
#include "harness/device/cupti.hpp"

namespace tcb::movement::offchip {
namespace {

// Two batch sizes: the per-kernel figure is (span of the larger batch - span of the smaller) /
// (difference in kernels), which cancels the batch's first launch and its last kernel's own time.
constexpr int kSmallBatch = 32, kLargeBatch = 160;

enum class Mode { stream, graph };

double median(std::vector<double> v) { return summarize(v).median; }

// The stamps (each kernel's %globaltimer start) of every batch: all written, in launch order.
Check check_stamps(const std::vector<unsigned long long>& stamps, int batches, int kernels) {
  Check check;
  for (int b = 0; b < batches; ++b) {
    const unsigned long long* s = &stamps[size_t(b) * kernels];
    for (int k = 0; k < kernels; ++k) {
      if (s[k] == 0) {
        check.fail(fmt::format("batch {}: kernel {} did not run (no start stamp)", b, k));
        break;
      }
      if (k > 0 && s[k] < s[k - 1]) {
        check.fail(fmt::format("batch {}: kernel {} started before kernel {}", b, k, k - 1));
        break;
      }
    }
  }
  return check;
}

// Median gap between consecutive kernels' start stamps (us).
double median_gap_us(const std::vector<unsigned long long>& stamps, int batches, int kernels) {
  std::vector<double> gaps;
  for (int b = 0; b < batches; ++b)
    for (int k = 1; k < kernels; ++k)
      gaps.push_back(double(stamps[size_t(b) * kernels + k] - stamps[size_t(b) * kernels + k - 1]) / 1e3);
  return gaps.empty() ? 0 : median(gaps);
}

struct Batches {
  std::vector<core::LaunchTiming> timings;
  std::vector<unsigned long long> stamps;
  double host_us_per_launch = 0;  // stream: median over batches of the host's enqueue time per kernel
};

// Times `launches` batches of `kernels` kernels (the first cfg.warmup untimed).
Batches time_batches(core::State& st, Mode mode, int kernels, cudaStream_t capture) {
  const SweepConfig& cfg = st.config();
  const int launches = cfg.warmup + cfg.repetitions;
  auto* stamps = static_cast<unsigned long long*>(
      zeroed(st, "movement.launch.stamps", size_t(launches) * kernels * sizeof(unsigned long long)));
  std::vector<cudaGraphExec_t> graphs;
  std::vector<double> host_us;
  Batches out;
  try {
    out.timings = st.time_launches(launches, kernels, cfg.warmup, [&](int i, unsigned long long* timing) {
      unsigned long long* s = stamps + size_t(i) * kernels;
      if (mode == Mode::stream) {
        const auto t0 = std::chrono::steady_clock::now();
        const cudaError_t e = launch_empty_batch(kernels, timing, s, st.stream());
        host_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
                          kernels);
        return e;
      }
      // The graph records this batch's timing pointers, so each batch is captured anew (on a
      // stream of our own, while earlier batches run).
      cudaGraphExec_t exec = nullptr;
      const cudaError_t e = capture_empty_graph(kernels, timing, s, capture, &exec);
      if (e != cudaSuccess) return e;
      graphs.push_back(exec);
      return cudaGraphLaunch(exec, st.stream());
    });
  } catch (...) {
    for (auto g : graphs) cudaGraphExecDestroy(g);
    throw;
  }
  for (auto g : graphs) cudaGraphExecDestroy(g);
  out.stamps = st.buffer("movement.launch.stamps").download_as<unsigned long long>(size_t(launches) * kernels);
  out.stamps.erase(out.stamps.begin(), out.stamps.begin() + size_t(cfg.warmup) * kernels);
  if (!host_us.empty()) out.host_us_per_launch = median(std::vector<double>(host_us.begin() + cfg.warmup, host_us.end()));
  return out;
}

// CUPTI's view of one more graph batch: the median start-to-start gap and the median duration of
// the kernels, or why there is none.
std::string cupti_cross_check(core::State& st, cudaStream_t capture, double stamp_gap_us) {
  CuptiKernelTrace& trace = CuptiKernelTrace::instance();
  if (!trace.available()) return "CUPTI cross-check: " + trace.unavailable_reason();
  auto* timing = static_cast<unsigned long long*>(
      sized_buffer(st, "movement.launch.cupti_timing", size_t(kLargeBatch) * kTimingWords * 8).get());
  auto* stamps = static_cast<unsigned long long*>(zeroed(st, "movement.launch.cupti_stamps", size_t(kLargeBatch) * 8));
  // Tracing starts before the graph is instantiated: CUPTI may only see graphs it saw built.
  if (!trace.begin()) return "CUPTI cross-check: " + trace.unavailable_reason();
  cudaGraphExec_t exec = nullptr;
  cudaError_t e = capture_empty_graph(kLargeBatch, timing, stamps, capture, &exec);
  if (e == cudaSuccess) e = cudaGraphLaunch(exec, st.stream());
  if (e == cudaSuccess) st.wait("CUPTI batch");
  const std::vector<KernelRecord> records = trace.end();
  if (exec) cudaGraphExecDestroy(exec);
  core::State::check(e, "CUPTI batch");
  std::vector<const KernelRecord*> mine;
  for (const auto& r : records)
    if (r.name.find(kEmptyKernelName) != std::string::npos && r.has_timing()) mine.push_back(&r);
  if (int(mine.size()) != kLargeBatch)
    return fmt::format("CUPTI cross-check: {} timed records of the {} kernels", mine.size(), kLargeBatch);
  std::sort(mine.begin(), mine.end(), [](auto* a, auto* b) { return a->start_ns < b->start_ns; });
  std::vector<double> gaps, durations;
  for (size_t k = 0; k < mine.size(); ++k) {
    durations.push_back(mine[k]->duration_ns() / 1e3);
    if (k) gaps.push_back(double(mine[k]->start_ns - mine[k - 1]->start_ns) / 1e3);
  }
  return fmt::format("CUPTI cross-check (one more graph batch, traced): start-to-start {:.2f} us (in-kernel "
                     "%globaltimer stamps untraced: {:.2f} us), kernel duration {:.2f} us",
                     median(gaps), stamp_gap_us, median(durations));
}

void run_launch(core::State& st, Mode mode) {
  const SweepConfig& cfg = st.config();
  cudaStream_t capture = nullptr;
  core::State::check(cudaStreamCreateWithFlags(&capture, cudaStreamNonBlocking), "capture stream");
  struct StreamGuard {
    cudaStream_t s;
    ~StreamGuard() { cudaStreamDestroy(s); }
  } guard{capture};
  const Batches small = time_batches(st, mode, kSmallBatch, capture);
  const Batches large = time_batches(st, mode, kLargeBatch, capture);
  Check check = check_stamps(small.stamps, cfg.repetitions, kSmallBatch);
  const Check large_check = check_stamps(large.stamps, cfg.repetitions, kLargeBatch);
  if (!large_check.ok) check.fail(large_check.note());

  core::Figure f;
  f.metric = mode == Mode::stream ? "launch_overhead_us" : "kernel_time_us";
  f.unit = "us";
  f.params = fmt::format("kernels={},{};block=1x1", kSmallBatch, kLargeBatch);
  for (size_t r = 0; r < large.timings.size() && r < small.timings.size(); ++r) {
    // The SM clock of an empty kernel is not measurable (its timed region lasts nanoseconds): 0.
    const double us = (large.timings[r].wall_ns - small.timings[r].wall_ns) / double(kLargeBatch - kSmallBatch) / 1e3;
    f.samples.push_back({us, 0, large.timings[r].throttled || small.timings[r].throttled});
  }
  const bool positive = std::all_of(f.samples.begin(), f.samples.end(), [](const core::Sample& s) { return s.value > 0; });
  f.verified = check.ok && positive;
  if (!check.ok) f.notes.push_back("output check failed: " + check.note());
  else f.notes.push_back("every kernel of every batch ran, in launch order (start stamps)");
  if (!positive) f.notes.push_back("a per-kernel time is not positive: the timing is broken");
  const double gap = median_gap_us(large.stamps, cfg.repetitions, kLargeBatch);
  f.notes.push_back(fmt::format("(span of {} kernels - span of {}) / {}; median start-to-start gap {:.2f} us", kLargeBatch,
                                kSmallBatch, kLargeBatch - kSmallBatch, gap));
  if (mode == Mode::stream)
    f.notes.push_back(fmt::format("host enqueue time {:.2f} us per launch (cudaLaunchKernel)", large.host_us_per_launch));
  else
    f.notes.push_back(cupti_cross_check(st, capture, gap));
  const ResultRow& r = st.report(std::move(f));
  st.say(fmt::format("{} {:.2f} us{}", r.metric, r.stats.median, r.valid ? "" : " (INVALID: " + r.note + ")"));
}

}  // namespace

std::vector<core::Benchmark> launch_benchmarks() {
  return {
      movement_benchmark("launch.stream", "cudaLaunchKernel", 70, empty_kernel_ptr(), kEmptyKernelName, "^(STG|EXIT)",
                         [](core::State& st) { run_launch(st, Mode::stream); }),
      movement_benchmark("launch.graph", "cudaGraphLaunch", 70, empty_kernel_ptr(), kEmptyKernelName, "^(STG|EXIT)",
                         [](core::State& st) { run_launch(st, Mode::graph); }),
  };
}

}  // namespace tcb::movement::offchip
