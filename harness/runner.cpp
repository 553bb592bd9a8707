#include "harness/runner.hpp"

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

#include "harness/bench_operands.hpp"
#include "harness/chain_length.hpp"
#include "harness/device_buffer.hpp"
#include "harness/nvml.hpp"
#include "harness/peaks.hpp"
#include "harness/regex.hpp"
#include "harness/watchdog.hpp"
#include "model/presets.hpp"
#include "microbench/chain_compare.hpp"

namespace tcb {
namespace {


// Adds the wall time of its scope to *to, however the scope ends.
struct ChargeSeconds {
  double* to;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~ChargeSeconds() { *to += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};

bool matches_any(const std::vector<Regex>& res, const Benchmark& b) {
  const std::string tagged = std::string(b.info.name) + "/" + work_name(b.work);
  for (const auto& re : res)
    if (re.search(tagged) || re.search(b.info.ptx)) return true;
  return false;
}

// Metric names: mma work keeps the plain names; loads/stores are prefixed with the work.
std::string metric_name(const Benchmark& b, const char* metric) {
  return b.work == Work::mma ? metric : fmt::format("{}_{}", work_name(b.work), metric);
}

ResultRow base_row(const Benchmark& b, const DeviceInfo& dev, const RunOptions& opt) {
  const AtomInfo& a = b.info;
  ResultRow r;
  r.family = benchmark_family(b);
  r.ptx = a.ptx;
  r.atom = a.name;
  r.m = a.m; r.n = a.n; r.k = a.k;
  r.a_type = dtype_name(a.a); r.b_type = dtype_name(a.b);
  r.c_type = dtype_name(a.c); r.d_type = dtype_name(a.d);
  r.arch = dev.arch();
  auto it = opt.sass.find(a.name);
  if (it != opt.sass.end()) {
    r.native = it->second.native;
    for (const auto& op : it->second.opcodes) r.sass_opcodes += (r.sass_opcodes.empty() ? "" : ";") + op;
  }
  return r;
}

// Per-launch measurements, from the per-block timing records.
struct LaunchSample {
  double cycles = 0;        // block 0's span
  double rate = 0;          // work (ops or bytes) per clock per SM
  double sm_clock_mhz = 0;  // median over blocks of Δclock64 / Δglobaltimer
  bool nvml_throttled = false;
  bool even_placement = true;
};

// Launch geometry: `units` per SM (a unit is a warp or a warpgroup), as blocks of units.
struct Geometry {
  int blocks = 1, units_per_block = 1, units_per_sm = 1;
};

// Device buffers every benchmark's launches write: kept for the whole sweep, so that the larger
// outputs (hundreds of MB for wide wgmma tiles) are allocated once, not per benchmark.
struct LaunchBuffers {
  DeviceBuffer out, timing, compare;
};

class PointRunner {
 public:
  // gpu_seconds: where the wall time of launches and output downloads is added up.
  // watchdog: waits for the stream by polling against its timeout (no blocking synchronisation).
  PointRunner(const Benchmark& bench, cudaStream_t stream, bool opaque, LaunchBuffers* buffers, double* gpu_seconds,
              const Watchdog& watchdog)
      : bench_(bench), stream_(stream), opaque_(opaque), gpu_seconds_(gpu_seconds), watchdog_(watchdog),
        out_(buffers->out), timing_(buffers->timing), compare_(buffers->compare) {}

  int warps_per_unit() const { return bench_.threads_per_unit / 32; }

  // Back-to-back launches of chains of steps[0], steps[1], ... on one stream, then one wait and
  // one download of their timing records: the in-kernel clocks time each launch, so the host
  // need not stand between them. Samples in launch order; d_out holds the last launch's output.
  std::vector<LaunchSample> launches(const BenchOperands& ops, const Geometry& g, int ilp,
                                     const std::vector<long>& steps, IssueMode issue = IssueMode::pipelined) {
    ChargeSeconds t{gpu_seconds_};
    const size_t words = size_t(g.blocks) * kTimingWords;
    out_.reserve(size_t(g.blocks) * g.units_per_block * ilp * ops.chain_bytes());
    timing_.reserve(steps.size() * words * sizeof(unsigned long long));
    ChainLaunch p;
    p.blocks = g.blocks;
    p.warps_per_block = g.units_per_block * warps_per_unit();
    p.ilp = ilp;
    p.issue = issue;
    ops.fill(&p);
    p.d_out = out_.get();
    p.opaque_operands = opaque_;
    for (size_t i = 0; i < steps.size(); ++i) {
      p.steps = steps[i];
      p.timing = static_cast<unsigned long long*>(timing_.get()) + i * words;
      check(bench_.launch(p, stream_), "kernel launch");
    }
    watchdog_.wait(stream_, "kernel execution");
    const auto records = timing_.download_as<unsigned long long>(steps.size() * words);
    std::vector<LaunchSample> samples(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) summarise_timing(g, ilp, steps[i], &records[i * words], &samples[i]);
    return samples;
  }
  LaunchSample launch(const BenchOperands& ops, const Geometry& g, int ilp, long steps) {
    return launches(ops, g, ilp, {steps}).front();
  }

  // Chain 0 of the last launch's d_out ([block][unit][chain][one chain's D]), and how many
  // other chains differ from it (compared on the device: d_out can be tens of MB).
  struct Output {
    std::vector<uint8_t> chain0;
    unsigned long long differing_words = 0, first_differing_chain = 0;
  };
  Output output(const BenchOperands& ops, const Geometry& g, int ilp) {
    ChargeSeconds t{gpu_seconds_};
    const size_t chains = size_t(g.blocks) * g.units_per_block * ilp;
    compare_.reserve(2 * sizeof(unsigned long long));
    auto* res = static_cast<unsigned long long*>(compare_.get());
    check(kern::count_chain_mismatches(out_.get(), ops.chain_bytes(), chains, res, stream_), "chain compare");
    watchdog_.wait(stream_, "chain compare");
    Output o;
    o.chain0 = out_.download(ops.chain_bytes());
    const auto r = compare_.download_as<unsigned long long>(2);
    o.differing_words = r[0];
    o.first_differing_chain = r[1];
    return o;
  }

 private:
  static void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
  }

  double work_per_step() const {
    return bench_.work == Work::mma ? bench_.info.ops_per_instr() : double(bench_.bytes_per_step);
  }

  // t: one launch's timing records, kTimingWords per block.
  void summarise_timing(const Geometry& g, int ilp, long steps, const unsigned long long* t, LaunchSample* s) {
    std::map<unsigned, std::pair<unsigned long long, unsigned long long>> span;  // smid -> [min c0, max c1]
    std::map<unsigned, int> units_on_sm;
    std::vector<double> clocks;
    for (int b = 0; b < g.blocks; ++b) {
      const unsigned long long* r = &t[size_t(b) * kTimingWords];
      unsigned sm = static_cast<unsigned>(r[4]);
      auto it = span.find(sm);
      if (it == span.end()) span[sm] = {r[0], r[1]};
      else it->second = {std::min(it->second.first, r[0]), std::max(it->second.second, r[1])};
      units_on_sm[sm] += g.units_per_block;
      if (r[3] > r[2]) clocks.push_back(double(r[1] - r[0]) / double(r[3] - r[2]) * 1e3);
    }
    double total_span = 0;
    for (auto& [sm, sp] : span) total_span += double(sp.second - sp.first);
    const double work = double(g.blocks) * g.units_per_block * ilp * double(steps) * work_per_step();
    s->cycles = double(t[1] - t[0]);
    s->rate = total_span > 0 ? work / total_span : 0;
    if (!clocks.empty()) {
      std::nth_element(clocks.begin(), clocks.begin() + clocks.size() / 2, clocks.end());
      s->sm_clock_mhz = clocks[clocks.size() / 2];
    }
    for (auto& [sm, u] : units_on_sm)
      if (u != g.units_per_sm) s->even_placement = false;
  }

  const Benchmark& bench_;
  cudaStream_t stream_;
  bool opaque_;
  double* gpu_seconds_;
  const Watchdog& watchdog_;
  DeviceBuffer &out_, &timing_, &compare_;
};

// Checks every chain of a launch's output: all chains equal chain 0, and chain 0 verifies.
Verdict verify_launch(const BenchOperands& ops, long steps, const PointRunner::Output& out, double* seconds) {
  ChargeSeconds t{seconds};
  Verdict v = ops.verify(steps, out.chain0.data());
  if (!v.ok) return v;
  if (out.differing_words) {
    v.ok = false;
    v.detail = fmt::format("chain {} differs from chain 0 ({} words differ; same inputs must give the same bits)",
                           out.first_differing_chain, out.differing_words);
  }
  return v;
}

struct Kept {
  std::vector<double> values, clocks, tflops;
  int discarded = 0;
};

// Whether NVML reports a clock-lowering reason now. Asked before and after each point's samples
// rather than after every launch: the query costs about as much as a short launch.
bool nvml_throttled_now() {
  uint64_t reasons = 0;
  return Nvml::instance().throttle_reasons(&reasons) && Nvml::is_throttling(reasons);
}

// Marks every sample of a point as throttled when NVML reported throttling around it.
void mark_throttled(std::vector<LaunchSample>* samples, bool throttled) {
  if (throttled)
    for (auto& s : *samples) s.nvml_throttled = true;
}

// Drops samples taken while throttled: NVML says so, or the in-kernel clock fell below
// tolerance x the fastest clock seen for this point.
template <class Value>
Kept keep_unthrottled(const std::vector<LaunchSample>& samples, double tolerance, Value value, int sm_count) {
  double max_clock = 0;
  for (const auto& s : samples) max_clock = std::max(max_clock, s.sm_clock_mhz);
  Kept k;
  for (const auto& s : samples) {
    if (s.nvml_throttled || s.sm_clock_mhz < tolerance * max_clock) { ++k.discarded; continue; }
    k.values.push_back(value(s));
    k.clocks.push_back(s.sm_clock_mhz);
    k.tflops.push_back(s.rate * sm_count * s.sm_clock_mhz * 1e6 / 1e12);
  }
  return k;
}

std::string progress_prefix(int i, int n, const Benchmark& b) {
  return fmt::format("[{:>4}/{}] {:<44}", i, n, std::string(b.info.name) + (b.work == Work::mma ? "" : "/") +
                                                    (b.work == Work::mma ? "" : work_name(b.work)));
}

// Why `blocks_per_sm` blocks of this kernel cannot be resident on one SM together, or "".
std::string occupancy_problem(const Benchmark& b, int ilp, int threads_per_block, int blocks_per_sm) {
  int resident = 0;
  const void* k = b.kernel(ilp);
  cudaFuncAttributes fa{};
  if (cudaFuncGetAttributes(&fa, k) == cudaSuccess && threads_per_block > fa.maxThreadsPerBlock)
    return fmt::format("{} threads per block exceed the kernel's limit of {} at ILP {} ({} registers/thread)",
                       threads_per_block, fa.maxThreadsPerBlock, ilp, fa.numRegs);
  if (b.smem_bytes > 48 * 1024)
    cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, b.smem_bytes);
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

}  // namespace

std::vector<const Benchmark*> select_benchmarks(const SweepConfig& cfg) {
  std::vector<Regex> inc, exc;
  for (const auto& s : cfg.include) inc.emplace_back(s);
  for (const auto& s : cfg.exclude) exc.emplace_back(s);
  std::vector<const Benchmark*> out;
  for (const auto* reg : {&registry(), &test_registry()})
    for (const auto& b : *reg) {
      if (std::find(cfg.families.begin(), cfg.families.end(), benchmark_family(b)) == cfg.families.end()) continue;
      if (!inc.empty() && !matches_any(inc, b)) continue;
      if (matches_any(exc, b)) continue;
      out.push_back(&b);
    }
  return out;
}

std::string plausibility_problem(const std::vector<double>& samples, double peak) {
  for (double v : samples)
    if (!std::isfinite(v)) return fmt::format("a sample is not finite ({}): rejected", v);
  if (peak <= 0 || samples.empty()) return "";
  const double median = summarize(samples).median;
  if (median > peak) return fmt::format("above the architectural peak ({:.0f} > {:.0f} ops/clk/SM): rejected", median, peak);
  return "";
}

RunSummary run_sweep(const RunOptions& opt, std::vector<ResultRow>* rows) {
  const auto t_start = std::chrono::steady_clock::now();
  const SweepConfig& cfg = opt.config;
  const DeviceInfo& dev = opt.device;
  RunSummary sum;
  auto emit = [&](ResultRow r) {
    if (!r.valid && r.metric != "skipped") ++sum.invalid;  // "error" rows count as invalid
    ++sum.rows;
    if (opt.on_row) opt.on_row(r);
    rows->push_back(std::move(r));
  };
  auto stopped = [&] { return opt.stop && *opt.stop; };

  cudaStream_t stream;
  if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess)
    throw std::runtime_error("cannot create a CUDA stream");

  const auto benches = select_benchmarks(cfg);
  LaunchBuffers buffers;
  const std::string model_preset = model::preset_for_sm(dev.sm);  // "" for GPUs without one
  std::vector<double> all_clocks;
  auto close_summary = [&] {
    sum.sm_clock_mhz_median = summarize(all_clocks).median;
    sum.sm_clock_samples = int(all_clocks.size());
    sum.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  };
  int index = 0;
  for (const Benchmark* bp : benches) {
    if (stopped()) { sum.interrupted = true; break; }
    const Benchmark& bench = *bp;
    const AtomInfo& a = bench.info;
    ChargeSeconds family_time{&sum.family_seconds[benchmark_family(bench)]};
    const bool is_wgmma = a.family == Family::wgmma;
    ++index;
    ++sum.benchmarks;
    ResultRow base = base_row(bench, dev, opt);
    if (!opt.sass_inspected)
      base.note = fmt::format("SASS not inspected ({}): native unknown",
                              opt.sass_status.empty() ? "no inspection asked" : opt.sass_status);
    else if (!opt.sass.count(a.name))
      base.note = "no SASS of this atom in the inspected binary: native unknown";
    auto say = [&](const std::string& what) {
      if (opt.progress) fmt::print(stderr, "{} {}\n", progress_prefix(index, int(benches.size()), bench), what);
    };
    // A kernel that outlives the timeout cannot be stopped or waited for: record it, hand the
    // summary to on_timeout (which writes the outputs and ends the process), never return.
    const Watchdog watchdog{opt.timeout_seconds, [&](const std::string& what) {
      ResultRow r = base;
      r.metric = "timed_out";
      r.note = fmt::format("watchdog: {} did not finish within {:g} s (--timeout); the sweep stopped here", what,
                           opt.timeout_seconds);
      emit(r);
      say("TIMED OUT: " + r.note);
      sum.timed_out = true;
      sum.timeout_note = fmt::format("{}: {}", a.name, r.note);
      close_summary();
      if (opt.on_timeout) opt.on_timeout(sum);
    }};

    std::string why = unsupported_reason(bench, dev);
    if (!why.empty()) {
      ResultRow r = base;
      r.metric = "skipped";
      r.note = why;
      ++sum.skipped;
      say("skipped: " + why);
      emit(r);
      continue;
    }

    try {
    const double peak = peak_for(bench, dev);
    // Emulated (or not inspected) instructions get operands the compiler cannot hoist.
    const bool opaque = !(opt.sass_inspected && base.native);
    if (opaque)
      base.note += std::string(base.note.empty() ? "" : "; ") + "operands varied per step and chain (" +
                   (!opt.sass_inspected || !opt.sass.count(a.name) ? "native unknown: the conservative choice"
                                                       : "not a native tensor-core instruction here") +
                   ": otherwise ptxas may hoist loop-invariant work)";
    PointRunner runner(bench, stream, opaque, &buffers, &sum.phase_seconds["gpu_launches"], watchdog);
    double* verify_s = &sum.phase_seconds["cpu_verification"];
    const int wpu = runner.warps_per_unit();
    const long max_steps = chain_length(std::max(cfg.latency_steps.back(), cfg.throughput_steps));
    const Geometry one{1, 1, 1};

    // The timed operands first: their CPU reference is prepared in the background while the
    // exact-data checks and the latency chains run on the GPU.
    auto make_operands_timed = [&](DataMode mode, uint64_t seed) {
      ChargeSeconds t{&sum.phase_seconds["cpu_operands"]};
      return std::make_unique<BenchOperands>(bench, mode, seed, max_steps);
    };
    const auto ops_holder = make_operands_timed(cfg.data, opt.seed);
    BenchOperands& ops = *ops_holder;
    if (!model_preset.empty() && !is_sparse(a)) {
      try {
        // The chain lengths verify_launch checks below: latency's longer chain, throughput's.
        ops.use_model(model::resolve(model_preset, a.ptx).params, model_preset,
                      {chain_length(cfg.latency_steps[1]), chain_length(cfg.throughput_steps)});
      } catch (const model::ResolveError&) {  // no model path (b1, sparse): tolerance and exact data only
      }
    }

    // 1. Bit-exact verification of every ILP variant we will time, on exact-data operands.
    std::map<int, Verdict> exact_ok;
    {
      const auto ex_holder = make_operands_timed(DataMode::exact, opt.seed ^ 0x5a5a);
      const BenchOperands& ex = *ex_holder;
      std::vector<int> ilps = cfg.ilp;
      ilps.push_back(1);
      for (int ilp : ilps) {
        if (exact_ok.count(ilp)) continue;
        if (std::find(bench.ilps.begin(), bench.ilps.end(), ilp) == bench.ilps.end()) continue;
        const Geometry g{std::min(dev.sm_count, 8), 2, 2};
        if (!occupancy_problem(bench, ilp, g.units_per_block * bench.threads_per_unit, 1).empty()) continue;
        runner.launch(ex, g, ilp, chain_length(cfg.throughput_steps));
        exact_ok[ilp] = verify_launch(ex, chain_length(cfg.throughput_steps), runner.output(ex, g, ilp), verify_s);
      }
    }

    auto finish = [&](ResultRow r, const Kept& k, const Verdict& timed, int ilp, const std::string& extra,
                      bool implausible) {
      auto ex = exact_ok.find(ilp);
      r.stats = summarize(k.values);
      r.discarded = k.discarded;
      sum.discarded_samples += k.discarded;
      r.sm_clock_mhz = summarize(k.clocks).median;
      const bool ex_ok = ex != exact_ok.end() && ex->second.ok;
      r.verified = ex_ok && timed.ok;
      std::vector<std::string> notes;
      if (!base.note.empty()) notes.push_back(base.note);
      if (ex == exact_ok.end()) notes.push_back("no exact-data check for this ILP");
      else if (!ex->second.ok) notes.push_back("exact-data check failed: " + ex->second.detail);
      if (!timed.ok) notes.push_back("timed output check failed: " + timed.detail);
      if (timed.model_elements)
        notes.push_back(fmt::format("{} elements bit-exact with the {} CPU model", timed.model_elements, model_preset));
      if (k.values.empty()) notes.push_back("every sample was throttled");
      if (!extra.empty()) notes.push_back(extra);
      const std::string not_finite = plausibility_problem(k.values, 0);  // every metric, whatever its peak
      if (!not_finite.empty() && extra.find(not_finite) == std::string::npos) notes.push_back(not_finite);
      r.valid = r.verified && !k.values.empty() && !implausible && not_finite.empty();
      r.value = r.valid ? r.stats.median : 0;
      r.note.clear();
      for (auto& n : notes) r.note += (r.note.empty() ? "" : "; ") + n;
      emit(r);
    };

    // 2. Latency-like metrics: one unit, one chain, two lengths; overhead cancels in the difference.
    auto chain_cycles = [&](const char* metric, IssueMode issue) {
      const long t1 = chain_length(cfg.latency_steps[0]), t2 = chain_length(cfg.latency_steps[1]);
      std::vector<long> lengths(cfg.warmup, t2);  // warm-up, then pairs (t1, t2): the last is t2
      for (int r = 0; r < cfg.repetitions; ++r) lengths.insert(lengths.end(), {t1, t2});
      const bool throttled_before = nvml_throttled_now();
      const std::vector<LaunchSample> all = runner.launches(ops, one, 1, lengths, issue);
      std::vector<LaunchSample> diff;
      for (int r = 0; r < cfg.repetitions; ++r) {
        const LaunchSample& s1 = all[cfg.warmup + 2 * r];
        const LaunchSample& s2 = all[cfg.warmup + 2 * r + 1];
        LaunchSample d = s2;
        d.cycles = (s2.cycles - s1.cycles) / double(t2 - t1);
        d.nvml_throttled = s1.nvml_throttled || s2.nvml_throttled;
        diff.push_back(d);
      }
      mark_throttled(&diff, throttled_before || nvml_throttled_now());
      Verdict timed = verify_launch(ops, t2, runner.output(ops, one, 1), verify_s);
      Kept k = keep_unthrottled(diff, cfg.clock_tolerance, [](const LaunchSample& s) { return s.cycles; }, dev.sm_count);
      all_clocks.insert(all_clocks.end(), k.clocks.begin(), k.clocks.end());  // a latency-only sweep has a clock too
      ResultRow r = base;
      r.metric = metric_name(bench, metric);
      r.unit = "cycles";
      r.warps_per_sm = wpu;
      r.ilp = 1;
      finish(r, k, timed, 1, "", false);
      say(fmt::format("{} {:.1f} cycles{}", r.metric, rows->back().stats.median, rows->back().valid ? "" : " (INVALID)"));
    };
    if (cfg.latency && !stopped()) {
      // wgmma: completion latency (wait after each) and the dependent issue interval, kept apart.
      chain_cycles("latency_cycles", is_wgmma ? IssueMode::wait_each : IssueMode::pipelined);
      if (is_wgmma) chain_cycles("issue_interval_cycles", IssueMode::pipelined);
    }

    // 3. Throughput grid: every SM busy with `w` warps (w / warps-per-unit units), each unit
    //    running `ilp` chains.
    double best = 0;
    for (int w : cfg.warps_per_sm) {
      if (!cfg.throughput || stopped()) break;
      if (w % wpu != 0) continue;  // warpgroup benchmarks take multiples of 4 warps
      for (int ilp : cfg.ilp) {
        if (stopped()) break;
        if (std::find(bench.ilps.begin(), bench.ilps.end(), ilp) == bench.ilps.end()) continue;
        const int units = w / wpu;
        const int max_units_per_block = 32 / wpu;
        const int blocks_per_sm = (units + max_units_per_block - 1) / max_units_per_block;
        if (units % blocks_per_sm != 0) continue;
        const Geometry g{dev.sm_count * blocks_per_sm, units / blocks_per_sm, units};
        const long steps = chain_length(cfg.throughput_steps);
        std::string no_fit = occupancy_problem(bench, ilp, g.units_per_block * bench.threads_per_unit, blocks_per_sm);
        if (!no_fit.empty()) {  // the warps would not all be resident at once: not this point
          ResultRow r = base;
          r.metric = "skipped";
          r.warps_per_sm = w;
          r.ilp = ilp;
          r.note = no_fit;
          emit(r);
          continue;
        }
        const bool throttled_before = nvml_throttled_now();
        std::vector<LaunchSample> samples =
            runner.launches(ops, g, ilp, std::vector<long>(cfg.warmup + cfg.repetitions, steps));
        samples.erase(samples.begin(), samples.begin() + cfg.warmup);
        mark_throttled(&samples, throttled_before || nvml_throttled_now());
        Verdict timed = verify_launch(ops, steps, runner.output(ops, g, ilp), verify_s);
        Kept k = keep_unthrottled(samples, cfg.clock_tolerance, [](const LaunchSample& s) { return s.rate; },
                                  dev.sm_count);
        bool even = std::all_of(samples.begin(), samples.end(), [](const LaunchSample& s) { return s.even_placement; });
        std::string extra;
        bool implausible = false;
        if (bench.work == Work::mma && peak <= 0) {
          extra = fmt::format("no datasheet peak known for sm_{}: plausibility unchecked", dev.sm);
        } else if (const std::string over = plausibility_problem(k.values, peak); !over.empty()) {
          extra = over;
          implausible = true;
        }
        if (!even) extra += std::string(extra.empty() ? "" : "; ") + "blocks not evenly placed on SMs";
        const bool is_mma = bench.work == Work::mma;
        ResultRow r = base;
        r.metric = metric_name(bench, is_mma ? "ops_per_clk_sm" : "bytes_per_clk_sm");
        r.unit = is_mma ? "ops/clk/SM" : "B/clk/SM";
        r.warps_per_sm = w;
        r.ilp = ilp;
        finish(r, k, timed, ilp, extra, implausible);
        if (rows->back().valid) best = std::max(best, rows->back().value);
        all_clocks.insert(all_clocks.end(), k.clocks.begin(), k.clocks.end());
        if (!is_mma) continue;
        Kept kt = k;
        kt.values = k.tflops;
        ResultRow t = base;
        t.metric = "tflops";
        t.unit = "TFLOP/s";
        t.warps_per_sm = w;
        t.ilp = ilp;
        finish(t, kt, timed, ilp, extra, implausible);
        if (is_sparse(a)) {  // useful work: the zeros of the 2:4 pattern excluded
          Kept ka = k;
          for (double& v : ka.values) v /= 2;
          ResultRow u = base;
          u.metric = "actual_ops_per_clk_sm";
          u.unit = "ops/clk/SM";
          u.warps_per_sm = w;
          u.ilp = ilp;
          finish(u, ka, timed, ilp, extra, implausible);
        }
      }
    }
    if (cfg.throughput)
      say(peak > 0 ? fmt::format("best {:.0f} per clk/SM ({:.1f}% of {:.0f})", best, 100.0 * best / peak, peak)
                   : fmt::format("best {:.0f} per clk/SM", best));
    } catch (const std::exception& e) {
      // A failed launch loses this benchmark, not the sweep, unless the CUDA context is broken.
      ResultRow r = base;
      r.metric = "error";
      r.note = e.what();
      emit(r);
      say(std::string("ERROR: ") + e.what());
      cudaError_t sticky = cudaDeviceSynchronize();
      if (sticky != cudaSuccess) {
        cudaStreamDestroy(stream);
        throw std::runtime_error(fmt::format("{} (CUDA context unusable: {})", e.what(), cudaGetErrorString(sticky)));
      }
      cudaGetLastError();
    }
    if (stopped()) sum.interrupted = true;
  }
  cudaStreamDestroy(stream);
  close_summary();
  return sum;
}

}  // namespace tcb
