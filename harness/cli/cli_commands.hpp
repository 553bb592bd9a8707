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
  std::string arch;                       // tcbench info --arch sm_XX: the plan without a GPU
  bool no_progress = false;
  // tcbench run / sass: results safety (docs/results_safety.md)
  bool force = false;                     // replace the results an existing --out folder holds
  bool no_sass = false;                   // run without SASS inspection (conservative operands)
  double timeout_seconds = kDefaultWatchdogSeconds;  // watchdog per GPU wait; 0: none
  std::vector<std::string> run_families;  // tcbench run --family (overrides the config's)
  // tcbench run --devices: one worker process per GPU (harness/cli/cmd_node.hpp)
  std::string devices;                    // "all" or "0,2,5"; empty: one GPU in this process
  bool interference = false;              // solo sweeps first, then the concurrent one, compared
  // tcbench model
  std::string model_preset, model_instr, model_in, model_out;
  int model_k = 0;
};

struct RunOptions;

int cmd_info(const CommandLine&);
int cmd_list(const CommandLine&);
int cmd_run(const CommandLine&);
int cmd_sass(const CommandLine&);
int cmd_model(const CommandLine&);  // harness/cli/cmd_model.cpp

// The sweep `tcbench run` would run: the config (embedded or --config) with --filter, --family,
// --data and --timeout applied, checked to select something. kExitOk, or the exit code after a
// message (kExitConfig, kExitUsage). Touches no GPU.
int load_run_config(const CommandLine& cl, RunOptions* opt);
std::string self_binary();  // this executable's path ("" when /proc/self/exe cannot be read)
// Says on stderr why there is no GPU (the error of query_device or list_gpus); returns kExitNoGpu.
int no_gpu(const std::string& error);

}  // namespace tcb
