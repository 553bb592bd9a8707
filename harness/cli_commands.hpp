// The tcbench subcommands; main.cpp only parses arguments.
#pragma once
#include <string>
#include <vector>

namespace tcb {

struct CommandLine {
  std::vector<std::string> argv;
  int device = 0;
  std::string filter, family, config_path, out_dir, data, binary;
  bool no_progress = false;
};

int cmd_info(const CommandLine&);
int cmd_list(const CommandLine&);
int cmd_run(const CommandLine&);
int cmd_sass(const CommandLine&);

}  // namespace tcb
