#include "optimizer/core/gemm_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tcb::opt {

namespace {

double ceil_div(double a, double b) { return std::ceil(a / b); }

template <class T>
const T& need(const std::optional<T>& v, const char* field) {
  if (!v) throw ModelError(fmt::format("cost table: {} is missing; the GEMM model needs it", field));
  return *v;
}

// A main-loop step reads 128 bytes of K per operand row (TMA's widest box, one smem swizzle
// atom): 64 halves, 32 floats or 128 FP8 bytes.
int tile_k_for(Dtype d) { return info(d).table_family == "cuda_core" ? 8 : 128 / info(d).a_bytes; }

// Pipelined operand buffers a library kernel keeps in shared memory.
constexpr int kMinStages = 2;
// Bytes of one memory transaction (an L2 sector).
constexpr double kSectorBytes = 32;

}  // namespace

double GemmProblem::bytes() const {
  const DtypeInfo& t = info(dtype);
  return double(batch) * (double(m) * k * t.a_bytes + double(k) * n * t.b_bytes + double(m) * n * t.d_bytes);
}

bool GemmProblem::aligned() const {
  const DtypeInfo& t = info(dtype);
  auto ok = [](double elements, int bytes) { return std::fmod(elements * bytes, 16.0) == 0; };
  const bool lds = ok(double(k), t.a_bytes) && ok(double(b_nk ? k : n), t.b_bytes) && ok(double(n), t.d_bytes);
  const bool strides = batch == 1 || (ok(double(m) * k, t.a_bytes) && ok(double(k) * n, t.b_bytes) &&
                                      ok(double(m) * n, t.d_bytes));
  return lds && strides;
}

std::string GemmImpl::describe() const {
  const std::string scheme = stream_k ? "stream-k" : fmt::format("split-k {}", split_k);
  return fmt::format("{}x{}x{} {}, {} tiles, {:.2f} waves, rate of {}", tile_m, tile_n, tile_k, scheme, tiles, waves,
                     atom);
}

GemmModel::GemmModel(const tcbench::CostTable& table, CalibrationParams params) : params_(params) {
  sms_ = table.device.sm_count;
  l2_bytes_ = double(table.device.l2_bytes);
  smem_bytes_ = double(need(table.device.shared_memory_per_sm_bytes, "device.shared_memory_per_sm_bytes"));
  const tcbench::MemoryLevel* dram = table.level("dram");
  const tcbench::MemoryLevel* l2 = table.level("l2");
  if (!dram || !l2) throw ModelError("cost table: movement.levels needs dram and l2; the GEMM model reads both");
  dram_bw_ = need(dram->bandwidth_gbs, "movement.levels.dram.bandwidth_gbs") * 1e9;
  l2_bw_ = need(l2->bandwidth_gbs, "movement.levels.l2.bandwidth_gbs") * 1e9;
  dram_latency_s_ = need(dram->latency_ns, "movement.levels.dram.latency_ns") * 1e-9;
  launch_s_ = need(table.movement.launch.graph_kernel_time_us, "movement.launch.graph_kernel_time_us") * 1e-6;
  cluster_multicast_ = table.level("dsmem") != nullptr;
  const tcbench::MemoryLevel* l1 = table.level("l1");
  sm_load_bw_ = l1 && l1->bandwidth_gbs ? *l1->bandwidth_gbs * 1e9 / sms_ : l2_bw_ / sms_;
  device_memory_bytes_ = double(table.device.memory_bytes);

  for (Dtype d : kAllDtypes) {
    const DtypeInfo& t = info(d);
    for (const tcbench::Instruction* ins : table.find_instructions(t.table_family, t.table_a_type)) {
      // Dense, fp32 accumulation, operands from shared memory where the family says (wgmma SS:
      // what a library kernel issues), with a measured rate and the clock it was measured at.
      if (ins->sparse || ins->types.d != "f32" || !ins->ops_per_clk_sm || !ins->tflops_sm_clock_mhz) continue;
      if (ins->operand_source && *ins->operand_source != "SS") continue;
      const double hz = *ins->tflops_sm_clock_mhz * 1e6;
      rates_[int(d)].push_back({ins->shape.n, ins->shape.m, ins->shape.k, *ins->ops_per_clk_sm * hz,
                                ins->latency_cycles.value_or(0) / hz, ins->atom});
    }
    std::sort(rates_[int(d)].begin(), rates_[int(d)].end(),
              [](const Rate& a, const Rate& b) { return a.n != b.n ? a.n < b.n : a.atom < b.atom; });
  }
}

bool GemmModel::supports(Dtype d) const { return !rates_[int(d)].empty(); }

const std::vector<GemmModel::Rate>& GemmModel::rates(Dtype d) const {
  const auto& r = rates_[int(d)];
  if (r.empty())
    throw ModelError(fmt::format("cost table: no measured dense {} {} instruction with an f32 accumulator; "
                                 "a {} GEMM cannot be predicted from it",
                                 info(d).table_family, info(d).table_a_type, info(d).name));
  return r;
}

// The tile's main loop issues instructions of N = tile N (or the widest that divides it): the
// best measured rate among those.
const GemmModel::Rate& GemmModel::rate_for_tile_n(Dtype d, int tile_n) const {
  const Rate* best = nullptr;
  for (const Rate& r : rates(d))
    if (r.n <= tile_n && tile_n % r.n == 0 && (!best || r.flops_per_s_sm > best->flops_per_s_sm)) best = &r;
  if (!best)
    for (const Rate& r : rates(d))
      if (!best || r.flops_per_s_sm > best->flops_per_s_sm) best = &r;
  return *best;
}

// The tile shapes of the kernel libraries' Hopper GEMMs (CUTLASS/cuBLAS sm90 warp-specialised
// kernels) and of their FFMA kernels, kept where their buffers fit the table's shared memory.
std::vector<GemmModel::Tile> GemmModel::tiles(Dtype d) const {
  static const std::vector<Tile> kTensorCore = {{64, 64}, {64, 128}, {64, 256}, {128, 64},
                                                {128, 128}, {128, 256}, {256, 128}};
  static const std::vector<Tile> kCudaCore = {{32, 32}, {64, 64}, {128, 64}, {64, 128}, {128, 128}};
  const DtypeInfo& t = info(d);
  std::vector<Tile> out;
  for (Tile tile : t.table_family == "cuda_core" ? kCudaCore : kTensorCore) {
    const double stage = double(tile.m) * tile_k_for(d) * t.a_bytes + double(tile.n) * tile_k_for(d) * t.b_bytes;
    if (kMinStages * stage <= smem_bytes_) out.push_back(tile);
  }
  return out;
}

// Same operands every call: a footprint within half the L2 stays there between calls (the
// table's far-L2 level starts past half); past the whole L2 every call streams from DRAM.
double GemmModel::memory_bandwidth(double footprint) const {
  const double lo = 0.5 * l2_bytes_, hi = l2_bytes_;
  const double hit = std::clamp((hi - footprint) / (hi - lo), 0.0, 1.0);
  const double bw = 1.0 / (hit / l2_bw_ + (1.0 - hit) / dram_bw_);
  return bw * params_.memory_efficiency;
}

// Uncoalesced reads fetch a 32-byte sector per element (the memory transaction unit of every
// NVIDIA GPU since Maxwell); the sector's other elements are used when the output reaches them,
// `reuse` elements later. Sectors fetched in between that fit half the L2 are still there (then
// L2 serves the sectors and DRAM the bytes); beyond it every sector comes from DRAM again.
double GemmModel::gather_kernel_us(double elements, int elem_bytes, double reuse) const {
  const double bytes = elements * elem_bytes;
  if (reuse <= 0 || elem_bytes >= kSectorBytes) return stream_kernel_us(bytes, bytes);
  const double sectors = elements * kSectorBytes;
  const bool l2_holds = reuse * kSectorBytes <= 0.5 * l2_bytes_;
  const double eff = params_.memory_efficiency;
  const double read_s = l2_holds ? std::max(bytes / (dram_bw_ * eff), sectors / (l2_bw_ * eff)) : sectors / (dram_bw_ * eff);
  const double t = launch_s_ + params_.kernel_floor_extra_us * 1e-6 + dram_latency_s_ + read_s + bytes / memory_bandwidth(bytes);
  return t * 1e6;
}

double GemmModel::stream_kernel_us(double bytes_read, double bytes_written) const {
  const double moved = bytes_read + bytes_written;
  const double t = launch_s_ + params_.kernel_floor_extra_us * 1e-6 + dram_latency_s_ + moved / memory_bandwidth(moved);
  return t * 1e6;
}

GemmPrediction GemmModel::cost(const GemmProblem& p, Tile tile, int split_k, bool stream_k) const {
  const DtypeInfo& t = info(p.dtype);
  const Rate& rate = rate_for_tile_n(p.dtype, tile.n);
  // The unaligned fallback is the tensor-core kernels' (TMA); the FFMA kernels load as they always do.
  const bool tensor_core = t.table_family != "cuda_core";
  const double unaligned = tensor_core && !p.aligned() ? params_.unaligned_efficiency : 1.0;
  const double eff = (tensor_core ? params_.mma_efficiency : params_.ffma_efficiency) * unaligned;
  const int tk = tile_k_for(p.dtype);

  GemmPrediction out;
  GemmImpl& im = out.impl;
  im = {tile.m, tile.n, tk, split_k, stream_k, 0, 0, rate.atom};
  const double mn_tiles = double(p.batch) * ceil_div(double(p.m), tile.m) * ceil_div(double(p.n), tile.n);
  const double k_steps = ceil_div(double(p.k), tk);

  // One K step of one tile: the math at the measured rate, or the operand stream from L2 at the
  // SM's share of its bandwidth, whichever binds (the pipeline overlaps the two).
  // A tile larger than the problem computes only up to the instruction's granularity: a batch of
  // 2x16 products pads to the instruction's M, not to the tile's.
  auto padded = [](double extent, int tile_extent, int granule) {
    return std::min<double>(tile_extent, std::ceil(extent / granule) * granule);
  };
  const double m_eff = padded(double(p.m), tile.m, rate.m), n_eff = padded(double(p.n), tile.n, rates(p.dtype).front().n);
  const double k_eff = padded(double(p.k), tk, rate.k);
  const double step_math = 2.0 * m_eff * n_eff * k_eff / (rate.flops_per_s_sm * eff);
  // With thread-block clusters (the table measured distributed shared memory) two CTAs along M
  // share each B tile by TMA multicast: half of B's stream per CTA comes from L2.
  const double b_share = cluster_multicast_ && tensor_core && tile.m >= 128 ? 0.5 : 1.0;
  // TMA fetches only the rows inside the matrix: a tile taller than M (decode, M = 1) streams M rows.
  const double rows_a = std::min<double>(tile.m, double(p.m)), rows_b = std::min<double>(tile.n, double(p.n));
  const double step_bytes = rows_a * tk * t.a_bytes + b_share * rows_b * tk * t.b_bytes;
  // The L2 bandwidth is shared by the SMs that are busy; one SM alone draws at most what its
  // load path took in the table's L1 measurement.
  const double busy = std::clamp(stream_k ? double(sms_) : mn_tiles * split_k, 1.0, double(sms_));
  const double sm_stream_bw = std::min(l2_bw_ / busy, sm_load_bw_);
  const double step_stream = step_bytes / (sm_stream_bw * params_.memory_efficiency * unaligned);
  const double step = std::max(step_math, step_stream);
  const double tile_overhead = params_.tile_overhead_us * 1e-6;
  const double stage_bytes = double(tile.m) * tk * t.a_bytes + double(tile.n) * tk * t.b_bytes;
  const double resident = std::max(1.0, std::floor(smem_bytes_ / (kMinStages * stage_bytes)));

  double mainloop = 0, reduction = 0;
  if (stream_k) {  // every SM gets the same number of K steps; each partial tile is fixed up
    im.tiles = std::int64_t(mn_tiles);
    im.waves = mn_tiles * k_steps / sms_;
    mainloop = std::ceil(mn_tiles * k_steps / sms_) * step + std::ceil(mn_tiles / (sms_ * resident)) * tile_overhead;
    reduction = params_.reduction_overhead_us * 1e-6;
  } else {
    const double units = mn_tiles * split_k;
    im.tiles = std::int64_t(units);
    im.waves = std::ceil(units / sms_);
    // The math of an SM's tiles is serial; their prologues and epilogues overlap across the CTAs
    // resident at once (as many as their pipeline buffers fit in shared memory).
    mainloop = im.waves * std::ceil(k_steps / split_k) * step + std::ceil(units / (sms_ * resident)) * tile_overhead;
    if (split_k > 1) {  // partial sums (fp32) written, read back, reduced into D
      const double partial = double(p.batch) * p.m * p.n * 4.0 * split_k;
      reduction = params_.reduction_overhead_us * 1e-6 + 2.0 * partial / memory_bandwidth(partial);
    }
  }
  const double footprint = p.bytes();
  GemmTerms& terms = out.terms;
  terms.launch_us = (launch_s_ + params_.kernel_floor_extra_us * 1e-6) * 1e6;
  terms.fill_us = (dram_latency_s_ + rate.latency_s) * 1e6;
  terms.mainloop_us = mainloop * 1e6;
  terms.memory_us = footprint / memory_bandwidth(footprint) * 1e6;
  terms.reduction_us = reduction * 1e6;
  const double body = std::max(terms.fill_us + terms.mainloop_us, terms.memory_us);
  out.us = terms.launch_us + body + terms.reduction_us;

  if (body == terms.memory_us) terms.bound = "memory";
  else if (step_stream > step_math) terms.bound = "l2 stream";
  else terms.bound = "compute";
  if (terms.launch_us > body) terms.bound = terms.fill_us > terms.mainloop_us ? "latency" : "launch";
  return out;
}

GemmPrediction GemmModel::predict(const GemmProblem& p) const {
  if (p.batch < 1 || p.m < 1 || p.n < 1 || p.k < 1)
    throw std::invalid_argument(fmt::format("GEMM sizes must be positive (batch {}, M {}, N {}, K {})", p.batch, p.m,
                                            p.n, p.k));
  rates(p.dtype);  // a clear error before any candidate
  GemmPrediction best;
  best.us = std::numeric_limits<double>::infinity();
  auto consider = [&](GemmPrediction c) {
    if (c.us < best.us) best = std::move(c);
  };
  for (Tile tile : tiles(p.dtype)) {
    const int tk = tile_k_for(p.dtype);
    const double mn_tiles = double(p.batch) * ceil_div(double(p.m), tile.m) * ceil_div(double(p.n), tile.n);
    consider(cost(p, tile, 1, false));
    // Stream-K (the persistent kernels' even split of all K steps over the SMs) removes the last
    // wave's idle SMs at any size; split-K pays only when the tiles alone leave SMs idle.
    if (p.k < 4 * tk) continue;
    consider(cost(p, tile, 1, true));
    if (mn_tiles >= sms_) continue;
    for (int s = 2; s <= 32 && double(p.k) / s >= 2 * tk; s *= 2) consider(cost(p, tile, s, false));
  }
  return best;
}

}  // namespace tcb::opt
