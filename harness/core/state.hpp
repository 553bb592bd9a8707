// What a benchmark's run function receives (nvbench's State): everything that is not the
// family's. The State launches and times the measured region from the per-block timing records
// (harness/core/timing.cuh), brackets it with NVML's throttle reasons, waits under the watchdog,
// keeps the unthrottled samples, applies the plausibility bound and the family's verification
// verdict, and emits rows through the one results schema. The family only describes its work:
// which kernel, how much work a launch does, how to verify it, and the physical ceiling.
#pragma once
#include <cuda_runtime.h>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "harness/core/benchmark.hpp"
#include "harness/core/config.hpp"
#include "harness/core/watchdog.hpp"
#include "harness/device/cupti.hpp"
#include "harness/device/device_buffer.hpp"
#include "harness/device/device_info.hpp"
#include "harness/io/result_row.hpp"

namespace tcb::core {

// SASS facts of one benchmark's kernels for the device's architecture.
struct SassFacts {
  std::vector<std::string> opcodes;  // the opcodes that identify the work (tensor-core, LDSM, ...)
  bool native = false;
};

// Adds the wall time of its scope to *to, however the scope ends (phase and family seconds).
struct ChargeSeconds {
  double* to;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~ChargeSeconds() { *to += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};

// One launch, from its per-block timing records.
struct LaunchTiming {
  double cycles = 0;          // block 0: clock64 end - start
  double ns = 0;              // block 0: %globaltimer end - start
  double sm_span_cycles = 0;  // sum over SMs of (latest end - earliest start) of that SM's blocks
  double wall_ns = 0;         // latest end - earliest start over every block (%globaltimer)
  double sm_clock_mhz = 0;    // median over blocks of Δclock64 / Δ%globaltimer
  int sms = 0;                // SMs that ran at least one block
  bool even_placement = true; // every SM that ran a block ran the same number of blocks
  bool throttled = false;     // NVML reported a clock-lowering reason around the launches
  double cupti_ns = 0;        // CUPTI's duration of this launch (0: not checked, see cupti_check_every)
  bool timing_suspect = false;  // the in-kernel wall time exceeds CUPTI's duration of the kernel
};

// One launch's per-block timing records (timing.cuh: kTimingWords per block) -> its timing.
LaunchTiming summarise_launch(const unsigned long long* records, int blocks, int sm_count);

// One timed sample of a figure: its value and the clock it was taken at.
struct Sample {
  double value = 0;
  double sm_clock_mhz = 0;
  bool throttled = false;
  bool timing_suspect = false;  // CUPTI disagreed with the in-kernel timing of its launch
};

// The CUPTI cross-check of in-kernel timing over a run (run.json "cupti_check").
struct CuptiCheck {
  std::string unavailable;       // why CUPTI could not check (empty: it could)
  int points = 0;                // timed points whose launches were checked
  int launches = 0;              // launches compared with their CUPTI record
  int missing = 0;               // launches without a CUPTI record or timestamps
  int suspect = 0;               // in-kernel wall time longer than CUPTI's kernel duration
  std::vector<double> outside_ns;  // CUPTI duration - in-kernel wall time, per launch compared
};

// One reported figure: a metric at one point of the benchmark's axes, with its samples. The State
// turns it into a row: throttled samples dropped, bound and finiteness checked, stats, notes.
struct Figure {
  std::string metric, unit;          // from analysis/results_schema.json
  int warps_per_sm = 0, ilp = 0;
  long long size_bytes = 0;          // the point's size axis (working set, transfer size), 0: none
  std::string params;                // other axes, "key=value;key=value"
  std::vector<Sample> samples;
  double bound = 0;                  // the physical ceiling in unit; the median must not exceed it
  std::string bound_source;          // what the bound is ("HBM3e datasheet 4.8 TB/s", "tensor peak")
  bool bound_unknown_is_a_note = false;  // say "plausibility unchecked" when bound <= 0
  bool verified = false;             // the family's verification of the launches' output
  std::vector<std::string> notes;    // the family's remarks (verification detail, ...)
  bool keep_throttled = false;       // report every sample (e.g. a figure that is itself about clocks)
};

// The runner's side of a State: what one sweep shares between its benchmarks.
struct RunContext {
  const SweepConfig* config = nullptr;
  const DeviceInfo* device = nullptr;
  cudaStream_t stream = nullptr;
  uint64_t seed = 0;
  const volatile std::sig_atomic_t* stop = nullptr;   // set by SIGINT/SIGTERM
  const std::map<std::string, SassFacts>* sass = nullptr;  // keyed by the row's atom name
  bool sass_inspected = false;
  std::string sass_status;
  std::function<void(ResultRow)> emit;                // a finished row (counted, written)
  std::function<void(const std::string&)> say;        // a progress line for the running benchmark
  const Watchdog* watchdog = nullptr;
  std::map<std::string, double>* phase_seconds = nullptr;
  std::map<std::string, std::unique_ptr<DeviceBuffer>> buffers;  // kept for the whole sweep
  std::vector<double> kept_clocks;                    // every kept sample's SM clock (run.json)
  int discarded_samples = 0;
  long timed_points = 0;                              // time_launches calls so far
  CuptiCheck cupti;
  nlohmann::json run_info = nlohmann::json::object();  // families' run.json entries (State::set_run_info)
};

class State {
 public:
  State(const Benchmark& bench, RunContext& ctx, ResultRow base);

  const Benchmark& benchmark() const { return bench_; }
  const DeviceInfo& device() const;
  const SweepConfig& config() const;
  cudaStream_t stream() const;
  uint64_t seed() const;
  bool stop_requested() const;
  const Watchdog& watchdog() const;
  // SASS facts of this benchmark (keyed by its name), or null when not inspected / not found.
  const SassFacts* sass() const;
  bool sass_inspected() const;
  const std::string& sass_status() const;  // why not inspected, when not

  // The row every figure of this benchmark starts from (family, names, arch, SASS opcodes and
  // notes the family adds once, e.g. "operands varied per step").
  ResultRow& base_row() { return base_; }

  // Launches `launches` kernels back to back on stream(): launch(i, timing) must start launch i
  // with `blocks` blocks writing their timing records to `timing`. One wait under the watchdog,
  // one download; NVML's throttle reasons asked before and after. The first `warmup` launches are
  // dropped from the result.
  std::vector<LaunchTiming> time_launches(int launches, int blocks, int warmup,
                                          const std::function<cudaError_t(int i, unsigned long long* timing)>& launch);
  // Waits for stream() under the watchdog (what: named in the timeout message).
  void wait(const char* what);
  // Throws std::runtime_error naming `what` when e is not cudaSuccess.
  static void check(cudaError_t e, const char* what);

  // Emits one figure as a row and returns it (valid or not, with the reason in its note).
  const ResultRow& report(Figure figure);
  // Emits a "skipped" row for a point that cannot run (note says why).
  void skip_point(const std::string& note, int warps_per_sm = 0, int ilp = 0, const std::string& params = "");
  // A progress line (stderr, when the run shows progress).
  void say(const std::string& what) const;
  // Where a phase's wall time is added up (gpu_launches, cpu_operands, cpu_verification, ...).
  double* phase_seconds(const std::string& phase);

  // A device buffer kept for the whole sweep under `name` (large outputs allocated once).
  DeviceBuffer& buffer(const std::string& name);

  // A family's entry in run.json under `key` (e.g. the energy family's sampling method). The
  // key must not be one the run itself writes (the CLI refuses the clash); a later call replaces it.
  void set_run_info(const std::string& key, nlohmann::json value);

 private:
  bool start_cupti();
  void compare_with_cupti(const std::vector<KernelRecord>& kernels, std::vector<LaunchTiming>* launches);

  const Benchmark& bench_;
  RunContext& ctx_;
  ResultRow base_;
  ResultRow last_;  // the row report() returned last
};

// Samples from launch timings: value(t) for each launch, with its clock and throttle flag.
std::vector<Sample> samples_of(const std::vector<LaunchTiming>& timings,
                               const std::function<double(const LaunchTiming&)>& value);

// The plausibility guard every reported figure passes: "" when the kept samples may be reported,
// else why not: a non-finite sample or a median above `bound` (bound <= 0: no bound).
std::string plausibility_problem(const std::vector<double>& samples, double bound, const std::string& unit = "");

}  // namespace tcb::core
