// The sweep runner: for each selected benchmark of any family, check that the GPU can run it,
// hand it a State (harness/core/state.hpp) and let its run function measure and report. The
// runner knows no family: selection, skipping, errors, the watchdog, interruption and the run
// summary are the same for all.
#pragma once
#include <csignal>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include "harness/core/benchmark.hpp"
#include "harness/core/config.hpp"
#include "harness/core/state.hpp"
#include "harness/core/watchdog.hpp"
#include "harness/device/device_info.hpp"
#include "harness/io/result_row.hpp"

namespace tcb {

struct RunSummary;

struct RunOptions {
  SweepConfig config;
  DeviceInfo device;
  // SASS facts for the device's architecture, keyed by the rows' atom name; empty when not inspected.
  std::map<std::string, core::SassFacts> sass;
  bool sass_inspected = false;
  std::string sass_status;                            // why not inspected (row notes), when not
  bool progress = false;                              // live progress lines on stderr
  // Called as each row is final, with the results table of its benchmark ("instructions", ...).
  std::function<void(const ResultRow&, const std::string& table)> on_row;
  const volatile std::sig_atomic_t* stop = nullptr;   // set by SIGINT: finish the point, then stop
  uint64_t seed = 0x7cbe7c5eedULL;
  // Watchdog: the longest one wait for the GPU may take (a point's launches); <= 0: none.
  double timeout_seconds = kDefaultWatchdogSeconds;
  // Called when a benchmark outlived the watchdog, after its "timed_out" row went to on_row,
  // with the summary so far (timed_out set). The kernel still runs and holds the CUDA context:
  // write the outputs and end the process (_exit); it must not return (see harness/core/watchdog.hpp).
  std::function<void(const RunSummary&)> on_timeout;
};

struct RunSummary {
  int benchmarks = 0, skipped = 0, rows = 0, invalid = 0, discarded_samples = 0;
  bool interrupted = false;
  bool timed_out = false;      // the watchdog stopped the sweep (see RunOptions::on_timeout)
  std::string timeout_note;    // which benchmark, which wait, how long
  double wall_seconds = 0;
  double sm_clock_mhz_median = 0;  // over all kept samples; 0: none
  int sm_clock_samples = 0;
  std::map<std::string, double> family_seconds;  // wall time per family
  // Where the wall time went: GPU launches (with their synchronisation and downloads), CPU
  // operand generation, CPU verification (including waits for the background reference).
  std::map<std::string, double> phase_seconds;
  std::vector<std::string> tables;  // the results tables the rows went to, in first-use order
  core::CuptiCheck cupti;           // CUPTI's kernel records against the in-kernel timing
  nlohmann::json run_info = nlohmann::json::object();  // families' own run.json entries
};

// The benchmarks of the config's families (test families, e.g. "selftest", only when named)
// that its include/exclude patterns select (matched against the name, the selection tag and the
// PTX), in registry order.
std::vector<const core::Benchmark*> select_benchmarks(const SweepConfig& config);

RunSummary run_sweep(const RunOptions& options, std::vector<ResultRow>* rows);

}  // namespace tcb
