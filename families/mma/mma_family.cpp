// The MMA families (mma.sync, mma.sp, wmma, wgmma) on the family-neutral core: each atom
// benchmark of the atom registry (families/mma/registry.hpp) becomes a core::Benchmark whose run
// function verifies the kernel bit for bit on exact data, measures the latency pair and the
// warps x ILP throughput grid through the State, and verifies every timed launch's output
// against the CPU reference (and the numerics model where one exists).
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "families/mma/bench_operands.hpp"
#include "families/mma/kernels/chain_compare.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/chain_length.hpp"
#include "harness/core/state.hpp"
#include "harness/device/peaks.hpp"
#include "model/presets.hpp"

namespace tcb {
namespace {

using core::Figure;
using core::LaunchTiming;
using core::State;

using core::ChargeSeconds;

// Metric names: mma work keeps the plain names; loads/stores are prefixed with the work.
std::string metric_name(const Benchmark& b, const char* metric) {
  return b.work == Work::mma ? metric : fmt::format("{}_{}", work_name(b.work), metric);
}

// Launch geometry: `units` per SM (a unit is a warp or a warpgroup), as blocks of units.
struct Geometry {
  int blocks = 1, units_per_block = 1, units_per_sm = 1;
};

// Why `blocks_per_sm` blocks of this kernel cannot be resident on one SM together, or "".
std::string occupancy_problem(const Benchmark& b, int ilp, int threads_per_block, int blocks_per_sm) {
  int resident = 0;
  const void* k = b.kernel(ilp);
  cudaFuncAttributes fa{};
  if (cudaFuncGetAttributes(&fa, k) == cudaSuccess && threads_per_block > fa.maxThreadsPerBlock)
    return fmt::format("{} threads per block exceed the kernel's limit of {} at ILP {} ({} registers/thread)",
                       threads_per_block, fa.maxThreadsPerBlock, ilp, fa.numRegs);
  if (b.smem_bytes > 48 * 1024) cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, b.smem_bytes);
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, k, threads_per_block, b.smem_bytes) != cudaSuccess)
    return fmt::format("occupancy query failed: {}", cudaGetErrorString(cudaGetLastError()));
  if (resident >= blocks_per_sm) return "";
  return fmt::format("{} threads/SM at ILP {} do not fit on one SM ({} registers/thread, {} B shared/block)",
                     threads_per_block * blocks_per_sm, ilp, fa.numRegs, b.smem_bytes);
}

// Why the running GPU cannot run this benchmark, or "" when it can.
std::string unsupported_reason(const Benchmark& b, const DeviceInfo& dev) {
  const AtomInfo& a = b.info;
  if (!a.exists_on(dev.sm))
    return fmt::format("{} needs sm_{}{}; this GPU is sm_{}", a.ptx, a.min_sm,
                       a.max_sm ? fmt::format("..sm_{}", a.max_sm) : "+", dev.sm);
  cudaFuncAttributes fa{};
  if (cudaFuncGetAttributes(&fa, b.kernel(b.ilps.front())) != cudaSuccess) {
    std::string e = cudaGetErrorString(cudaGetLastError());
    return fmt::format("no kernel image for sm_{} in this build ({}; built for {})", dev.sm, e, TCB_BUILT_ARCHS);
  }
  if (fa.binaryVersion < a.min_sm)
    return fmt::format("this build has no sm_{}+ code for it (loaded sm_{} code; built for {})", a.min_sm,
                       fa.binaryVersion, TCB_BUILT_ARCHS);
  return "";
}

// The plausibility bound for a benchmark's throughput, in its own units (0: unknown).
double peak_for(const Benchmark& b, const DeviceInfo& dev) {
  if (b.work != Work::mma) return 0;  // loads/stores: no datasheet figure per SM
  const AtomInfo& a = b.info;
  double p = peak_ops_per_clk_sm(dev.sm, a.a, a.d);
  if (p <= 0) {  // unknown type: the largest peak known for this architecture
    for (DType t : {DType::f16, DType::tf32, DType::f64, DType::e4m3, DType::s8, DType::s4, DType::b1})
      p = std::max(p, peak_ops_per_clk_sm(dev.sm, t, DType::f32));
  }
  // Sparse instructions count the dense-equivalent work (zeros included): twice the dense peak.
  return is_sparse(a) ? 2 * p : p;
}

// One MMA benchmark's run: the state times, the benchmark describes its chains.
class MmaRun {
 public:
  MmaRun(const Benchmark& bench, State& state) : bench_(bench), st_(state), cfg_(state.config()) {}

  void run() {
    const core::SassFacts* sass = st_.sass();
    // Emulated (or not inspected) instructions get operands the compiler cannot hoist.
    opaque_ = !(st_.sass_inspected() && sass && sass->native);
    if (opaque_)
      add_base_note(std::string("operands varied per step and chain (") +
                    (!st_.sass_inspected() || !sass ? "native unknown: the conservative choice"
                                                    : "not a native tensor-core instruction here") +
                    ": otherwise ptxas may hoist loop-invariant work)");
    prepare_operands();
    verify_exact_variants();
    if (cfg_.latency && !st_.stop_requested()) {
      // wgmma: completion latency (wait after each) and the dependent issue interval, kept apart.
      chain_cycles("latency_cycles", is_wgmma() ? IssueMode::wait_each : IssueMode::pipelined);
      if (is_wgmma()) chain_cycles("issue_interval_cycles", IssueMode::pipelined);
    }
    if (cfg_.throughput) throughput_grid();
  }

 private:
  bool is_wgmma() const { return bench_.info.family == Family::wgmma; }
  int warps_per_unit() const { return bench_.threads_per_unit / 32; }
  double work_per_step() const {
    return bench_.work == Work::mma ? bench_.info.ops_per_instr() : double(bench_.bytes_per_step);
  }
  void add_base_note(const std::string& n) {
    std::string& note = st_.base_row().note;
    note += (note.empty() ? "" : "; ") + n;
  }

  // The timed operands first: their CPU reference is prepared in the background while the
  // exact-data checks and the latency chains run on the GPU.
  std::unique_ptr<BenchOperands> make_operands(DataMode mode, uint64_t seed) {
    ChargeSeconds t{st_.phase_seconds("cpu_operands")};
    const long max_steps = chain_length(std::max(cfg_.latency_steps.back(), cfg_.throughput_steps));
    return std::make_unique<BenchOperands>(bench_, mode, seed, max_steps);
  }

  void prepare_operands() {
    ops_ = make_operands(cfg_.data, st_.seed());
    model_preset_ = model::preset_for_sm(st_.device().sm);  // "" for GPUs without one
    if (model_preset_.empty() || is_sparse(bench_.info)) return;
    try {
      // The chain lengths verified below: latency's longer chain, throughput's.
      ops_->use_model(model::resolve(model_preset_, bench_.info.ptx).params, model_preset_,
                      {chain_length(cfg_.latency_steps[1]), chain_length(cfg_.throughput_steps)});
    } catch (const model::ResolveError&) {  // no model path (b1, sparse): tolerance and exact data only
    }
  }

  // Back-to-back launches of chains of steps[0], steps[1], ... (the first `warmup` untimed).
  std::vector<LaunchTiming> launches(const BenchOperands& ops, const Geometry& g, int ilp, const std::vector<long>& steps,
                                     int warmup, IssueMode issue = IssueMode::pipelined) {
    DeviceBuffer& out = st_.buffer("mma.out");
    out.reserve(size_t(g.blocks) * g.units_per_block * ilp * ops.chain_bytes());
    ChainLaunch p;
    p.blocks = g.blocks;
    p.warps_per_block = g.units_per_block * warps_per_unit();
    p.ilp = ilp;
    p.issue = issue;
    ops.fill(&p);
    p.d_out = out.get();
    p.opaque_operands = opaque_;
    return st_.time_launches(int(steps.size()), g.blocks, warmup, [&](int i, unsigned long long* timing) {
      p.steps = steps[i];
      p.timing = timing;
      return bench_.launch(p, st_.stream());
    });
  }

  // Checks every chain of the last launch's output: all chains equal chain 0, and chain 0 verifies.
  Verdict verify_output(const BenchOperands& ops, const Geometry& g, int ilp, long steps) {
    DeviceBuffer& out = st_.buffer("mma.out");
    DeviceBuffer& cmp = st_.buffer("mma.compare");
    std::vector<uint8_t> chain0;
    unsigned long long differing = 0, first_differing = 0;
    {
      ChargeSeconds t{st_.phase_seconds("gpu_launches")};
      const size_t chains = size_t(g.blocks) * g.units_per_block * ilp;
      cmp.reserve(2 * sizeof(unsigned long long));
      auto* res = static_cast<unsigned long long*>(cmp.get());
      State::check(kern::count_chain_mismatches(out.get(), ops.chain_bytes(), chains, res, st_.stream()), "chain compare");
      st_.wait("chain compare");
      chain0 = out.download(ops.chain_bytes());
      const auto r = cmp.download_as<unsigned long long>(2);
      differing = r[0];
      first_differing = r[1];
    }
    ChargeSeconds t{st_.phase_seconds("cpu_verification")};
    Verdict v = ops.verify(steps, chain0.data());
    if (v.ok && differing) {
      v.ok = false;
      v.detail = fmt::format("chain {} differs from chain 0 ({} words differ; same inputs must give the same bits)",
                             first_differing, differing);
    }
    return v;
  }

  // 1. Bit-exact verification of every ILP variant we will time, on exact-data operands.
  void verify_exact_variants() {
    const auto ex = make_operands(DataMode::exact, st_.seed() ^ 0x5a5a);
    std::vector<int> ilps = cfg_.ilp;
    ilps.push_back(1);
    const long steps = chain_length(cfg_.throughput_steps);
    for (int ilp : ilps) {
      if (exact_ok_.count(ilp)) continue;
      if (std::find(bench_.ilps.begin(), bench_.ilps.end(), ilp) == bench_.ilps.end()) continue;
      const Geometry g{std::min(st_.device().sm_count, 8), 2, 2};
      if (!occupancy_problem(bench_, ilp, g.units_per_block * bench_.threads_per_unit, 1).empty()) continue;
      launches(*ex, g, ilp, {steps}, 0);
      exact_ok_[ilp] = verify_output(*ex, g, ilp, steps);
    }
  }

  // The verification part of a figure: the exact-data check of this ILP and the timed output's.
  void add_verification(Figure* f, const Verdict& timed, int ilp) const {
    auto ex = exact_ok_.find(ilp);
    f->verified = ex != exact_ok_.end() && ex->second.ok && timed.ok;
    if (ex == exact_ok_.end()) f->notes.push_back("no exact-data check for this ILP");
    else if (!ex->second.ok) f->notes.push_back("exact-data check failed: " + ex->second.detail);
    if (!timed.ok) f->notes.push_back("timed output check failed: " + timed.detail);
    if (timed.model_elements)
      f->notes.push_back(fmt::format("{} elements bit-exact with the {} CPU model", timed.model_elements, model_preset_));
  }

  // 2. Latency-like metrics: one unit, one chain, two lengths; overhead cancels in the difference.
  void chain_cycles(const char* metric, IssueMode issue) {
    const long t1 = chain_length(cfg_.latency_steps[0]), t2 = chain_length(cfg_.latency_steps[1]);
    std::vector<long> lengths(cfg_.warmup, t2);  // warm-up, then pairs (t1, t2): the last is t2
    for (int r = 0; r < cfg_.repetitions; ++r) lengths.insert(lengths.end(), {t1, t2});
    const Geometry one{1, 1, 1};
    const auto all = launches(*ops_, one, 1, lengths, cfg_.warmup, issue);
    Figure f;
    for (int r = 0; r < cfg_.repetitions; ++r) {
      const LaunchTiming& s1 = all[2 * r];
      const LaunchTiming& s2 = all[2 * r + 1];
      f.samples.push_back({(s2.cycles - s1.cycles) / double(t2 - t1), s2.sm_clock_mhz, s1.throttled || s2.throttled,
                           s1.timing_suspect || s2.timing_suspect});
    }
    add_verification(&f, verify_output(*ops_, one, 1, t2), 1);
    f.metric = metric_name(bench_, metric);
    f.unit = "cycles";
    f.warps_per_sm = warps_per_unit();
    f.ilp = 1;
    const ResultRow& r = st_.report(std::move(f));
    st_.say(fmt::format("{} {:.1f} cycles{}", r.metric, r.stats.median, r.valid ? "" : " (INVALID)"));
  }

  // 3. Throughput grid: every SM busy with `w` warps (w / warps-per-unit units), each unit
  //    running `ilp` chains.
  void throughput_grid() {
    const int wpu = warps_per_unit();
    const double peak = peak_for(bench_, st_.device());
    double best = 0;
    for (int w : cfg_.warps_per_sm) {
      if (st_.stop_requested()) break;
      if (w % wpu != 0) continue;  // warpgroup benchmarks take multiples of 4 warps
      for (int ilp : cfg_.ilp) {
        if (st_.stop_requested()) break;
        if (std::find(bench_.ilps.begin(), bench_.ilps.end(), ilp) == bench_.ilps.end()) continue;
        const int units = w / wpu;
        const int max_units_per_block = 32 / wpu;
        const int blocks_per_sm = (units + max_units_per_block - 1) / max_units_per_block;
        if (units % blocks_per_sm != 0) continue;
        best = std::max(best, throughput_point(w, ilp, blocks_per_sm, peak));
      }
    }
    st_.say(peak > 0 ? fmt::format("best {:.0f} per clk/SM ({:.1f}% of {:.0f})", best, 100.0 * best / peak, peak)
                     : fmt::format("best {:.0f} per clk/SM", best));
  }

  // One point of the grid; returns its valid rate (0 when invalid or skipped).
  double throughput_point(int w, int ilp, int blocks_per_sm, double peak) {
    const int units = w / warps_per_unit();
    const Geometry g{st_.device().sm_count * blocks_per_sm, units / blocks_per_sm, units};
    const long steps = chain_length(cfg_.throughput_steps);
    const std::string no_fit =
        occupancy_problem(bench_, ilp, g.units_per_block * bench_.threads_per_unit, blocks_per_sm);
    if (!no_fit.empty()) {  // the warps would not all be resident at once: not this point
      st_.skip_point(no_fit, w, ilp);
      return 0;
    }
    const auto timings =
        launches(*ops_, g, ilp, std::vector<long>(cfg_.warmup + cfg_.repetitions, steps), cfg_.warmup);
    const Verdict timed = verify_output(*ops_, g, ilp, steps);
    const double work = double(g.blocks) * g.units_per_block * ilp * double(steps) * work_per_step();
    const bool is_mma = bench_.work == Work::mma;
    Figure f;
    f.samples = core::samples_of(timings, [&](const LaunchTiming& t) { return t.sm_span_cycles > 0 ? work / t.sm_span_cycles : 0; });
    add_verification(&f, timed, ilp);
    f.warps_per_sm = w;
    f.ilp = ilp;
    f.bound = peak;
    f.bound_source = "architectural tensor peak (harness/device/peaks.cpp)";
    f.bound_unknown_is_a_note = is_mma;
    if (!std::all_of(timings.begin(), timings.end(), [](const LaunchTiming& t) { return t.even_placement; }))
      f.notes.push_back("blocks not evenly placed on SMs");
    f.metric = metric_name(bench_, is_mma ? "ops_per_clk_sm" : "bytes_per_clk_sm");
    f.unit = is_mma ? "ops/clk/SM" : "B/clk/SM";
    const ResultRow& rate = st_.report(f);
    const double result = rate.valid ? rate.value : 0;
    if (!is_mma) return result;
    report_derived(f, "tflops", "TFLOP/s", [&](const core::Sample& s) {
      return s.value * st_.device().sm_count * s.sm_clock_mhz * 1e6 / 1e12;
    }, peak > 0 ? peak * st_.device().sm_count * max_clock(f) * 1e6 / 1e12 : 0);
    if (is_sparse(bench_.info))  // useful work: the zeros of the 2:4 pattern excluded
      report_derived(f, "actual_ops_per_clk_sm", "ops/clk/SM", [](const core::Sample& s) { return s.value / 2; },
                     peak / 2);
    return result;
  }

  static double max_clock(const Figure& f) {
    double c = 0;
    for (const auto& s : f.samples) c = std::max(c, s.sm_clock_mhz);
    return c;
  }

  // A figure computed sample by sample from the rate figure, with the rate's verdict and notes.
  template <class Fn>
  void report_derived(const Figure& rate, const char* metric, const char* unit, Fn value, double bound) {
    Figure d = rate;
    d.metric = metric;
    d.unit = unit;
    d.bound = bound;
    for (auto& s : d.samples) s.value = value(s);
    st_.report(std::move(d));
  }

  const Benchmark& bench_;
  State& st_;
  const SweepConfig& cfg_;
  bool opaque_ = true;
  std::unique_ptr<BenchOperands> ops_;
  std::string model_preset_;
  std::map<int, Verdict> exact_ok_;
};

// The core benchmark of one atom benchmark: its row template, selection tag and run function.
core::Benchmark to_core(const Benchmark& b) {
  core::Benchmark c;
  const AtomInfo& a = b.info;
  c.row.family = benchmark_family(b);
  c.row.ptx = a.ptx;
  c.row.atom = a.name;
  c.row.m = a.m; c.row.n = a.n; c.row.k = a.k;
  c.row.a_type = dtype_name(a.a); c.row.b_type = dtype_name(a.b);
  c.row.c_type = dtype_name(a.c); c.row.d_type = dtype_name(a.d);
  c.table = "instructions";
  c.selection_tag = std::string(a.name) + "/" + work_name(b.work);
  c.min_sm = a.min_sm;  // the atom's range (ptx/*_table.hpp); wgmma needs the sm_90a target
  c.max_sm = a.max_sm;
  c.arch_specific = a.family == Family::wgmma;
  const Benchmark* bp = &b;  // registry entries live for the whole process
  c.unsupported = [bp](const DeviceInfo& dev) { return unsupported_reason(*bp, dev); };
  c.run = [bp](State& s) { MmaRun(*bp, s).run(); };
  return c;
}

template <Family F>
std::vector<core::Benchmark> family_benchmarks() {
  std::vector<core::Benchmark> out;
  for (const Benchmark& b : registry())
    if (b.info.family == F) out.push_back(to_core(b));
  return out;
}

}  // namespace
}  // namespace tcb

TCB_REGISTER_FAMILY(mma_sync, "mma.sync", &tcb::family_benchmarks<tcb::Family::mma_sync>);
TCB_REGISTER_FAMILY(mma_sp, "mma.sp", &tcb::family_benchmarks<tcb::Family::mma_sp>);
TCB_REGISTER_FAMILY(wmma, "wmma", &tcb::family_benchmarks<tcb::Family::wmma>);
TCB_REGISTER_FAMILY(wgmma, "wgmma", &tcb::family_benchmarks<tcb::Family::wgmma>);
