// SIGINT/SIGTERM ask a long command (run, numerics) to stop at the next safe point; it keeps
// what it measured. A second Ctrl-C ends the process at once.
#pragma once
#include <csignal>

namespace tcb {

// Installs the handlers and returns the flag they set (one flag for the whole process).
const volatile std::sig_atomic_t& stop_on_signals();

}  // namespace tcb
