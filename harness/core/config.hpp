// Sweep configuration: YAML files (configs/*.yaml) or the embedded default.
// Every field is validated before anything runs; errors name file, line and field.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>
#include "harness/core/data_mode.hpp"

namespace tcb {

// The benchmark families a config or `tcbench list --family` may name: those registered in this
// build (harness/core/benchmark.hpp), test families excluded.
std::vector<std::string> known_families();
// The families a sweep runs when its config names none: known_families() without those that
// have a sweep of their own (energy).
std::vector<std::string> default_families();

struct SweepConfig {
  std::string name = "default";
  std::string source;                      // file path, or "<embedded default>"
  std::vector<std::string> include;        // regexes on atom name or PTX mnemonic; empty = all
  std::vector<std::string> exclude;
  std::vector<std::string> families = default_families();
  DataMode data = DataMode::random;
  int repetitions = 5;                     // timed samples per point
  int warmup = 1;                          // untimed launches per point
  bool latency = true;
  std::vector<long> latency_steps = {256, 1024};  // two chain lengths; the difference cancels overhead
  bool throughput = true;
  std::vector<int> warps_per_sm = {1, 2, 4, 8, 16, 32, 64};
  std::vector<int> ilp = {1, 2, 4, 8};
  long throughput_steps = 512;             // mma steps per chain per launch
  double clock_tolerance = 0.90;           // samples with SM clock < this x the max seen are throttled
  double energy_window_s = 3.5;            // energy family: seconds of steady load measured per point
  // CUPTI's kernel records checked against the in-kernel timing on every Nth timed point (0: never,
  // 1: every point). A check costs a CUPTI enable/flush (docs/cupti.md), hence not every point.
  int cupti_check_every = 8;
};

// The accepted range of each numeric field, inclusive: the loader's messages quote these, and
// docs/configs must too. Upper bounds keep a typo from starting a sweep that never ends.
struct FieldRange { long long min, max; };
constexpr FieldRange kRepetitionsRange{1, 1000};
constexpr FieldRange kWarmupRange{0, 100};
constexpr FieldRange kLatencyStepsRange{1, 16384};
constexpr FieldRange kThroughputStepsRange{2, 16384};
constexpr FieldRange kWarpsPerSmRange{1, 64};
constexpr FieldRange kCuptiCheckEveryRange{0, 1000000};
// throughput.ilp: each one of 1, 2, 4, 8; clock_tolerance: a number in (0, 1].
// energy.window_s: seconds, a number in [kEnergyWindowMinS, kEnergyWindowMaxS].
constexpr double kEnergyWindowMinS = 0.5, kEnergyWindowMaxS = 60;

struct ConfigError : std::runtime_error {
  std::string file, field;
  int line = 0;  // 1-based; 0 when unknown
  ConfigError(std::string file, int line, std::string field, const std::string& message);
};

// Both throw ConfigError. A config is one YAML document holding at least one setting: an empty
// file, one of comments only or a bare '---' is refused (leave out --config for the default sweep),
// and so is a second document, a directory or a file that cannot be read. (A pipe is read,
// so `--config <(generate)` works.)
SweepConfig load_config_file(const std::string& path);
SweepConfig load_config_text(const std::string& yaml, const std::string& name);
const std::string& embedded_default_config();  // the text of configs/default.yaml, compiled in

}  // namespace tcb
