// tcbench report / compare / export: the analysis package (Python, analysis/) does the work; these
// subcommands hand it their arguments unchanged.
#pragma once
#include <string>
#include <vector>

namespace tcb {

// Runs the analysis package's `command` with `args`: `tcbench-analysis` when it is on the PATH
// (pip install ./analysis), else `python3 -m analysis` from the source tree this tcbench was built
// from (on the PYTHONPATH). It replaces this process, so its exit status (0, 1 untrusted data or
// unwritable output, 2 usage) and its output are the command's own. Returns kExitFailure, with a
// message naming what is missing and how to install it, when neither can run.
int cmd_analysis(const std::string& command, const std::vector<std::string>& args);

}  // namespace tcb
