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

namespace tcb {

struct AtomSassInfo {
  std::vector<std::string> opcodes;  // tensor-core opcodes found in the atom's kernels
  bool native = false;
};

struct RunOptions {
  SweepConfig config;
  DeviceInfo device;
  // SASS facts for the device's architecture, keyed by atom name; empty when not inspected.
  std::map<std::string, AtomSassInfo> sass;
  bool sass_inspected = false;
  bool progress = false;                              // live progress lines on stderr
  std::function<void(const ResultRow&)> on_row;        // called as each row is final
  const volatile std::sig_atomic_t* stop = nullptr;   // set by SIGINT: finish the point, then stop
  uint64_t seed = 0x7cbe7c5eedULL;
};

struct RunSummary {
  int benchmarks = 0, skipped = 0, rows = 0, invalid = 0, discarded_samples = 0;
  bool interrupted = false;
  double wall_seconds = 0;
  double sm_clock_mhz_median = 0;  // over all kept throughput samples
  std::map<std::string, double> family_seconds;  // wall time per instruction family
  // Where the wall time went: GPU launches (with their synchronisation and downloads), CPU
  // operand generation, CPU verification (including waits for the background reference).
  std::map<std::string, double> phase_seconds;
};

std::vector<const Benchmark*> select_benchmarks(const SweepConfig& config);
RunSummary run_sweep(const RunOptions& options, std::vector<ResultRow>* rows);

}  // namespace tcb
