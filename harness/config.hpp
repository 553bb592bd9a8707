// Sweep configuration: YAML files (configs/*.yaml) or the embedded default.
// Every field is validated before anything runs; errors name file, line and field.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>
#include "operands.hpp"

namespace tcb {

struct SweepConfig {
  std::string name = "default";
  std::string source;                      // file path, or "<embedded default>"
  std::vector<std::string> include;        // regexes on atom name or PTX mnemonic; empty = all
  std::vector<std::string> exclude;
  std::vector<std::string> families = {"mma.sync", "mma.sp", "wmma", "wgmma"};
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
};

struct ConfigError : std::runtime_error {
  std::string file, field;
  int line = 0;  // 1-based; 0 when unknown
  ConfigError(std::string file, int line, std::string field, const std::string& message);
};

SweepConfig load_config_file(const std::string& path);                           // throws ConfigError
SweepConfig load_config_text(const std::string& yaml, const std::string& name);  // throws ConfigError
const std::string& embedded_default_config();  // the text of configs/default.yaml, compiled in

}  // namespace tcb
