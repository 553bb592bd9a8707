// The movement paths of the energy family: read streams that keep every SM busy and consume what
// they read into a checksum the host knows in closed form (so a kernel that skipped its loads, or
// some of them, fails verification). Global streams read 16-byte vectors with ld.global.cg (L2
// only: the working set decides DRAM or L2); the shared-memory stream reads 16-byte vectors
// conflict-free. Each block writes {checksum, words read} and its timing record.
#pragma once
#include <cuda_runtime.h>
#include <cstddef>
#include <cstdint>

namespace tcb::energy {

// Global word i holds i x kFillMultiplier (mod 2^64), plus 1 for word 0 (an odd total, so that
// no whole number of passes can sum to zero).
constexpr uint64_t kFillMultiplier = 0x9E3779B97F4A7C15ull;
// Shared-memory word i holds this (mod 2^32), plus 1 for word 0 (an odd total, likewise).
constexpr uint32_t shared_word(uint32_t i) { return i * 2654435761u + 0x6a09e667u + (i == 0 ? 1u : 0u); }
// 16-byte vectors each thread reads per iteration of the shared-memory stream.
constexpr int kSharedVectorsPerThread = 4;

// The sum over blocks of the global stream's checksums: passes x (sum of the words) mod 2^64.
uint64_t expected_stream_sum(size_t words, long passes);
// Each block's shared-memory checksum: iterations x (sum of its words) mod 2^32.
uint32_t expected_shared_sum(int threads, long iterations);
size_t shared_stream_bytes(int threads);  // dynamic shared memory per block

cudaError_t fill_words(uint64_t* words, size_t count, cudaStream_t stream);
// out: 2 words per block {checksum, words read}.
cudaError_t launch_stream_read(const void* data, size_t bytes, long passes, int blocks, int threads,
                               unsigned long long* out, unsigned long long* timing, cudaStream_t stream);
cudaError_t launch_shared_read(long iterations, int blocks, int threads, unsigned long long* out,
                               unsigned long long* timing, cudaStream_t stream);
// Blocks of `threads` that fit on one SM at once (0 on error).
int stream_blocks_per_sm(int threads);
int shared_blocks_per_sm(int threads);

}  // namespace tcb::energy
