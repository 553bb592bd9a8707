// The GEMM cost model: predicts the median time per call of a cuBLAS(Lt) GEMM or batched GEMM,
// D[b,M,N] = A[b,M,K] · B[b,K,N], from a tcbench cost table only (docs/optimizer.md gives the
// equations and which field of the table each number comes from).
//
// Every candidate implementation a library kernel could be (tile, orientation, split-K) is
// costed; the prediction is the cheapest, on the premise that the library's heuristic finds a
// near-best kernel. Nothing here is a GPU constant: rates, bandwidths, latencies, clocks and
// sizes all come from the table, and the tile shapes are those of the kernel libraries.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <tcbench/cost_table.hpp>

#include "optimizer/core/calibration.hpp"
#include "optimizer/core/dtype.hpp"

namespace tcb::opt {

// A cost-table field the model needs is absent (e.g. f32 without an FFMA measurement).
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GemmProblem {
  Dtype dtype = Dtype::f16;
  std::int64_t batch = 1, m = 1, n = 1, k = 1;
  bool b_nk = false;  // B stored [b,N,K] (an F.linear weight): the same kernels, transposed
  double flops() const { return 2.0 * double(batch) * double(m) * double(n) * double(k); }
  double bytes() const;  // A, B and D each moved once
  // Every leading dimension and batch stride a multiple of 16 bytes (what TMA and the libraries'
  // fast kernels need).
  bool aligned() const;
};

struct GemmImpl {
  int tile_m = 0, tile_n = 0, tile_k = 0;
  bool swapped = false;    // computed as D^T = B^T A^T: the instruction's fixed M (64) on N
  int split_k = 1;         // K split over this many tiles, reduced after (a second kernel)
  std::int64_t tiles = 0;  // work units: batch × tiles of M × tiles of N × split_k
  double waves = 0;        // rounds of tiles over the SMs
  std::string atom;        // the cost-table instruction whose rate bounds the main loop
  std::string describe() const;  // "128x256x64 split-k 1, ..., rate of SM90_64x256x16_F32F16F16_SS"
};

// The terms of the prediction, in microseconds, for `--json` and docs.
struct GemmTerms {
  double launch_us = 0;    // kernel floor in a CUDA graph
  double fill_us = 0;      // kernel parameters, cluster barrier, first operand tiles, one MMA
  double mainloop_us = 0;  // waves × tile time (math, MMA latency chain or operand stream)
  double memory_us = 0;    // operands read and result written over DRAM or L2
  double epilogue_us = 0;  // the last tile's store completes before the kernel ends
  double reduction_us = 0; // split-K: the partial sums' reduction kernel
  std::string bound;       // "launch", "latency", "compute", "mma latency", "l2 stream", "memory"
};

struct GemmPrediction {
  double us = 0;
  GemmImpl impl;
  GemmTerms terms;
};

class GemmModel {
 public:
  // Throws ModelError when the table lacks a field every prediction needs (clock, SM count,
  // DRAM and L2 bandwidth and latency, launch time).
  GemmModel(const tcbench::CostTable& table, CalibrationParams params);

  // Throws ModelError when the table has no rate for the dtype.
  GemmPrediction predict(const GemmProblem& p) const;
  // A memory-bound elementwise kernel (permutation copy, reduction) reading and writing this much.
  double stream_kernel_us(double bytes_read, double bytes_written) const;
  // A permute copy of `elements` elements of `elem_bytes` each whose reads are not coalesced: the
  // input's contiguous dimension sits `reuse_elements` output elements apart (0: coalesced, as
  // stream_kernel_us). docs/optimizer.md: the sector model.
  double gather_kernel_us(double elements, int elem_bytes, double reuse_elements) const;
  bool supports(Dtype d) const;
  // The GPU's memory: no plan may allocate a buffer larger.
  double device_memory_bytes() const { return device_memory_bytes_; }
  const CalibrationParams& params() const { return params_; }

 private:
  struct Rate {  // one instruction's measured peak, per SM
    int n = 0, m = 1, k = 1;  // the instruction's shape: the granularity its tiles are padded to
    double flops_per_s_sm = 0, latency_s = 0;
    std::string atom;
  };
  struct Tile {
    int m, n;
  };
  const std::vector<Rate>& rates(Dtype d) const;
  const Rate& rate_for_tile_n(Dtype d, int tile_n) const;
  struct Bandwidths {  // bytes/s
    double read, write;
  };
  // Fraction of a footprint the L2 still holds from the previous call (same operands every call).
  double l2_hit(double footprint_bytes) const;
  double memory_seconds(double read_bytes, double write_bytes, double footprint_bytes) const;
  double kernel_floor_s() const;
  GemmPrediction cost(const GemmProblem& p, bool aligned, Tile tile, int split_k) const;
  std::vector<Tile> tiles(Dtype d) const;

  CalibrationParams params_;
  int sms_ = 0;
  double l2_bytes_ = 0, smem_bytes_ = 0;
  Bandwidths l2_bw_{}, dram_bw_{};  // what the tensor-memory (TMA) loads read, what stores write
  double l2_stream_bw_ = 0;         // the L2 level's read bandwidth: what the SMs' tile loads share
  double l2_latency_s_ = 0, dram_latency_s_ = 0, launch_s_ = 0;
  double tile_load_latency_s_ = 0;  // one operand tile from L2 into shared memory (TMA, else a load)
  double cluster_sync_s_ = 0;       // a thread-block-cluster barrier: the remote shared-memory latency
  bool cluster_multicast_ = false;  // the table has a dsmem level: clusters exist
  double sm_load_bw_ = 0;           // one SM's load bandwidth (the L1 level's, per SM)
  double device_memory_bytes_ = 0;
  std::vector<Rate> rates_[5];
};

}  // namespace tcb::opt
