// Worker processes (tcbench run --devices): each started with fork + execve in its own process
// group (a terminal's Ctrl-C reaches only the parent, which forwards one stop request, so that a
// worker never sees the second Ctrl-C that would end it at once), its output in a log file, and
// told to stop (SIGTERM) if the parent dies. Waited for without blocking, reaped with the CPU time
// and context switches it used: the host side of interference.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

namespace tcb {

struct ChildSpec {
  std::vector<std::string> argv;                            // argv[0] is the program's path
  std::vector<std::pair<std::string, std::string>> env;     // set on top of this process's environment
  std::string log_path;                                     // stdout and stderr (truncated)
};

struct RunningChild {
  pid_t pid = -1;
  std::chrono::steady_clock::time_point start;
};

struct ChildResult {
  pid_t pid = -1;
  int exit_code = -1;  // -1 when it ended by a signal
  int signal = 0;      // the signal that ended it, 0 when it exited
  double wall_seconds = 0, user_seconds = 0, system_seconds = 0;
  long voluntary_switches = 0, involuntary_switches = 0, max_rss_kb = 0;
  bool stop_forwarded = false;  // it was asked to stop (SIGINT) because this process was
  bool crashed() const { return signal != 0 && !stop_forwarded; }
  std::string describe() const;  // "exit 0", "killed by signal 11 (Segmentation fault)"
  nlohmann::json to_json() const;
};

// Starts the child; pid -1 and *error when fork or the log file failed (an exec failure shows as
// exit 127 with the reason in the log).
RunningChild start_child(const ChildSpec& spec, std::string* error);

// Waits for every child, calling on_exit(i, result) as child i ends; once *stop is set, each
// child still running is sent SIGINT (once). Returns the results in the children's order.
std::vector<ChildResult> wait_children(const std::vector<RunningChild>& children,
                                       const volatile std::sig_atomic_t* stop,
                                       const std::function<void(size_t, const ChildResult&)>& on_exit);

}  // namespace tcb
