// A kernel of known duration for the CUPTI check (tests/gpu/test_cupti_gpu.cpp): one thread spins
// on %globaltimer for `ns` and writes what it saw, {globaltimer at start, at end}, to span[0..1].
#pragma once
#include <cuda_runtime.h>

namespace tcb::test {

// The kernel's name, as it appears (mangled) in CUPTI's record.
constexpr const char* kCuptiSpinKernelName = "cupti_spin_kernel";

// Launches one block of one thread on `stream`; returns the launch error.
cudaError_t launch_cupti_spin(unsigned long long ns, unsigned long long* span, cudaStream_t stream);

}  // namespace tcb::test
