// Counts the chains of a launch output that differ from chain 0, on the device.
#pragma once
#include <cuda_runtime.h>
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tcb::kern {

// d_out: `chains` chains of `chain_bytes` (a multiple of 4) each. result (device, 2 words): the
// number of differing 32-bit words and the index of the first differing chain (~0 if none).
cudaError_t count_chain_mismatches(const void* d_out, size_t chain_bytes, size_t chains, unsigned long long* result,
                                   cudaStream_t stream);

}  // namespace tcb::kern
