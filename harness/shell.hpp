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

}  // namespace tcb
