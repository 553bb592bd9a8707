// The kernels of the off-chip half of the movement family (docs/movement.md, "Off-chip paths"),
// behind plain host launchers: the benchmark code (.cpp) never sees device code. Every timed
// kernel takes the per-block timing record of harness/core/timing.cuh (`timing`); the helpers
// that prepare or check data (build, fill, flush, check) are not timed.
#pragma once
#include <cuda.h>  // CUtensorMap: types only, nothing links libcuda (the encoder comes through cudaGetDriverEntryPoint)
#include <cuda_runtime.h>

#include <cstdint>

namespace tcb::movement::offchip {

// ---- pointer chase (global_chase_kernels.cu) ------------------------------------------------
// Element i of a chain lies at base + i * stride and holds the address of the next element.
enum class LoadPath { ca, cg };  // ld.global (cache operator .ca: L1 and L2) or ld.global.cg (L2 only)

struct ChaseArgs {
  const uint8_t* base = nullptr;
  long long elements = 0, stride = 0;
  bool warm = false;          // every thread reads every element's word (with the same path) before the timed chase
  const void* start = nullptr;
  long steps = 0;
  unsigned long long* out = nullptr;  // [0]: the pointer after `steps` loads; [1]: a sink the warm-up reads feed
};
constexpr int kChaseThreads = 512;

// One block of kChaseThreads threads; thread 0 chases between the timer's marks.
cudaError_t launch_chase(LoadPath path, const ChaseArgs& args, unsigned long long* timing, cudaStream_t stream);
// Asks for the largest L1 (no shared-memory carve-out) for both chase kernels.
cudaError_t prefer_l1_for_chase();
const void* chase_kernel(LoadPath path);
// Writes the chain: element i points at element next[i].
cudaError_t launch_build_chain(uint8_t* base, const uint32_t* next, long long elements, long long stride,
                               cudaStream_t stream);
// Reads and rewrites n16 16-byte words, so that the L2 holds none of the lines it held before.
cudaError_t launch_flush(uint4* scratch, long long n16, int sm_count, cudaStream_t stream);

// ---- L2 near/far partition probe (global_chase_kernels.cu) ----------------------------------
// One block on one SM: measures each line's L2 hit latency, splits the lines at a threshold
// (Otsu's, over the 1st..99th percentile of the latencies), links the lines of each class into a
// cyclic chain in a scrambled order, and chases each chain for two lengths. Everything happens
// in one launch, so the SM that classifies is the SM that chases.
constexpr int kPartitionLines = 4096;       // 512 KiB of 128-byte lines: inside one 2 MiB page
constexpr int kPartitionLineBytes = 128;
constexpr int kPartitionThreads = 256;
constexpr uint32_t kPartitionScramble = 0x9E3779B1u;  // odd: j -> j * s mod lines is a bijection
enum PartitionOut : int {
  kPoSmid = 0, kPoThreshold, kPoNearCount, kPoFarCount,
  kPoNearShortCycles, kPoNearLongCycles, kPoFarShortCycles, kPoFarLongCycles,
  kPoNearShortEnd, kPoNearLongEnd, kPoFarShortEnd, kPoFarLongEnd,
  kPoSink,  // written only by a branch that never runs: keeps the warm-up loads
  kPoWords
};
struct PartitionArgs {
  uint8_t* lines = nullptr;           // kPartitionLines lines of kPartitionLineBytes
  long steps_short = 0, steps_long = 0;
  uint32_t* latency = nullptr;        // [kPartitionLines]: this launch's per-line cycles
  unsigned long long* out = nullptr;  // [kPoWords]
};
cudaError_t launch_partition_probe(const PartitionArgs& args, unsigned long long* timing, cudaStream_t stream);
const void* partition_kernel();

// ---- global-memory bandwidth (global_bandwidth_kernels.cu) ----------------------------------
// Grid-stride over n16 16-byte words, `passes` times; every SM busy (blocks = sm_count x kBwBlocksPerSm).
constexpr int kBwThreads = 512;
constexpr int kBwBlocksPerSm = 2;
// block_sums[block] = sum of every 32-bit word the block read (mod 2^64).
cudaError_t launch_read_bw(const uint4* src, long long n16, int passes, int blocks, unsigned long long* block_sums,
                           unsigned long long* timing, cudaStream_t stream);
// Word w of dst becomes w + salt (32-bit).
cudaError_t launch_write_bw(uint4* dst, long long n16, int passes, uint32_t salt, int blocks,
                            unsigned long long* timing, cudaStream_t stream);
cudaError_t launch_copy_bw(const uint4* src, uint4* dst, long long n16, int passes, int blocks,
                           unsigned long long* timing, cudaStream_t stream);
// words[w] = w + salt.
cudaError_t launch_fill_words(uint32_t* words, long long n, uint32_t salt, int sm_count, cudaStream_t stream);
// result[0] += words w with words[w] != w + salt; result[1] = min(result[1], first such w).
// The caller sets result to {0, ~0} first.
cudaError_t launch_count_mismatches(const uint32_t* words, long long n, uint32_t salt,
                                    unsigned long long* result, int sm_count, cudaStream_t stream);
// The timed kernel of read (0), write (1) or copy (2).
const void* bandwidth_kernel(int kind);

// ---- the bulk copy engine, sm_90 (bulk_copy_kernels.cu) -------------------------------------
// Source layout for both: 32-bit words; tile t holds the bytes [t * tile_bytes, (t+1) * tile_bytes).
enum class BulkKind { bulk, tensor2d };
constexpr int kTensorRowWords = 64;  // the 2D tensor's rows: 64 x 32-bit = 256 B; a tile is tile_bytes / 256 rows
// The kernels' error word: set when a copy did not complete within kBulkWaitLimitNs (the kernel
// gives up instead of hanging) or when the kernel ran without sm_90 code.
constexpr unsigned long long kBulkErrTimeout = 1, kBulkErrNoSm90 = 2;
constexpr unsigned long long kBulkWaitLimitNs = 2000ull * 1000 * 1000;

struct BulkSource {
  BulkKind kind = BulkKind::bulk;
  const uint8_t* base = nullptr;   // bulk: the source bytes
  CUtensorMap map{};               // tensor2d: the encoded map over the same bytes (kTensorRowWords-wide rows)
  uint32_t tile_bytes = 0;         // multiple of 256 (a whole number of tensor rows), <= 64 KiB
};

// Latency: one block; thread 0 copies tile `start`, waits on the mbarrier, reads the next tile's
// index from the tile's first word, and so on `steps` times. out[0]: the index after the last
// step; out[1]: the sum (mod 2^64) of the 32-bit words of the last tile in shared memory;
// out[2]: error bits.
cudaError_t launch_bulk_latency(const BulkSource& src, uint32_t start, long steps, unsigned long long* out,
                                unsigned long long* timing, cudaStream_t stream);
// Bandwidth: one block per SM; warp 0 lane 0 issues tiles into `stages` shared-memory buffers,
// consumer warps (stage s belongs to warp s % consumers) sum each tile's words and free it.
// Block b copies the global tiles g = b, b + blocks, ... < tiles x passes, tile g % tiles.
// block_sums[b]: the sum of every word it received; *error: error bits (OR).
struct BulkStreamPlan {
  uint32_t tile_bytes = 0;
  long long tiles = 0;   // tiles in the source
  int passes = 1;
  int stages = 2;        // power of two
  int consumers = 2;     // consumer warps: power of two dividing stages
  int blocks = 0;
  size_t smem_bytes() const;
};
// Stages: 128 KiB of tiles in flight per SM (at least 2, at most 128 stages), enough to cover the
// L2 or DRAM latency at one SM's share of the bandwidth; consumers: min(8, stages).
BulkStreamPlan plan_bulk_stream(uint32_t tile_bytes, long long tiles, int passes, int blocks);
cudaError_t launch_bulk_bandwidth(const BulkSource& src, const BulkStreamPlan& plan, unsigned long long* block_sums,
                                  unsigned long long* error, unsigned long long* timing, cudaStream_t stream);
// Sets the dynamic shared memory limit of the bulk kernels (needed above 48 KiB).
cudaError_t allow_bulk_smem(size_t bytes);
// Makes word 0 of each tile the index of the next tile: words[t * tile_words] = next[t].
cudaError_t launch_link_tiles(uint32_t* words, const uint32_t* next, long long tiles, uint32_t tile_words,
                              cudaStream_t stream);
const void* bulk_kernel(BulkKind kind, bool latency);
size_t bulk_latency_smem_bytes(uint32_t tile_bytes);

// ---- launch overhead (launch_overhead_kernels.cu) -------------------------------------------
// The smallest kernel: one block of one thread that only writes its timing record and its start
// time (stamp). Kernel k of a batch writes timing + k * kTimingWords and stamps[k].
cudaError_t launch_empty_batch(int kernels, unsigned long long* timing, unsigned long long* stamps,
                               cudaStream_t stream);
// The same batch captured into a CUDA graph (on `capture`, a stream of the caller's) and instantiated.
cudaError_t capture_empty_graph(int kernels, unsigned long long* timing, unsigned long long* stamps,
                                cudaStream_t capture, cudaGraphExec_t* exec);
const void* empty_kernel_ptr();
// The kernel's name as CUPTI reports it contains this.
constexpr const char* kEmptyKernelName = "launch_empty_kernel";

}  // namespace tcb::movement::offchip
