#include "harness/core/watchdog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "harness/device/device_info.hpp"

namespace tcb {

Deadline Deadline::after(double seconds, Clock::time_point now) {
  Deadline d;
  if (!(seconds > 0)) return d;  // 0: no watchdog (the CLI refuses NaN and negatives)
  seconds = std::min(seconds, kMaxWatchdogSeconds);  // a duration_cast of a huge value overflows
  d.set_ = true;
  d.seconds_ = seconds;
  d.at_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  return d;
}

void write_and_exit(const char* command, const std::function<int()>& write_outputs) {
  int code = kExitTimedOut;
  try {
    code = write_outputs();
  } catch (const std::exception& e) {
    fmt::print(stderr, "tcbench {}: watchdog: could not write the outputs: {}\n", command, e.what());
  }
  std::fflush(nullptr);
  std::_Exit(code);
}

WaitOutcome wait_polling(const std::function<PollState()>& poll, const Deadline& deadline,
                         std::chrono::microseconds pause) {
  const auto spin_until = Deadline::Clock::now() + std::chrono::milliseconds(2);
  for (;;) {
    const PollState s = poll();
    if (s == PollState::done) return WaitOutcome::done;
    if (s == PollState::failed) return WaitOutcome::failed;
    const auto now = Deadline::Clock::now();
    if (deadline.expired(now)) return WaitOutcome::expired;
    if (now < spin_until) std::this_thread::yield();
    else std::this_thread::sleep_for(pause);
  }
}

void Watchdog::wait(cudaStream_t stream, const char* what) const {
  cudaError_t err = cudaSuccess;
  const WaitOutcome o = wait_polling(
      [&] {
        err = cudaStreamQuery(stream);
        return err == cudaSuccess ? PollState::done : err == cudaErrorNotReady ? PollState::pending : PollState::failed;
      },
      Deadline::after(seconds));
  if (o == WaitOutcome::done) return;
  if (o == WaitOutcome::failed) throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(err)));
  if (on_expiry) on_expiry(what);
  std::fprintf(stderr, "tcbench: watchdog: %s did not finish within %g s\n", what, seconds);
  std::_Exit(kExitTimedOut);
}

}  // namespace tcb
