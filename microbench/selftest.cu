// The test-only benchmark family "selftest": SELFTEST_SPIN_FOREVER launches a kernel that spins
// until a flag nobody sets, to prove that the runner's watchdog (harness/watchdog.hpp) stops a
// benchmark that never finishes, keeps the rows measured before it and marks the run partial.
// It is registered apart (test_registry) and runs only when a sweep names the family
// (`tcbench run --family selftest`); default sweeps, `list`, `info`, `sass` and `numerics` never
// see it. The spin is bounded by %globaltimer (kSpinLimitNs) so that even a process that is
// not stopped cannot hold the GPU for ever.
#include "microbench/mma_chain.cuh"
#include "ptx/mma_sync.hpp"

namespace tcb::kern {
namespace {

__device__ unsigned g_selftest_release = 0;  // never set: the kernel spins until its time bound
constexpr unsigned long long kSpinLimitNs = 180ull * 1000 * 1000 * 1000;

__global__ void selftest_spin(ChainLaunch p) {
  const unsigned long long t0 = global_ns();
  while (!*static_cast<volatile unsigned*>(&g_selftest_release) && global_ns() - t0 < kSpinLimitNs) {
  }
  if (threadIdx.x == 0 && p.timing) {
    unsigned long long* t = p.timing + size_t(blockIdx.x) * kTimingWords;
    t[0] = 0; t[1] = 1; t[2] = t0; t[3] = global_ns(); t[4] = sm_id();
  }
}

cudaError_t launch_spin(const ChainLaunch& p, cudaStream_t s) {
  selftest_spin<<<p.blocks, p.warps_per_block * 32, 0, s>>>(p);
  return cudaGetLastError();
}

const void* spin_kernel(int) { return reinterpret_cast<const void*>(&selftest_spin); }

Benchmark spin_benchmark() {
  Benchmark b;
  // A real atom's shape and types, so the runner prepares operands and checks as for any other.
  b.info = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  b.info.name = "SELFTEST_SPIN_FOREVER";
  b.info.ptx = "selftest.spin_forever";
  b.test_family = "selftest";
  b.ilps = {1};
  b.launch = &launch_spin;
  b.kernel = &spin_kernel;
  return b;
}

const TestRegistrar reg_spin{spin_benchmark()};

}  // namespace
}  // namespace tcb::kern
