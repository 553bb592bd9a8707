// Running external tools (cuobjdump, nvdisasm) and capturing what they print.
#pragma once
#include <string>

namespace tcb {

// POSIX shell single-quoting.
std::string shell_quote(const std::string& s);

// Runs `command` through /bin/sh; its standard output goes to *out, its standard error to *err
// (kept apart, so that warnings never mix into a disassembly). Returns the exit status, or -1
// when the command could not be run or did not exit normally.
int run_capture(const std::string& command, std::string* out, std::string* err);

// Path of the first executable file `name` in a PATH folder; "" when none.
std::string find_on_path(const std::string& name);

// The places locate_tool searches, in words, for "not found" messages.
extern const char* const kToolSearchPlaces;

// Path of an executable tool (cuobjdump, nvdisasm); "" when none is found. A name with a '/' is
// taken as given; otherwise PATH first, then the building toolkit's bin, $CUDA_HOME/bin, /usr/local/cuda/bin, then the bin
// folders of NVIDIA's PyPI wheels (site-packages/nvidia/<x>/bin, e.g. nvidia/cu13/bin, found by
// asking python3 where its `nvidia` package lives; asked only when the other places lack the
// tool). scripts/setup.sh installs cuobjdump and nvdisasm from those wheels on machines whose
// CUDA toolkit lacks them: so they are found without PATH changes.
std::string locate_tool(const std::string& name);

}  // namespace tcb
