// The watchdog of the runner and the numerics case runner. cudaStreamSynchronize waits forever
// on a kernel that never finishes; instead the stream is polled (cudaStreamQuery) against a
// deadline set when the wait begins: the work queued at once (a point's launches, a batch of
// cases) must finish within the timeout. CPU work between waits never counts. A kernel that is
// still running at the deadline holds the CUDA context for good: nothing on the device can be
// freed or synchronised any more (cudaFree waits for it too), so the watchdog does not unwind;
// it calls its expiry handler, which writes what was measured and ends the process (_exit),
// letting the driver tear the context down.
#pragma once
#include <cuda_runtime.h>

#include <chrono>
#include <functional>
#include <string>

namespace tcb {

// How long one wait for the GPU may take by default: the slowest point of the shipped sweeps
// (all its repetitions) takes well under a second, so this only ever catches a hang.
constexpr double kDefaultWatchdogSeconds = 120;
constexpr double kMaxWatchdogSeconds = 86400;  // a day: --timeout is bounded like every other number

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  static Deadline none() { return Deadline(); }
  // `seconds` from `now`; seconds <= 0: no deadline.
  static Deadline after(double seconds, Clock::time_point now = Clock::now());
  bool expired(Clock::time_point now = Clock::now()) const { return set_ && now >= at_; }
  double seconds() const { return seconds_; }  // the budget it was set with; 0: none
 private:
  bool set_ = false;
  Clock::time_point at_{};
  double seconds_ = 0;
};

enum class PollState { done, pending, failed };
enum class WaitOutcome { done, failed, expired };

// Calls poll() until it answers done or failed, or the deadline passes: for the first
// milliseconds back to back (yielding), then with `pause` between calls, so that short waits
// cost no more than a blocking synchronisation and long ones no CPU.
WaitOutcome wait_polling(const std::function<PollState()>& poll, const Deadline& deadline,
                         std::chrono::microseconds pause = std::chrono::microseconds(500));

// The end of a command whose kernel outlived the watchdog: the kernel still holds the GPU, so no
// destructor may run (cudaFree would wait for it) and no exception may escape (a handler would
// synchronise with the device). Runs `write_outputs` (its exit code; kExitTimedOut if it throws,
// saying so as "tcbench <command>: ..."), flushes, and ends the process with std::_Exit.
[[noreturn]] void write_and_exit(const char* command, const std::function<int()>& write_outputs);

struct Watchdog {
  double seconds = 0;  // the longest one wait may take; <= 0: no limit
  // Called once the deadline passed with the stream still busy; `what` names the wait. Must not
  // return (see above); if it does, the process ends with kExitTimedOut anyway.
  std::function<void(const std::string& what)> on_expiry;

  // Waits for the work queued on `stream`, at most `seconds` from now. Throws
  // std::runtime_error "<what>: <CUDA error>" when the work failed.
  void wait(cudaStream_t stream, const char* what) const;
};

}  // namespace tcb
