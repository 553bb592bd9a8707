// Energy per FMA of one representative instruction per MMA family and type, each at the warps x
// ILP point where it reaches its highest throughput, launched back to back for seconds. The
// kernels are the MMA families' own (families/mma/registry.hpp, picked by atom name at run time),
// their output verified as the MMA family verifies it.
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "families/energy/family.hpp"
#include "families/energy/load.hpp"
#include "families/mma/bench_operands.hpp"
#include "families/mma/kernels/chain_compare.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/chain_length.hpp"
#include "harness/core/stats.hpp"
#include "harness/device/peaks.hpp"

namespace tcb::energy {
namespace {

using core::Figure;
using core::LaunchTiming;
using core::State;

// The steps of each chain. Integer chains accumulate (floats alternate B and -B) and
// families/mma/operands.cpp narrows integer operands once steps x k x |a| x |b| nears INT32_MAX:
// 2045 steps keep s8 operands at their full range up to k = 64, the widest integer representative
// (a narrower range would toggle fewer bits: less energy than real data). Floats take longer
// chains, so that fewer waves of blocks make a launch of kTargetLaunchS.
constexpr long kFloatChainSteps = 16383;
constexpr long kIntChainSteps = 2045;
constexpr int kMaxWaves = 64;
constexpr size_t kMaxOutputBytes = size_t(1) << 30;  // d_out of one launch (every chain's D)
const std::vector<int> kProbeWarps = {8, 16, 32};

long chain_steps_for(const AtomInfo& a) { return dtype_is_float(a.d) ? kFloatChainSteps : kIntChainSteps; }

const Benchmark* find_atom(const std::string& name) {
  for (const Benchmark& b : registry())
    if (b.info.name == name && b.work == Work::mma) return &b;
  return nullptr;
}

// Why `blocks_per_sm` blocks of `threads` threads of this kernel cannot all be resident on one
// SM, or "". (The MMA family asks the same before each throughput point.)
std::string residency_problem(const Benchmark& b, int ilp, int threads, int blocks_per_sm) {
  const void* k = b.kernel(ilp);
  cudaFuncAttributes fa{};
  if (cudaFuncGetAttributes(&fa, k) != cudaSuccess) return "no kernel attributes";
  if (threads > fa.maxThreadsPerBlock) return "too many threads per block";
  if (b.smem_bytes > 48 * 1024) cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, b.smem_bytes);
  int resident = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, k, threads, b.smem_bytes) != cudaSuccess) {
    cudaGetLastError();
    return "occupancy query failed";
  }
  return resident >= blocks_per_sm ? "" : "not resident";
}

// One candidate point: `units` per SM (warps or warpgroups) as blocks of units, `waves` times
// as many blocks as are resident at once.
struct Point {
  int warps = 0, ilp = 0, units_per_block = 0, blocks_per_sm = 0, waves = 1;
  double rate = 0;     // ops/clk/SM of the probe
  double wave_s = 0;   // one wave's wall time in the probe
  int blocks(int sm_count) const { return sm_count * blocks_per_sm * waves; }
};

class InstructionRun {
 public:
  InstructionRun(const Benchmark& bench, State& st) : bench_(bench), st_(st) {}

  void run() {
    const core::SassFacts* sass = st_.sass();
    if (st_.sass_inspected() && sass && !sass->native) {
      st_.skip_point("not a native tensor-core instruction on this GPU (ptxas emulates it): its energy would be the "
                     "emulation's, not the instruction's");
      return;
    }
    opaque_ = !(st_.sass_inspected() && sass && sass->native);
    idle_w_ = idle_baseline(st_, &idle_notes_);  // before any load of ours
    steps_ = chain_steps_for(bench_.info);
    {
      auto* seconds = st_.phase_seconds("cpu_operands");
      const double t0 = now_s();
      ops_ = std::make_unique<BenchOperands>(bench_, st_.config().data, st_.seed(), steps_);
      *seconds += now_s() - t0;
    }
    Point best = probe();
    if (best.rate <= 0) {
      st_.skip_point("no warps x ILP point of the probe fits on one SM");
      return;
    }
    best.waves = waves_for(best);
    if (!st_.stop_requested()) sustain(best);
  }

 private:
  int warps_per_unit() const { return bench_.threads_per_unit / 32; }
  double fma_per_launch(const Point& p) const {
    return double(p.blocks(st_.device().sm_count)) * p.units_per_block * p.ilp * double(steps_) *
           bench_.info.fma_per_instr();
  }

  ChainLaunch chain_launch(const Point& p) const {
    ChainLaunch c;
    c.blocks = p.blocks(st_.device().sm_count);
    c.warps_per_block = p.units_per_block * warps_per_unit();
    c.ilp = p.ilp;
    c.steps = steps_;
    c.opaque_operands = opaque_;
    ops_->fill(&c);
    DeviceBuffer& out = st_.buffer("energy.mma.out");
    out.reserve(size_t(c.blocks) * p.units_per_block * p.ilp * ops_->chain_bytes());
    c.d_out = out.get();
    return c;
  }

  std::vector<LaunchTiming> launches(const Point& p, int count, int warmup) {
    ChainLaunch c = chain_launch(p);
    return st_.time_launches(count, c.blocks, warmup, [&](int, unsigned long long* timing) {
      c.timing = timing;
      return bench_.launch(c, st_.stream());
    });
  }

  // The candidate points as the MMA family forms them (warpgroups take multiples of 4 warps).
  std::vector<Point> candidates() const {
    std::vector<Point> out;
    const int wpu = warps_per_unit();
    for (int w : kProbeWarps)
      for (int ilp : bench_.ilps) {
        if (w % wpu != 0) continue;
        const int units = w / wpu, max_units_per_block = 32 / wpu;
        const int blocks_per_sm = (units + max_units_per_block - 1) / max_units_per_block;
        if (units % blocks_per_sm != 0) continue;
        Point p;
        p.warps = w;
        p.ilp = ilp;
        p.units_per_block = units / blocks_per_sm;
        p.blocks_per_sm = blocks_per_sm;
        if (residency_problem(bench_, ilp, p.units_per_block * bench_.threads_per_unit, blocks_per_sm).empty())
          out.push_back(p);
      }
    return out;
  }

  // The point of highest throughput: each candidate timed briefly (two launches after a warm-up).
  Point probe() {
    Point best;
    for (Point p : candidates()) {
      if (st_.stop_requested()) break;
      const auto t = launches(p, 3, 1);
      const double ops = 2 * fma_per_launch(p);
      std::vector<double> rates, walls;
      for (const auto& l : t) {
        rates.push_back(l.sm_span_cycles > 0 ? ops / l.sm_span_cycles : 0);
        walls.push_back(l.wall_ns * 1e-9);
      }
      p.rate = summarize(rates).median;
      p.wave_s = summarize(walls).median;
      if (p.rate > best.rate) best = p;
    }
    st_.say(fmt::format("saturating point: {} warps/SM x ILP {} ({:.0f} ops/clk/SM in the probe)", best.warps, best.ilp,
                        best.rate));
    return best;
  }

  // Waves of blocks that make one launch about kTargetLaunchS, within the output's memory cap.
  int waves_for(const Point& p) const {
    const double per_wave_bytes =
        double(st_.device().sm_count) * p.blocks_per_sm * p.units_per_block * p.ilp * ops_->chain_bytes();
    int waves = p.wave_s > 0 ? int(std::min<double>(kMaxWaves, std::lround(kTargetLaunchS / p.wave_s))) : 1;
    if (per_wave_bytes > 0) waves = std::min(waves, int(std::min<double>(kMaxWaves, kMaxOutputBytes / per_wave_bytes)));
    return std::clamp(waves, 1, kMaxWaves);
  }

  // Every chain of the last launch equals chain 0, and chain 0 verifies against the CPU reference.
  Verdict verify_output(const Point& p) {
    DeviceBuffer& out = st_.buffer("energy.mma.out");
    DeviceBuffer& cmp = st_.buffer("energy.mma.compare");
    const size_t chains = size_t(p.blocks(st_.device().sm_count)) * p.units_per_block * p.ilp;
    cmp.reserve(2 * sizeof(unsigned long long));
    auto* res = static_cast<unsigned long long*>(cmp.get());
    State::check(kern::count_chain_mismatches(out.get(), ops_->chain_bytes(), chains, res, st_.stream()),
                 "chain compare");
    st_.wait("chain compare");
    const std::vector<uint8_t> chain0 = out.download(ops_->chain_bytes());
    const auto r = cmp.download_as<unsigned long long>(2);
    const double t0 = now_s();
    Verdict v = ops_->verify(steps_, chain0.data());
    *st_.phase_seconds("cpu_verification") += now_s() - t0;
    if (v.ok && r[0]) {
      v.ok = false;
      v.detail = fmt::format("chain {} differs from chain 0 ({} words differ; same inputs must give the same bits)",
                             r[1], r[0]);
    }
    return v;
  }

  double peak_ops_per_clk() const {
    const double p = peak_ops_per_clk_sm(st_.device().sm, bench_.info.a, bench_.info.d);
    return is_sparse(bench_.info) ? 2 * p : p;  // dense-equivalent work, zeros included
  }

  void sustain(const Point& p) {
    const int blocks = p.blocks(st_.device().sm_count);
    const int count = launches_for(p.wave_s * p.waves, kRampS, st_.config().energy_window_s, kTailS);
    st_.say(fmt::format("{} launches of {} blocks ({} waves, {} steps), ~{:.0f} ms each", count, blocks, p.waves, steps_,
                        p.wave_s * p.waves * 1e3));
    ChainLaunch c = chain_launch(p);
    const LoadResult load = run_load(st_, count, blocks, [&](int, unsigned long long* timing) {
      c.timing = timing;
      return bench_.launch(c, st_.stream());
    });
    const Verdict v = verify_output(p);

    Figure shared;
    shared.warps_per_sm = p.warps;
    shared.ilp = p.ilp;
    shared.params = fmt::format("instr_family={};steps={};waves={};launches={};data={};fma={}",
                                family_name(bench_.info.family), steps_, p.waves, count,
                                data_mode_name(st_.config().data),
                                is_sparse(bench_.info) ? "dense-equivalent (2:4 zeros counted)" : "dense");
    shared.verified = v.ok;
    shared.notes = idle_notes_;
    if (!v.ok) shared.notes.push_back("output check failed: " + v.detail);
    if (opaque_)
      shared.notes.push_back("operands varied per step and chain (native unknown: SASS not inspected), as the MMA "
                             "family does");

    // The rate during the energy window: a count of FMA too high would show above the peak.
    const double ops = 2 * fma_per_launch(p);
    Figure rate = shared;
    rate.metric = "ops_per_clk_sm";
    rate.unit = "ops/clk/SM";
    rate.bound = peak_ops_per_clk();
    rate.bound_source = "architectural tensor peak (harness/device/peaks.cpp)";
    rate.bound_unknown_is_a_note = true;
    rate.keep_throttled = true;
    rate.samples = part_samples(
        load, part_medians(load, [&](const LaunchTiming& t) { return t.sm_span_cycles > 0 ? ops / t.sm_span_cycles : 0; }));
    const ResultRow rate_row = st_.report(rate);
    if (!rate_row.valid && v.ok) {
      shared.verified = false;
      shared.notes.push_back("the rate row is invalid (" + rate_row.note + "): the FMA count is not trusted");
    }
    report_energy(st_, load, std::vector<double>(size_t(count), fma_per_launch(p)), kPerFma, shared, idle_w_);
  }

  const Benchmark& bench_;
  State& st_;
  bool opaque_ = true;
  double idle_w_ = 0;
  std::vector<std::string> idle_notes_;
  long steps_ = 0;
  std::unique_ptr<BenchOperands> ops_;
};

}  // namespace

const std::vector<std::string>& representative_atoms() {
  // For each MMA family and type, the atom of the highest ops/clk/SM of its family and type in the
  // committed H200 sweep (results/nvidia-h200), dense and sparse. mma.sync e4m3 is emulated on
  // sm_90 (skipped there, measured where native); b1 (AND/XOR + popc) has no FMA to count.
  static const std::vector<std::string> atoms = {
      "SM80_16x8x16_F32F16F16F32_TN",        "SM80_16x8x16_F32BF16BF16F32_TN",
      "SM80_16x8x8_F32TF32TF32F32_TN",       "SM90_16x8x16_F64F64F64F64_TN",
      "SM80_16x8x32_S32S8S8S32_TN",          "SM89_16x8x32_F32E4M3E4M3F32_TN",
      "SM80_16x8x32_F32F16F16F32_TN_SPARSE_SEL0", "SM80_16x8x64_S32S8S8S32_TN_SPARSE_SEL0",
      "SM70_WMMA_16x16x16_F32F16F16F32_TN",
      // wgmma at N = 256 with A from registers (RS reaches the peak); SS f16 for the shared-memory A path.
      "SM90_64x256x16_F32F16F16_RS",         "SM90_64x256x16_F32F16F16_SS",
      "SM90_64x256x16_F32BF16BF16_RS",       "SM90_64x256x8_F32TF32TF32_RS",
      "SM90_64x256x32_F32E4M3E4M3_RS",       "SM90_64x256x32_S32S8S8_RS",
      "SM90_SPARSE_64x256x32_F32F16F16_RS",  "SM90_SPARSE_64x256x64_F32E4M3E4M3_RS",
      "SM90_SPARSE_64x256x64_S32S8S8_RS",
  };
  return atoms;
}

long instruction_chain_steps(const std::string& atom) {
  const Benchmark* b = find_atom(atom);
  return b ? chain_steps_for(b->info) : 0;
}

std::vector<core::Benchmark> instruction_benchmarks() {
  std::vector<core::Benchmark> out;
  for (const std::string& name : representative_atoms()) {
    core::Benchmark c;
    c.row.family = "energy";
    c.row.atom = name;
    c.table = "energy";
    c.selection_tag = "energy/" + name;
    const Benchmark* b = find_atom(name);
    if (b) {  // the row names the instruction as the MMA family's rows do
      const AtomInfo& a = b->info;
      c.row.ptx = a.ptx;
      c.row.m = a.m; c.row.n = a.n; c.row.k = a.k;
      c.row.a_type = dtype_name(a.a); c.row.b_type = dtype_name(a.b);
      c.row.c_type = dtype_name(a.c); c.row.d_type = dtype_name(a.d);
    }
    c.unsupported = [name](const DeviceInfo& dev) -> std::string {
      const std::string nvml = unavailable_reason();
      if (!nvml.empty()) return nvml;
      if (!find_atom(name)) return "its instruction family is not in this build (TCBENCH_FAMILIES)";
      // The MMA family's own answer (architecture, kernel image); asked only now, when the
      // registry of core benchmarks is complete.
      for (const core::Benchmark& other : core::benchmarks())
        if (other.family() != "energy" && other.name() == name && other.unsupported) return other.unsupported(dev);
      return "";
    };
    c.run = [name](State& st) { InstructionRun(*find_atom(name), st).run(); };
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace tcb::energy
