// The GEMM cost model: predicts the median time per call of a cuBLAS(Lt) GEMM or batched GEMM,
// D[b,M,N] = A[b,M,K] · B[b,K,N], from a tcbench cost table only (docs/optimizer.md gives the
// equations and which field of the table each number comes from).
//
// Every candidate implementation a library kernel could be (tile, split-K or stream-K) is
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
  int split_k = 1;         // K split over this many tiles, reduced after
  bool stream_k = false;   // the work divided evenly over the SMs, partial tiles fixed up
  std::int64_t tiles = 0;  // work units: batch × tiles of M × tiles of N × split_k
  double waves = 0;        // tiles per SM (fractional for stream-K)
  std::string atom;        // the cost-table instruction whose rate bounds the main loop
  std::string describe() const;  // "128x256x64 split-k 1, wgmma SM90_64x256x16_F32F16F16_SS"
};

// The terms of the prediction, in microseconds, for `--json` and docs.
struct GemmTerms {
  double launch_us = 0;    // kernel floor in a CUDA graph
  double fill_us = 0;      // first operands from memory + one instruction latency
  double mainloop_us = 0;  // waves × tile time (math or on-chip operand stream, whichever binds)
  double memory_us = 0;    // operands and result over DRAM or L2 (whichever holds them)
  double reduction_us = 0;
  std::string bound;       // "launch", "latency", "compute", "l2 stream", "memory"
};

struct GemmPrediction {
  double us = 0;
  GemmImpl impl;
  GemmTerms terms;
};

class GemmModel {
 public:
  // Throws ModelError when the table lacks a field every prediction needs (clock, SM count,
  // DRAM and L2 bandwidth, launch time).
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
  double memory_bandwidth(double footprint_bytes) const;
  GemmPrediction cost(const GemmProblem& p, Tile tile, int split_k, bool stream_k) const;
  std::vector<Tile> tiles(Dtype d) const;

  CalibrationParams params_;
  int sms_ = 0;
  double l2_bytes_ = 0, smem_bytes_ = 0;
  double dram_bw_ = 0, l2_bw_ = 0, dram_latency_s_ = 0, launch_s_ = 0;
  bool cluster_multicast_ = false;
  double sm_load_bw_ = 0;
  int min_n_ = 1 << 20;  // the narrowest instruction N measured: the N granularity of any tile  // one SM's load bandwidth (the L1 level's, per SM)
  double device_memory_bytes_ = 0;  // the table has a dsmem level: clusters exist
  std::vector<Rate> rates_[5];
};

}  // namespace tcb::opt
