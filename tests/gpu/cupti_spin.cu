#include "tests/gpu/cupti_spin.hpp"

#include "harness/core/timing.cuh"

namespace tcb::test {

__global__ void cupti_spin_kernel(unsigned long long ns, unsigned long long* span) {
  const unsigned long long t0 = kern::global_ns();
  unsigned long long t = t0;
  // The iteration cap only guards against a %globaltimer that does not advance (the test would
  // then fail on the duration instead of hanging); a working timer ends the loop long before it.
  for (unsigned i = 0; t - t0 < ns && i < (1u << 28); ++i) t = kern::global_ns();
  span[0] = t0;
  span[1] = t;
}

cudaError_t launch_cupti_spin(unsigned long long ns, unsigned long long* span, cudaStream_t stream) {
  cupti_spin_kernel<<<1, 1, 0, stream>>>(ns, span);
  return cudaGetLastError();
}

}  // namespace tcb::test
