// The test-only family "selftest": "selftest.spin_forever" launches a kernel that spins until a
// flag nobody sets, to prove that the runner's watchdog (harness/core/watchdog.hpp) stops a
// benchmark that never finishes, keeps the rows measured before it and marks the run partial.
// It is registered apart (TCB_REGISTER_TEST_FAMILY) and runs only when a sweep names the family
// (`tcbench run --family selftest`); default sweeps, `list`, `info`, `sass` and `numerics` never
// see it. The spin is bounded by %globaltimer (kSpinLimitNs) so that even a process that is
// not stopped cannot hold the GPU for ever.
#include "harness/core/state.hpp"
#include "harness/core/timing.cuh"

namespace tcb::selftest {
namespace {

__device__ unsigned g_release = 0;  // never set: the kernel spins until its time bound
constexpr unsigned long long kSpinLimitNs = 180ull * 1000 * 1000 * 1000;

__global__ void spin_forever(unsigned long long* timing) {
  kern::BlockTimer timer;
  timer.start();
  const unsigned long long t0 = kern::global_ns();
  while (!*static_cast<volatile unsigned*>(&g_release) && kern::global_ns() - t0 < kSpinLimitNs) {
  }
  timer.stop(timing);
}

void run_spin(core::State& state) {
  state.time_launches(1, 1, 0, [&](int, unsigned long long* timing) {
    spin_forever<<<1, 32, 0, state.stream()>>>(timing);
    return cudaGetLastError();
  });
  state.say("the spin kernel finished: the watchdog did not fire");
}

std::vector<core::Benchmark> benchmarks() {
  core::Benchmark b;
  b.row.family = "selftest";
  b.row.atom = "SELFTEST_SPIN_FOREVER";
  b.row.ptx = "selftest.spin_forever";
  b.table = "instructions";
  b.run = &run_spin;
  return {b};
}

}  // namespace
}  // namespace tcb::selftest

TCB_REGISTER_TEST_FAMILY(selftest, "selftest", &tcb::selftest::benchmarks);
