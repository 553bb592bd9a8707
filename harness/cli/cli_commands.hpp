// The tcbench subcommands; main.cpp only parses arguments.
#pragma once
#include <string>
#include <vector>
#include "harness/core/watchdog.hpp"

namespace tcb {

struct CommandLine {
  std::vector<std::string> argv;
  int device = 0;
  std::string filter, family, config_path, out_dir, data, binary;
  bool no_progress = false;
  // tcbench run / sass: results safety (docs/results_safety.md)
  bool force = false;                     // replace the results an existing --out folder holds
  bool no_sass = false;                   // run without SASS inspection (conservative operands)
  double timeout_seconds = kDefaultWatchdogSeconds;  // watchdog per GPU wait; 0: none
  std::vector<std::string> run_families;  // tcbench run --family (overrides the config's)
  // tcbench model
  std::string model_preset, model_instr, model_in, model_out;
  int model_k = 0;
};

int cmd_info(const CommandLine&);
int cmd_list(const CommandLine&);
int cmd_run(const CommandLine&);
int cmd_sass(const CommandLine&);
int cmd_model(const CommandLine&);  // harness/cli/cmd_model.cpp

}  // namespace tcb
