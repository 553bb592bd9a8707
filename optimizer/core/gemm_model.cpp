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
  return fmt::format("{}x{}x{}{} split-k {}, {} tiles, {:.0f} waves, rate of {}", tile_m, tile_n, tile_k,
                     swapped ? " (as D^T = B^T A^T)" : "", split_k, tiles, waves, atom);
}

namespace {

// The best bandwidth of a movement path whose variant carries `variant_part` (e.g. the TMA tensor
// load's "source=dram"), or `fallback` when the table has no such path.
double path_bandwidth(const tcbench::CostTable& table, std::string_view atom, std::string_view variant_part,
                      double fallback) {
  double best = 0;
  for (const tcbench::MovementPath& p : table.movement.paths)
    if (p.atom == atom && p.variant.find(variant_part) != std::string::npos && p.bandwidth_gbs)
      best = std::max(best, *p.bandwidth_gbs * 1e9);
  return best > 0 ? best : fallback;
}

double path_latency(const tcbench::CostTable& table, std::string_view atom, double fallback) {
  for (const tcbench::MovementPath& p : table.movement.paths)
    if (p.atom == atom && p.latency_ns) return *p.latency_ns * 1e-9;
  return fallback;
}

}  // namespace

GemmModel::GemmModel(const tcbench::CostTable& table, CalibrationParams params) : params_(params) {
  sms_ = table.device.sm_count;
  l2_bytes_ = double(table.device.l2_bytes);
  smem_bytes_ = double(need(table.device.shared_memory_per_sm_bytes, "device.shared_memory_per_sm_bytes"));
  const tcbench::MemoryLevel* dram = table.level("dram");
  const tcbench::MemoryLevel* l2 = table.level("l2");
  if (!dram || !l2) throw ModelError("cost table: movement.levels needs dram and l2; the GEMM model reads both");
  const double dram_bw = need(dram->bandwidth_gbs, "movement.levels.dram.bandwidth_gbs") * 1e9;
  const double l2_bw = need(l2->bandwidth_gbs, "movement.levels.l2.bandwidth_gbs") * 1e9;
  // A library GEMM loads its operands with the tensor memory accelerator where the table measured
  // it (Hopper), and stores D with plain or bulk stores: the measured paths of each direction.
  l2_bw_ = {path_bandwidth(table, "tma.tensor2d.bandwidth", "source=l2", l2_bw), path_bandwidth(table, "l2.write", "", l2_bw)};
  dram_bw_ = {path_bandwidth(table, "tma.tensor2d.bandwidth", "source=dram", dram_bw),
              path_bandwidth(table, "dram.write", "", dram_bw)};
  l2_stream_bw_ = l2_bw;
  dram_latency_s_ = need(dram->latency_ns, "movement.levels.dram.latency_ns") * 1e-9;
  l2_latency_s_ = need(l2->latency_ns, "movement.levels.l2.latency_ns") * 1e-9;
  tile_load_latency_s_ = path_latency(table, "tma.tensor2d.latency", l2_latency_s_);
  launch_s_ = need(table.movement.launch.graph_kernel_time_us, "movement.launch.graph_kernel_time_us") * 1e-6;
  const tcbench::MemoryLevel* dsmem = table.level("dsmem");
  cluster_multicast_ = dsmem != nullptr;
  cluster_sync_s_ = dsmem && dsmem->latency_ns ? *dsmem->latency_ns * 1e-9 : 0.0;
  const tcbench::MemoryLevel* l1 = table.level("l1");
  sm_load_bw_ = l1 && l1->bandwidth_gbs ? *l1->bandwidth_gbs * 1e9 / sms_ : l2_bw_.read / sms_;
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

// The tile shapes of the library's Hopper GEMMs: those of the cuBLAS 13.1 nvjet kernels that the
// discovery sets' kernel logs name (results/*/gemm*/kernels.csv.gz, rows of calibration*.csv),
// written M × N with M the instruction-M side (a multiple of 64) and N the instruction-N side;
// predict() tries both orientations. The FFMA kernels' tiles are CUTLASS's SIMT ones. A tile is
// kept where two pipeline stages fit the table's shared memory.
std::vector<GemmModel::Tile> GemmModel::tiles(Dtype d) const {
  static const std::vector<Tile> kTensorCore = {
      {64, 8},    {64, 16},   {64, 24},   {64, 32},   {64, 40},   {64, 48},   {64, 64},   {64, 72},
      {64, 80},   {64, 96},   {64, 128},  {64, 144},  {64, 160},  {64, 176},  {64, 256},  {128, 8},
      {128, 32},  {128, 64},  {128, 72},  {128, 96},  {128, 112}, {128, 128}, {128, 144}, {128, 160},
      {128, 256}, {192, 8},   {192, 16},  {192, 96},  {192, 192}, {256, 8},   {256, 16},  {256, 64},
      {256, 128}, {320, 128}, {512, 16},  {512, 32},  {512, 64}};
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
double GemmModel::l2_hit(double footprint) const {
  const double lo = 0.5 * l2_bytes_, hi = l2_bytes_;
  return std::clamp((hi - footprint) / (hi - lo), 0.0, 1.0);
}

// Reads at the load path's bandwidth, writes at the store path's, from the level that holds them.
double GemmModel::memory_seconds(double read_bytes, double write_bytes, double footprint) const {
  const double hit = l2_hit(footprint);
  auto over = [&](double bytes, double l2, double dram) { return bytes * (hit / l2 + (1.0 - hit) / dram); };
  const double t = over(read_bytes, l2_bw_.read, dram_bw_.read) + over(write_bytes, l2_bw_.write, dram_bw_.write);
  return t / params_.memory_efficiency;
}

// An empty kernel in a CUDA graph, plus what calibration found a library kernel adds.
double GemmModel::kernel_floor_s() const { return launch_s_ + params_.kernel_floor_extra_us * 1e-6; }

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
  const double read_s = l2_holds ? std::max(bytes / (dram_bw_.read * eff), sectors / (l2_bw_.read * eff))
                                 : sectors / (dram_bw_.read * eff);
  const double t = kernel_floor_s() + dram_latency_s_ + read_s + memory_seconds(0, bytes, bytes);
  return t * 1e6;
}

double GemmModel::stream_kernel_us(double bytes_read, double bytes_written) const {
  const double footprint = bytes_read + bytes_written;
  return (kernel_floor_s() + dram_latency_s_ + memory_seconds(bytes_read, bytes_written, footprint)) * 1e6;
}

GemmPrediction GemmModel::cost(const GemmProblem& p, bool aligned, Tile tile, int split_k) const {
  const DtypeInfo& t = info(p.dtype);
  const Rate& rate = rate_for_tile_n(p.dtype, tile.n);
  // The unaligned fallback is the tensor-core kernels' (TMA); the FFMA kernels load as they always do.
  const bool tensor_core = t.table_family != "cuda_core";
  const double unaligned = tensor_core && !aligned ? params_.unaligned_efficiency : 1.0;
  const double eff = (tensor_core ? params_.mma_efficiency : params_.ffma_efficiency) * unaligned;
  const int tk = tile_k_for(p.dtype);

  GemmPrediction out;
  GemmImpl& im = out.impl;
  im = {tile.m, tile.n, tk, false, split_k, 0, 0, rate.atom};
  const double mn_tiles = double(p.batch) * ceil_div(double(p.m), tile.m) * ceil_div(double(p.n), tile.n);
  const double k_steps = ceil_div(double(p.k), tk);

  // One K step of one tile: the math at the measured rate, the chain of dependent MMAs into one
  // accumulator at the instruction's latency, or the operand stream from L2 at the SM's share of
  // its bandwidth, whichever binds (the pipeline overlaps the three).
  // A tile larger than the problem computes only up to the instruction's granularity: a batch of
  // 2x16 products pads to the instruction's M, not to the tile's.
  auto padded = [](double extent, int tile_extent, int granule) {
    return std::min<double>(tile_extent, std::ceil(extent / granule) * granule);
  };
  const double m_eff = padded(double(p.m), tile.m, rate.m), n_eff = padded(double(p.n), tile.n, rates(p.dtype).front().n);
  const double k_eff = padded(double(p.k), tk, rate.k);
  const double step_math = 2.0 * m_eff * n_eff * k_eff / (rate.flops_per_s_sm * eff);
  // The MMAs into one accumulator issue back to back (the tensor core forwards the sum) and the
  // step waits for the last: one latency plus an issue interval per further instruction.
  const double issue_s = 2.0 * rate.m * rate.n * rate.k / rate.flops_per_s_sm;
  const double step_chain = tensor_core ? rate.latency_s + (std::ceil(k_eff / rate.k) - 1) * issue_s : 0.0;
  // With thread-block clusters (the table measured distributed shared memory) two CTAs along M
  // share each B tile by TMA multicast: half of B's stream per CTA comes from L2.
  const double b_share = cluster_multicast_ && tensor_core && tile.m >= 128 ? 0.5 : 1.0;
  // TMA fetches only the rows inside the matrix: a tile taller than M (decode, M = 1) streams M rows.
  const double rows_a = std::min<double>(tile.m, double(p.m)), rows_b = std::min<double>(tile.n, double(p.n));
  const double step_bytes = rows_a * tk * t.a_bytes + b_share * rows_b * tk * t.b_bytes;
  // The L2 bandwidth is shared by the SMs that are busy; one SM alone draws at most what its
  // load path took in the table's L1 measurement.
  const double busy = std::clamp(mn_tiles * split_k, 1.0, double(sms_));
  const double sm_stream_bw = std::min(l2_stream_bw_ / busy, sm_load_bw_);
  const double step_stream = step_bytes / (sm_stream_bw * params_.memory_efficiency * unaligned);
  const double step = std::max({step_math, step_chain, step_stream});
  const double tile_overhead = params_.tile_overhead_us * 1e-6;
  const double stage_bytes = double(tile.m) * tk * t.a_bytes + double(tile.n) * tk * t.b_bytes;
  const double resident = std::max(1.0, std::floor(smem_bytes_ / (kMinStages * stage_bytes)));

  const double footprint = p.bytes(), d_bytes = double(p.batch) * p.m * p.n * t.d_bytes;
  const double units = mn_tiles * split_k;
  im.tiles = std::int64_t(units);
  im.waves = std::ceil(units / sms_);
  // The math of an SM's tiles is serial; their prologues and epilogues overlap across the CTAs
  // resident at once (as many as their pipeline buffers fit in shared memory).
  const double mainloop =
      im.waves * std::ceil(k_steps / split_k) * step + std::ceil(units / (sms_ * resident)) * tile_overhead;
  double reduction = 0;
  if (split_k > 1) {  // the GEMM writes fp32 partial sums; a second kernel reads them and writes D
    const double partial = double(p.batch) * p.m * p.n * 4.0 * split_k;
    reduction = kernel_floor_s() + l2_latency_s_ + params_.reduction_overhead_us * 1e-6 +
                memory_seconds(0, partial, footprint + partial) + memory_seconds(partial, d_bytes, footprint + partial);
  }
  // The first tile waits for the kernel's parameters and TMA descriptors (an L2 load), the
  // cluster's barrier, its operand tiles (from DRAM when the L2 does not hold them) and one MMA.
  const double far = (1.0 - l2_hit(footprint)) * (dram_latency_s_ - l2_latency_s_);
  GemmTerms& terms = out.terms;
  terms.launch_us = kernel_floor_s() * 1e6;
  terms.fill_us = (l2_latency_s_ + (tensor_core ? cluster_sync_s_ : 0.0) + tile_load_latency_s_ + far + rate.latency_s) * 1e6;
  terms.mainloop_us = mainloop * 1e6;
  terms.memory_us = memory_seconds(footprint - d_bytes, d_bytes, footprint) * 1e6;
  terms.epilogue_us = tile_load_latency_s_ * 1e6;  // the store's round trip (bulk-async wait before exit)
  terms.reduction_us = reduction * 1e6;
  const double stream = std::max(terms.mainloop_us, terms.memory_us);
  out.us = terms.launch_us + terms.fill_us + stream + terms.epilogue_us + terms.reduction_us;

  if (stream == terms.memory_us) terms.bound = "memory";
  else if (step == step_stream) terms.bound = "l2 stream";
  else if (step == step_chain) terms.bound = "mma latency";
  else terms.bound = "compute";
  if (terms.launch_us + terms.fill_us + terms.epilogue_us > stream) terms.bound = terms.fill_us > terms.launch_us ? "latency" : "launch";
  return out;
}

GemmPrediction GemmModel::predict(const GemmProblem& p) const {
  if (p.batch < 1 || p.m < 1 || p.n < 1 || p.k < 1)
    throw std::invalid_argument(fmt::format("GEMM sizes must be positive (batch {}, M {}, N {}, K {})", p.batch, p.m,
                                            p.n, p.k));
  rates(p.dtype);  // a clear error before any candidate
  GemmPrediction best;
  best.us = std::numeric_limits<double>::infinity();
  // A library may compute D^T = B^T A^T (cuBLAS does, for its column-major view of row-major
  // tensors): the instruction's fixed M of 64 then lies along N and its narrow N along M.
  const bool aligned = p.aligned();  // of the tensors in memory, whichever way they are read
  GemmProblem swapped = p;
  std::swap(swapped.m, swapped.n);
  for (const GemmProblem* q : {&p, static_cast<const GemmProblem*>(&swapped)}) {
    auto consider = [&](GemmPrediction c) {
      c.impl.swapped = q == &swapped;
      if (c.us < best.us) best = std::move(c);
    };
    for (Tile tile : tiles(p.dtype)) {
      const int tk = tile_k_for(p.dtype);
      const double mn_tiles = double(q->batch) * ceil_div(double(q->m), tile.m) * ceil_div(double(q->n), tile.n);
      consider(cost(*q, aligned, tile, 1));
      // Split-K (a second kernel sums the partials) pays only when the tiles alone leave SMs
      // idle. Stream-K is not a candidate: cuBLAS chose it for none of the 1,070 shapes whose
      // kernels results/*/gemm*/kernels.csv.gz log, on either GPU.
      if (q->k < 4 * tk || mn_tiles >= sms_) continue;
      for (int s = 2; s <= 32 && double(q->k) / s >= 2 * tk; s *= 2) consider(cost(*q, aligned, tile, s));
    }
  }
  return best;
}

}  // namespace tcb::opt
