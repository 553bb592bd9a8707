// The sweep runner: for each selected benchmark, check support, verify the kernel against the
// CPU reference, measure latency and the warps x ILP throughput grid, and emit ResultRows.
#pragma once
#include <csignal>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include "harness/config.hpp"
#include "harness/device_info.hpp"
#include "harness/registry.hpp"
#include "harness/result_row.hpp"
#include "harness/watchdog.hpp"

namespace tcb {

struct AtomSassInfo {
  std::vector<std::string> opcodes;  // tensor-core opcodes found in the atom's kernels
  bool native = false;
};

struct RunSummary;

struct RunOptions {
  SweepConfig config;
  DeviceInfo device;
  // SASS facts for the device's architecture, keyed by atom name; empty when not inspected.
  std::map<std::string, AtomSassInfo> sass;
  bool sass_inspected = false;
  std::string sass_status;                            // why not inspected (row notes), when not
  bool progress = false;                              // live progress lines on stderr
  std::function<void(const ResultRow&)> on_row;        // called as each row is final
  const volatile std::sig_atomic_t* stop = nullptr;   // set by SIGINT: finish the point, then stop
  uint64_t seed = 0x7cbe7c5eedULL;
  // Watchdog: the longest one wait for the GPU may take (a point's launches); <= 0: none.
  double timeout_seconds = kDefaultWatchdogSeconds;
  // Called when a benchmark outlived the watchdog, after its "timed_out" row went to on_row,
  // with the summary so far (timed_out set). The kernel still runs and holds the CUDA context:
  // write the outputs and end the process (_exit); it must not return (see harness/watchdog.hpp).
  std::function<void(const RunSummary&)> on_timeout;
};

struct RunSummary {
  int benchmarks = 0, skipped = 0, rows = 0, invalid = 0, discarded_samples = 0;
  bool interrupted = false;
  bool timed_out = false;      // the watchdog stopped the sweep (see RunOptions::on_timeout)
  std::string timeout_note;    // which benchmark, which wait, how long
  double wall_seconds = 0;
  double sm_clock_mhz_median = 0;  // over all kept latency and throughput samples; 0: none
  int sm_clock_samples = 0;
  std::map<std::string, double> family_seconds;  // wall time per instruction family
  // Where the wall time went: GPU launches (with their synchronisation and downloads), CPU
  // operand generation, CPU verification (including waits for the background reference).
  std::map<std::string, double> phase_seconds;
};

// The benchmarks of the config's families (test families, e.g. "selftest", only when named)
// that its include/exclude patterns select, in registry order.
std::vector<const Benchmark*> select_benchmarks(const SweepConfig& config);

// The plausibility guard every reported figure passes: "" when the kept samples may be reported,
// else why not: a non-finite sample (a difference divided by zero, an overflow) or a median above
// `peak`, the architectural bound in the same unit (peak <= 0: no bound).
std::string plausibility_problem(const std::vector<double>& samples, double peak);

RunSummary run_sweep(const RunOptions& options, std::vector<ResultRow>* rows);

}  // namespace tcb
