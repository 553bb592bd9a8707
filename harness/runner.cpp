#include "harness/runner.hpp"

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <regex>
#include <stdexcept>

#include "harness/device_buffer.hpp"
#include "harness/nvml.hpp"
#include "harness/operands.hpp"
#include "harness/peaks.hpp"

namespace tcb {
namespace {

long odd(long steps) { return steps | 1; }  // odd chains end at C + A*B, never at C

bool matches_any(const std::vector<std::regex>& res, const AtomInfo& a) {
  for (const auto& re : res)
    if (std::regex_search(a.name, re) || std::regex_search(a.ptx, re)) return true;
  return false;
}

ResultRow base_row(const AtomInfo& a, const DeviceInfo& dev, const RunOptions& opt) {
  ResultRow r;
  r.family = family_name(a.family);
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

// Device buffers holding one operand set in the chain kernel's register layout.
struct DeviceOperands {
  DeviceBuffer a, b, bneg, c;
  void upload(const OperandSet& ops) {
    a.upload(ops.a_regs); b.upload(ops.b_regs); bneg.upload(ops.b_neg_regs); c.upload(ops.c_regs);
  }
};

// Per-launch measurements, from the per-block timing records.
struct LaunchSample {
  double cycles = 0;          // latency: the block's span; throughput: see ops_per_clk_sm
  double ops_per_clk_sm = 0;
  double sm_clock_mhz = 0;    // median over blocks of Δclock64 / Δglobaltimer
  double event_ms = 0;
  bool nvml_throttled = false;
  bool even_placement = true;
};

class PointRunner {
 public:
  PointRunner(const Benchmark& bench, const DeviceInfo& dev, cudaStream_t stream, bool opaque)
      : bench_(bench), dev_(dev), stream_(stream), opaque_(opaque) {
    cudaEventCreate(&start_);
    cudaEventCreate(&stop_);
  }
  ~PointRunner() { cudaEventDestroy(start_); cudaEventDestroy(stop_); }

  // One launch of the chain kernel; returns its sample. Throws on CUDA errors.
  LaunchSample launch(const DeviceOperands& ops, int blocks, int warps_per_block, int ilp, long steps,
                      int expected_warps_per_sm) {
    const AtomInfo& a = bench_.info;
    size_t out_bytes = size_t(blocks) * warps_per_block * ilp * 32 * a.d_regs * a.cd_reg_bytes;
    out_.reserve(out_bytes);
    timing_.reserve(size_t(blocks) * kTimingWords * sizeof(unsigned long long));
    ChainLaunch p;
    p.blocks = blocks; p.warps_per_block = warps_per_block; p.steps = steps; p.ilp = ilp;
    p.a_regs = ops.a.get(); p.b_regs = ops.b.get(); p.b_neg_regs = ops.bneg.get(); p.c_regs = ops.c.get();
    p.d_out = out_.get();
    p.opaque_operands = opaque_;
    p.timing = static_cast<unsigned long long*>(timing_.get());
    check(cudaEventRecord(start_, stream_), "cudaEventRecord");
    check(bench_.launch(p, stream_), "kernel launch");
    check(cudaEventRecord(stop_, stream_), "cudaEventRecord");
    check(cudaStreamSynchronize(stream_), "kernel execution");
    LaunchSample s;
    float ms = 0;
    cudaEventElapsedTime(&ms, start_, stop_);
    s.event_ms = ms;
    uint64_t reasons = 0;
    if (Nvml::instance().throttle_reasons(&reasons)) s.nvml_throttled = Nvml::is_throttling(reasons);
    summarise_timing(blocks, warps_per_block, ilp, steps, expected_warps_per_sm, &s);
    return s;
  }

  // The d_out of the last launch: [block][warp][chain][lane][reg].
  std::vector<uint8_t> output(int blocks, int warps_per_block, int ilp) const {
    const AtomInfo& a = bench_.info;
    return out_.download(size_t(blocks) * warps_per_block * ilp * 32 * a.d_regs * a.cd_reg_bytes);
  }

 private:
  static void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
  }

  void summarise_timing(int blocks, int warps_per_block, int ilp, long steps, int expected_warps_per_sm,
                        LaunchSample* s) {
    auto t = timing_.download_as<unsigned long long>(size_t(blocks) * kTimingWords);
    std::map<unsigned, std::pair<unsigned long long, unsigned long long>> span;  // smid -> [min c0, max c1]
    std::map<unsigned, int> warps_on_sm;
    std::vector<double> clocks;
    for (int b = 0; b < blocks; ++b) {
      const unsigned long long* r = &t[size_t(b) * kTimingWords];
      unsigned sm = static_cast<unsigned>(r[4]);
      auto it = span.find(sm);
      if (it == span.end()) span[sm] = {r[0], r[1]};
      else it->second = {std::min(it->second.first, r[0]), std::max(it->second.second, r[1])};
      warps_on_sm[sm] += warps_per_block;
      if (r[3] > r[2]) clocks.push_back(double(r[1] - r[0]) / double(r[3] - r[2]) * 1e3);
    }
    double total_span = 0;
    for (auto& [sm, sp] : span) total_span += double(sp.second - sp.first);
    double ops = double(blocks) * warps_per_block * ilp * double(steps) * bench_.info.ops_per_instr();
    s->cycles = double(t[1] - t[0]);
    s->ops_per_clk_sm = total_span > 0 ? ops / total_span : 0;
    if (!clocks.empty()) {
      std::nth_element(clocks.begin(), clocks.begin() + clocks.size() / 2, clocks.end());
      s->sm_clock_mhz = clocks[clocks.size() / 2];
    }
    for (auto& [sm, w] : warps_on_sm)
      if (w != expected_warps_per_sm) s->even_placement = false;
  }

  const Benchmark& bench_;
  const DeviceInfo& dev_;
  cudaStream_t stream_;
  bool opaque_;
  cudaEvent_t start_{}, stop_{};
  DeviceBuffer out_, timing_;
};

// Checks every chain of a launch's output: all chains equal chain 0, and chain 0 verifies.
Verdict verify_launch(const AtomInfo& a, const OperandSet& ops, DataMode mode, long steps,
                      const std::vector<uint8_t>& out) {
  const size_t chain_bytes = size_t(32) * a.d_regs * a.cd_reg_bytes;
  Verdict v = verify_chain(a, ops, mode, steps, out.data());
  if (!v.ok) return v;
  for (size_t off = chain_bytes; off + chain_bytes <= out.size(); off += chain_bytes) {
    if (std::memcmp(out.data(), out.data() + off, chain_bytes) != 0) {
      v.ok = false;
      v.detail = fmt::format("chain {} differs from chain 0 (same inputs must give the same bits)", off / chain_bytes);
      return v;
    }
  }
  return v;
}

struct Kept {
  std::vector<double> values, clocks, tflops;
  int discarded = 0;
};

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
    k.tflops.push_back(s.ops_per_clk_sm * sm_count * s.sm_clock_mhz * 1e6 / 1e12);
  }
  return k;
}

std::string progress_prefix(int i, int n, const AtomInfo& a) { return fmt::format("[{:>3}/{}] {:<40}", i, n, a.name); }

}  // namespace

std::vector<const Benchmark*> select_benchmarks(const SweepConfig& cfg) {
  std::vector<std::regex> inc, exc;
  for (const auto& s : cfg.include) inc.emplace_back(s);
  for (const auto& s : cfg.exclude) exc.emplace_back(s);
  std::vector<const Benchmark*> out;
  for (const auto& b : registry()) {
    if (std::find(cfg.families.begin(), cfg.families.end(), family_name(b.info.family)) == cfg.families.end()) continue;
    if (!inc.empty() && !matches_any(inc, b.info)) continue;
    if (matches_any(exc, b.info)) continue;
    out.push_back(&b);
  }
  return out;
}

// Why `blocks_per_sm` blocks of this kernel cannot be resident on one SM together, or "".
static std::string occupancy_problem(const Benchmark& b, int ilp, int warps_per_block, int blocks_per_sm) {
  int resident = 0;
  const void* k = b.kernel(ilp);
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, k, warps_per_block * 32, b.smem_bytes) != cudaSuccess) {
    return fmt::format("occupancy query failed: {}", cudaGetErrorString(cudaGetLastError()));
  }
  if (resident >= blocks_per_sm) return "";
  cudaFuncAttributes fa{};
  cudaFuncGetAttributes(&fa, k);
  return fmt::format("{} warps/SM at ILP {} do not fit on one SM ({} registers/thread, {} B shared/block)",
                     warps_per_block * blocks_per_sm, ilp, fa.numRegs, b.smem_bytes);
}

// Why the running GPU cannot run this benchmark, or "" when it can.
static std::string unsupported_reason(const Benchmark& b, const DeviceInfo& dev) {
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

RunSummary run_sweep(const RunOptions& opt, std::vector<ResultRow>* rows) {
  const auto t_start = std::chrono::steady_clock::now();
  const SweepConfig& cfg = opt.config;
  const DeviceInfo& dev = opt.device;
  RunSummary sum;
  auto emit = [&](ResultRow r) {
    if (!r.valid && r.metric != "skipped") ++sum.invalid;
    ++sum.rows;
    if (opt.on_row) opt.on_row(r);
    rows->push_back(std::move(r));
  };
  auto stopped = [&] { return opt.stop && *opt.stop; };

  cudaStream_t stream;
  if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess)
    throw std::runtime_error("cannot create a CUDA stream");

  const auto benches = select_benchmarks(cfg);
  const double peak_all = [&] {  // guard for unknown types: the largest known peak of this arch
    double p = 0;
    for (DType t : {DType::f16, DType::tf32, DType::f64, DType::e4m3, DType::s8, DType::s4, DType::b1})
      p = std::max(p, peak_ops_per_clk_sm(dev.sm, t, DType::f32));
    return p;
  }();
  std::vector<double> all_clocks;
  int index = 0;
  for (const Benchmark* bp : benches) {
    if (stopped()) { sum.interrupted = true; break; }
    const Benchmark& bench = *bp;
    const AtomInfo& a = bench.info;
    ++index;
    ++sum.benchmarks;
    ResultRow base = base_row(a, dev, opt);
    if (!opt.sass_inspected) base.note = "SASS not inspected (cuobjdump not found): native unknown";

    std::string why = unsupported_reason(bench, dev);
    if (!why.empty()) {
      ResultRow r = base;
      r.metric = "skipped";
      r.note = why;
      ++sum.skipped;
      if (opt.progress) fmt::print(stderr, "{} skipped: {}\n", progress_prefix(index, int(benches.size()), a), why);
      emit(r);
      continue;
    }

    double peak = peak_ops_per_clk_sm(dev.sm, a.a, a.d);
    if (peak <= 0) peak = peak_all;
    // Emulated (or not inspected) instructions get operands the compiler cannot hoist.
    const bool opaque = !(opt.sass_inspected && base.native);
    if (opaque)
      base.note += std::string(base.note.empty() ? "" : "; ") +
                   "operands varied per step and chain (not a native tensor-core instruction here: "
                   "otherwise ptxas hoists its loop-invariant work)";
    PointRunner runner(bench, dev, stream, opaque);
    const long max_steps = odd(std::max(cfg.latency_steps.back(), cfg.throughput_steps));

    // 1. Bit-exact verification of every ILP variant we will time, on exact-data operands.
    std::map<int, Verdict> exact_ok;
    {
      OperandSet ex = make_operands(a, DataMode::exact, opt.seed ^ 0x5a5a, max_steps);
      DeviceOperands dex;
      dex.upload(ex);
      std::vector<int> ilps = cfg.ilp;
      ilps.push_back(1);
      for (int ilp : ilps) {
        if (exact_ok.count(ilp)) continue;
        const int blocks = std::min(dev.sm_count, 8), warps = 2;
        runner.launch(dex, blocks, warps, ilp, odd(cfg.throughput_steps), warps);
        exact_ok[ilp] = verify_launch(a, ex, DataMode::exact, odd(cfg.throughput_steps), runner.output(blocks, warps, ilp));
      }
    }

    OperandSet ops = make_operands(a, cfg.data, opt.seed, max_steps);
    DeviceOperands dops;
    dops.upload(ops);

    auto finish = [&](ResultRow r, const Kept& k, const Verdict& timed, int ilp, const std::string& extra) {
      const Verdict& ex = exact_ok[ilp];
      r.stats = summarize(k.values);
      r.discarded = k.discarded;
      sum.discarded_samples += k.discarded;
      r.sm_clock_mhz = summarize(k.clocks).median;
      r.verified = ex.ok && timed.ok;
      std::vector<std::string> notes;
      if (!base.note.empty()) notes.push_back(base.note);
      if (!ex.ok) notes.push_back("exact-data check failed: " + ex.detail);
      if (!timed.ok) notes.push_back("timed output check failed: " + timed.detail);
      if (k.values.empty()) notes.push_back("every sample was throttled");
      if (!extra.empty()) notes.push_back(extra);
      r.valid = r.verified && !k.values.empty() && extra.find("above the architectural peak") == std::string::npos;
      r.value = r.valid ? r.stats.median : 0;
      r.note.clear();
      for (auto& n : notes) r.note += (r.note.empty() ? "" : "; ") + n;
      emit(r);
    };

    // 2. Latency: one warp, one chain, two lengths; overhead cancels in the difference.
    if (cfg.latency && !stopped()) {
      const long t1 = odd(cfg.latency_steps[0]), t2 = odd(cfg.latency_steps[1]);
      for (int w = 0; w < cfg.warmup; ++w) runner.launch(dops, 1, 1, 1, t2, 1);
      std::vector<LaunchSample> s1, s2, diff;
      for (int r = 0; r < cfg.repetitions; ++r) {
        s1.push_back(runner.launch(dops, 1, 1, 1, t1, 1));
        s2.push_back(runner.launch(dops, 1, 1, 1, t2, 1));
        LaunchSample d = s2.back();
        d.cycles = (s2.back().cycles - s1.back().cycles) / double(t2 - t1);
        d.nvml_throttled = s1.back().nvml_throttled || s2.back().nvml_throttled;
        diff.push_back(d);
      }
      Verdict timed = verify_launch(a, ops, cfg.data, t2, runner.output(1, 1, 1));
      Kept k = keep_unthrottled(diff, cfg.clock_tolerance, [](const LaunchSample& s) { return s.cycles; }, dev.sm_count);
      ResultRow r = base;
      r.metric = "latency_cycles";
      r.unit = "cycles";
      r.warps_per_sm = 1;
      r.ilp = 1;
      finish(r, k, timed, 1, "");
      if (opt.progress)
        fmt::print(stderr, "{} latency {:.1f} cycles{}\n", progress_prefix(index, int(benches.size()), a),
                   rows->back().stats.median, rows->back().valid ? "" : " (INVALID)");
    }

    // 3. Throughput grid: every SM busy with `w` warps, each running `ilp` chains.
    double best = 0;
    for (int w : cfg.warps_per_sm) {
      for (int ilp : cfg.ilp) {
        if (!cfg.throughput || stopped()) break;
        const int blocks_per_sm = (w + 31) / 32;
        if (w % blocks_per_sm != 0) continue;  // config validation keeps this from happening
        const int warps_per_block = w / blocks_per_sm;
        const int blocks = dev.sm_count * blocks_per_sm;
        const long steps = odd(cfg.throughput_steps);
        std::string no_fit = occupancy_problem(bench, ilp, warps_per_block, blocks_per_sm);
        if (!no_fit.empty()) {  // the warps would not all be resident at once: not this point
          ResultRow r = base;
          r.metric = "skipped";
          r.warps_per_sm = w;
          r.ilp = ilp;
          r.note = no_fit;
          emit(r);
          continue;
        }
        std::vector<LaunchSample> samples;
        for (int i = 0; i < cfg.warmup; ++i) runner.launch(dops, blocks, warps_per_block, ilp, steps, w);
        for (int i = 0; i < cfg.repetitions; ++i) samples.push_back(runner.launch(dops, blocks, warps_per_block, ilp, steps, w));
        Verdict timed = verify_launch(a, ops, cfg.data, steps, runner.output(blocks, warps_per_block, ilp));
        Kept k = keep_unthrottled(samples, cfg.clock_tolerance, [](const LaunchSample& s) { return s.ops_per_clk_sm; },
                                  dev.sm_count);
        bool even = std::all_of(samples.begin(), samples.end(), [](const LaunchSample& s) { return s.even_placement; });
        Summary st = summarize(k.values);
        std::string extra;
        if (peak <= 0)
          extra = fmt::format("no datasheet peak known for sm_{}: plausibility unchecked", dev.sm);
        else if (st.samples && st.median > peak)
          extra = fmt::format("above the architectural peak ({:.0f} > {:.0f} ops/clk/SM): rejected", st.median, peak);
        if (!even) extra += std::string(extra.empty() ? "" : "; ") + "blocks not evenly placed on SMs";
        ResultRow r = base;
        r.metric = "ops_per_clk_sm";
        r.unit = "ops/clk/SM";
        r.warps_per_sm = w;
        r.ilp = ilp;
        finish(r, k, timed, ilp, extra);
        const bool ok = rows->back().valid;
        if (ok) best = std::max(best, rows->back().value);
        all_clocks.insert(all_clocks.end(), k.clocks.begin(), k.clocks.end());
        Kept kt = k;
        kt.values = k.tflops;
        ResultRow t = base;
        t.metric = "tflops";
        t.unit = "TFLOP/s";
        t.warps_per_sm = w;
        t.ilp = ilp;
        finish(t, kt, timed, ilp, extra);
      }
    }
    if (opt.progress && cfg.throughput)
      fmt::print(stderr, "{} best {:.0f} ops/clk/SM ({:.0f}% of {:.0f})\n", progress_prefix(index, int(benches.size()), a),
                 best, 100.0 * best / peak, peak);
    if (stopped()) sum.interrupted = true;
  }
  cudaStreamDestroy(stream);
  sum.sm_clock_mhz_median = summarize(all_clocks).median;
  sum.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return sum;
}

}  // namespace tcb
