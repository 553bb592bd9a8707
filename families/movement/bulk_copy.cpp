// The bulk copy engine (sm_90's TMA unit), global -> shared memory, completing on an mbarrier:
// cp.async.bulk (tma.bulk.*) and cp.async.bulk.tensor.2d with a CUtensorMap (tma.tensor2d.*).
// Latency: one dependent chain of copies; bandwidth: every SM streaming tiles through a ring of
// shared-memory stages, from the L2 and from DRAM. Method: docs/movement.md, "Off-chip paths".
#include <cudaTypedefs.h>  // PFN_cuTensorMapEncodeTiled
#include <fmt/format.h>

#include <algorithm>

#include "families/movement/common.cuh"
#include "families/movement/off_chip.hpp"
#include "families/movement/off_chip_kernels.hpp"
#include "families/movement/on_chip.hpp"

namespace tcb::movement::offchip {
namespace {

constexpr uint32_t kTileSizes[] = {1 * 1024, 4 * 1024, 16 * 1024, 64 * 1024};
// Latency: the tiles of the chain live in 8 MiB (L2-resident after an untimed first launch).
constexpr long long kLatencyFootprint = 8 * MiB;
// Bandwidth sources: 16 MiB (within half of an H100/H200 L2: from the L2 once warm) and 1 GiB
// (>= 4 x any L2: from DRAM).
constexpr long long kL2Footprint = 16 * MiB;
constexpr long long kDramFootprint = 1 * GiB;
constexpr long long kBytesPerShortLaunch = 1 * GiB;

const char* kBulkPtx = "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes";
const char* kTensorPtx = "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes";

const char* kind_text(BulkKind k) { return k == BulkKind::bulk ? "cp.async.bulk" : "cp.async.bulk.tensor.2d"; }

// cuTensorMapEncodeTiled from the driver, through the runtime (no link to libcuda).
PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder(std::string* why) {
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult found{};
#if CUDART_VERSION >= 12050
  const cudaError_t e = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &found);
#else
  const cudaError_t e = cudaGetDriverEntryPoint("cuTensorMapEncodeTiled", &fn, cudaEnableDefault, &found);
#endif
  if (e != cudaSuccess || found != cudaDriverEntryPointSuccess || !fn) {
    cudaGetLastError();
    *why = fmt::format("the driver has no cuTensorMapEncodeTiled ({})", e != cudaSuccess ? cudaGetErrorString(e) : "symbol not found");
    return nullptr;
  }
  return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(fn);
}

// The source as the kernels read it: bulk copies address bytes; the tensor map views the same
// bytes as a 2D tensor of kTensorRowWords-word rows, one tile = tile_bytes / 256 rows.
BulkSource make_source(BulkKind kind, const void* base, long long bytes, uint32_t tile_bytes, std::string* why) {
  BulkSource s;
  s.kind = kind;
  s.base = static_cast<const uint8_t*>(base);
  s.tile_bytes = tile_bytes;
  if (kind == BulkKind::bulk) return s;
  const auto encode = tensor_map_encoder(why);
  if (!encode) return s;
  const cuuint64_t row_bytes = kTensorRowWords * 4;
  const cuuint64_t dims[2] = {cuuint64_t(kTensorRowWords), cuuint64_t(bytes) / row_bytes};
  const cuuint64_t strides[1] = {row_bytes};
  const cuuint32_t box[2] = {cuuint32_t(kTensorRowWords), cuuint32_t(tile_bytes / row_bytes)};
  const cuuint32_t element_strides[2] = {1, 1};
  const CUresult r = encode(&s.map, CU_TENSOR_MAP_DATA_TYPE_UINT32, 2, const_cast<void*>(base), dims, strides, box,
                            element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_NONE,
                            CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) *why = fmt::format("cuTensorMapEncodeTiled failed (CUresult {})", int(r));
  return s;
}

// ---- latency ------------------------------------------------------------------------------

// The sum of the 32-bit words of tile t as linked for the latency chain: word j is t * words + j,
// except word 0, which holds next[t].
unsigned long long linked_tile_sum(uint32_t t, uint32_t tile_words, const std::vector<uint32_t>& next) {
  const unsigned long long first = static_cast<unsigned long long>(t) * tile_words;
  unsigned long long sum = next[t];
  for (uint32_t j = 1; j < tile_words; ++j) sum += static_cast<uint32_t>(first + j);
  return sum;
}

void latency_point(core::State& st, BulkKind kind, uint32_t tile_bytes) {
  const SweepConfig& cfg = st.config();
  const std::string params = fmt::format("copy={};source=l2", kind_text(kind));
  const long long tiles = kLatencyFootprint / tile_bytes;
  const uint32_t tile_words = tile_bytes / 4;
  const std::vector<uint32_t> next = random_cycle(uint32_t(tiles), st.seed() ^ tile_bytes);
  void* words = sized_buffer(st, "movement.bulk.chain", size_t(kLatencyFootprint)).get();
  const auto* next_d = upload(st, "movement.bulk.next", next);
  core::State::check(launch_fill_words(static_cast<uint32_t*>(words), kLatencyFootprint / 4, 0, st.device().sm_count,
                                       st.stream()),
                     "bulk: fill the tiles");
  core::State::check(launch_link_tiles(static_cast<uint32_t*>(words), next_d, tiles, tile_words, st.stream()),
                     "bulk: link the tiles");
  std::string why;
  const BulkSource src = make_source(kind, words, kLatencyFootprint, tile_bytes, &why);
  if (!why.empty()) {
    st.skip_point(why, 0, 0, params);
    return;
  }
  core::State::check(allow_bulk_smem(bulk_latency_smem_bytes(tile_bytes)), "bulk: shared memory limit");
  ChainPair pair = chain_pair(cfg, 1);
  const int launches = chain_launches(cfg);
  auto* out = static_cast<unsigned long long*>(sized_buffer(st, "movement.bulk.out", size_t(launches + 1) * 3 * 8).get());
  // Every launch starts at tile 0, so an untimed first launch of the longer chain brings every tile
  // a timed launch copies into the L2.
  core::State::check(launch_bulk_latency(src, 0, pair.longer, out + 3 * size_t(launches), nullptr, st.stream()),
                     "bulk: warm-up chain");
  const auto timings = st.time_launches(launches, 1, cfg.warmup, [&](int i, unsigned long long* timing) {
    return launch_bulk_latency(src, 0, chain_steps(cfg, pair, i), out + 3 * size_t(i), timing, st.stream());
  });
  const auto got = sized_buffer(st, "movement.bulk.out", 0).download_as<unsigned long long>(size_t(launches) * 3);
  Check check;
  for (int i = 0; i < launches; ++i) {
    const long steps = chain_steps(cfg, pair, i);
    const uint32_t last_copied = walk(next, 0, steps - 1);
    const unsigned long long* o = &got[3 * size_t(i)];
    if (o[2]) check.fail(fmt::format("launch {}: error bits {:#x} (1: a copy never completed, 2: no sm_90 code)", i, o[2]));
    else if (o[0] != next[last_copied])
      check.fail(fmt::format("launch {}: the chain ended at tile {}, not {}", i, o[0], next[last_copied]));
    else if (o[1] != linked_tile_sum(last_copied, tile_words, next))
      check.fail(fmt::format("launch {}: the last tile in shared memory sums to {:#x}, not {:#x}", i, o[1],
                             linked_tile_sum(last_copied, tile_words, next)));
  }
  std::vector<std::string> notes;
  if (check.ok) notes.push_back("every launch ended on the host's tile and its last tile in shared memory sums right");
  notes.push_back(fmt::format("one thread: arrive.expect_tx, copy, wait on the mbarrier, read the next tile's index from "
                              "the tile; {} tiles in {}, chains of {} and {} copies",
                              tiles, size_text(kLatencyFootprint), pair.shorter, pair.longer));
  report_latency(st, pair, timings, check, params, tile_bytes, notes);
}

// ---- bandwidth ----------------------------------------------------------------------------

void bandwidth_point(core::State& st, BulkKind kind, uint32_t tile_bytes, bool from_dram) {
  const DeviceInfo& dev = st.device();
  const SweepConfig& cfg = st.config();
  const long long footprint = from_dram ? kDramFootprint : kL2Footprint;
  const int short_passes = int(std::max(1ll, kBytesPerShortLaunch / footprint)), long_passes = 3 * short_passes;
  const DramBound dram = dram_bound(dev);
  std::string params = fmt::format("copy={};source={};footprint={};passes={},{}", kind_text(kind),
                                   from_dram ? "dram" : "l2", size_text(footprint), short_passes, long_passes);
  if (from_dram && dram.datasheet_gbs > 0) params += fmt::format(";datasheet_gbs={:.0f}", dram.datasheet_gbs);
  if (!from_dram && footprint > dev.l2_bytes / 2) {
    st.skip_point(fmt::format("footprint {} is over half the L2 ({})", size_text(footprint), size_text(dev.l2_bytes)), 0,
                  0, params);
    return;
  }
  if (from_dram && footprint < 4ll * dev.l2_bytes) {
    st.skip_point(fmt::format("footprint {} is under 4 x the L2 ({})", size_text(footprint), size_text(dev.l2_bytes)), 0,
                  0, params);
    return;
  }
  void* words = sized_buffer(st, "movement.bw.src", size_t(footprint)).get();
  core::State::check(launch_fill_words(static_cast<uint32_t*>(words), footprint / 4, 0, dev.sm_count, st.stream()),
                     "bulk: fill the source");
  std::string why;
  const BulkSource src = make_source(kind, words, footprint, tile_bytes, &why);
  if (!why.empty()) {
    st.skip_point(why, 0, 0, params);
    return;
  }
  const long long tiles = footprint / tile_bytes;
  const int blocks = dev.sm_count;
  const BulkStreamPlan short_plan = plan_bulk_stream(tile_bytes, tiles, short_passes, blocks);
  BulkStreamPlan long_plan = short_plan;
  long_plan.passes = long_passes;
  const std::string fit = occupancy_problem(bulk_kernel(kind, false), 32 * (1 + short_plan.consumers),
                                            short_plan.smem_bytes(), 1);
  if (!fit.empty()) {
    st.skip_point(fit, 0, 0, params);
    return;
  }
  const int launches = chain_launches(cfg);
  auto* sums = static_cast<unsigned long long*>(sized_buffer(st, "movement.bulk.sums", size_t(launches) * blocks * 8).get());
  auto* errors = static_cast<unsigned long long*>(zeroed(st, "movement.bulk.errors", size_t(launches + 1) * 8));
  auto plan_of = [&](int i) { return i < cfg.warmup || (i - cfg.warmup) % 2 ? long_plan : short_plan; };
  BulkStreamPlan warm = short_plan;
  warm.passes = 1;
  core::State::check(launch_bulk_bandwidth(src, warm, sums, errors + launches, nullptr, st.stream()),
                     "bulk: warm-up pass");
  const auto timings = st.time_launches(launches, blocks, cfg.warmup, [&](int i, unsigned long long* timing) {
    return launch_bulk_bandwidth(src, plan_of(i), sums + size_t(i) * blocks, errors + i, timing, st.stream());
  });
  const auto sum_h = sized_buffer(st, "movement.bulk.sums", 0).download_as<unsigned long long>(size_t(launches) * blocks);
  const auto err_h = st.buffer("movement.bulk.errors").download_as<unsigned long long>(size_t(launches));
  Check check;
  const unsigned long long n = static_cast<unsigned long long>(footprint / 4);
  const unsigned long long all_words = n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
  for (int i = 0; i < launches; ++i) {
    unsigned long long total = 0;
    for (int b = 0; b < blocks; ++b) total += sum_h[size_t(i) * blocks + b];
    const unsigned long long want = all_words * static_cast<unsigned long long>(plan_of(i).passes);
    if (err_h[i]) check.fail(fmt::format("launch {}: error bits {:#x} (1: a copy never completed, 2: no sm_90 code)", i, err_h[i]));
    else if (total != want) check.fail(fmt::format("launch {}: the tiles in shared memory sum to {:#x}, not {:#x}", i, total, want));
  }
  core::Figure f;
  f.metric = "bandwidth_gbs";
  f.unit = "GB/s";
  f.size_bytes = tile_bytes;
  f.params = params;
  f.samples = paired_samples(timings, [&](const core::LaunchTiming& s, const core::LaunchTiming& l) {
    const double dt = l.wall_ns - s.wall_ns;
    return dt > 0 ? double(long_passes - short_passes) * double(footprint) / dt : NAN;
  });
  f.verified = check.ok;
  if (!check.ok) f.notes.push_back("output check failed: " + check.note());
  else f.notes.push_back("every tile of every launch summed in shared memory; the sums equal the closed form");
  f.notes.push_back(fmt::format("1 block per SM: 1 issuing thread, {} consumer warps, {} stages of {} in shared memory",
                                short_plan.consumers, short_plan.stages, size_text(tile_bytes)));
  if (from_dram) {
    f.bound = dram.gbs;
    f.bound_source = dram.source;
    f.bound_unknown_is_a_note = true;
  } else {
    f.bound = l2_ceiling_gbs(dev, f.samples, 1);
    f.bound_source = fmt::format("L2 to SMs: {} SMs x 128 B/clk (shared-memory write path) x {:.0f} MHz", dev.sm_count,
                                 max_sm_clock_mhz(dev, f.samples));
  }
  int uneven = 0;
  for (const auto& t : timings) uneven += !t.even_placement;
  if (uneven) f.notes.push_back(fmt::format("blocks not spread evenly over the SMs in {} of {} launches", uneven, timings.size()));
  const ResultRow& r = st.report(std::move(f));
  st.say(fmt::format("{} tiles from {}: {:.0f} GB/s{}", size_text(tile_bytes), from_dram ? "DRAM" : "L2",
                     r.stats.median, r.valid ? "" : " (INVALID: " + r.note + ")"));
}

void run_latency(core::State& st, BulkKind kind) {
  if (!st.config().latency) return;
  for (uint32_t tile : kTileSizes) {
    if (st.stop_requested()) break;
    latency_point(st, kind, tile);
  }
}

void run_bandwidth(core::State& st, BulkKind kind) {
  if (!st.config().throughput) return;
  for (bool from_dram : {false, true})
    for (uint32_t tile : kTileSizes) {
      if (st.stop_requested()) return;
      bandwidth_point(st, kind, tile, from_dram);
    }
}

core::Benchmark bulk_benchmark(BulkKind kind, bool latency) {
  const bool bulk = kind == BulkKind::bulk;
  const char* ptx = bulk ? kBulkPtx : kTensorPtx;
  const void* kernel = bulk_kernel(kind, latency);
  core::Benchmark b = movement_benchmark(
      fmt::format("tma.{}.{}", bulk ? "bulk" : "tensor2d", latency ? "latency" : "bandwidth"), ptx, 90, kernel,
      fmt::format("{}_{}_kernel", bulk ? "bulk_g2s" : "tma_tensor2d", latency ? "latency" : "bandwidth"),
      bulk ? "^UBLKCP" : "^UTMALDG",
      [kind, latency](core::State& st) { latency ? run_latency(st, kind) : run_bandwidth(st, kind); });
  b.unsupported = [ptx, kernel](const DeviceInfo& d) { return needs_sm90(d, ptx, kernel); };
  return b;
}

}  // namespace

std::vector<core::Benchmark> bulk_copy_benchmarks() {
  return {bulk_benchmark(BulkKind::bulk, true), bulk_benchmark(BulkKind::bulk, false),
          bulk_benchmark(BulkKind::tensor2d, true), bulk_benchmark(BulkKind::tensor2d, false)};
}

}  // namespace tcb::movement::offchip
