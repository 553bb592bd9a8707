#include "harness/core/runner.hpp"

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "harness/core/regex.hpp"
#include "harness/core/stats.hpp"

namespace tcb {
namespace {

using core::ChargeSeconds;

std::string display_name(const core::Benchmark& b) {
  return b.selection_tag.empty() ? b.name() : b.selection_tag;
}

bool matches_any(const std::vector<Regex>& res, const core::Benchmark& b) {
  for (const auto& re : res)
    if (re.search(display_name(b)) || (!b.row.ptx.empty() && re.search(b.row.ptx))) return true;
  return false;
}

// The row every figure of a benchmark starts from: its template, the arch, and the SASS facts
// (or why there are none).
ResultRow base_row(const core::Benchmark& b, const RunOptions& opt) {
  ResultRow r = b.row;
  r.arch = opt.device.arch();
  auto it = opt.sass.find(b.name());
  if (it != opt.sass.end()) {
    r.native = it->second.native;
    for (const auto& op : it->second.opcodes) r.sass_opcodes += (r.sass_opcodes.empty() ? "" : ";") + op;
  }
  const std::string sep = r.note.empty() ? "" : "; ";
  if (!opt.sass_inspected)
    r.note += sep + fmt::format("SASS not inspected ({}): native unknown",
                                opt.sass_status.empty() ? "no inspection asked" : opt.sass_status);
  else if (it == opt.sass.end())
    r.note += sep + "no SASS of this benchmark in the inspected binary: native unknown";
  return r;
}

class Sweep {
 public:
  Sweep(const RunOptions& opt, std::vector<ResultRow>* rows) : opt_(opt), rows_(rows) {}

  RunSummary run() {
    if (cudaStreamCreateWithFlags(&ctx_.stream, cudaStreamNonBlocking) != cudaSuccess)
      throw std::runtime_error("cannot create a CUDA stream");
    ctx_.config = &opt_.config;
    ctx_.device = &opt_.device;
    ctx_.seed = opt_.seed;
    ctx_.stop = opt_.stop;
    ctx_.sass = &opt_.sass;
    ctx_.sass_inspected = opt_.sass_inspected;
    ctx_.sass_status = opt_.sass_status;
    ctx_.phase_seconds = &sum_.phase_seconds;
    const auto benches = select_benchmarks(opt_.config);
    int index = 0;
    try {
      for (const core::Benchmark* b : benches) {
        if (stopped()) { sum_.interrupted = true; break; }
        run_one(*b, ++index, int(benches.size()));
      }
    } catch (...) {
      ctx_.buffers.clear();
      cudaStreamDestroy(ctx_.stream);
      throw;
    }
    if (stopped()) sum_.interrupted = true;
    ctx_.buffers.clear();
    cudaStreamDestroy(ctx_.stream);
    close_summary();
    return sum_;
  }

 private:
  bool stopped() const { return opt_.stop && *opt_.stop; }

  void close_summary() {
    sum_.sm_clock_mhz_median = summarize(ctx_.kept_clocks).median;
    sum_.sm_clock_samples = int(ctx_.kept_clocks.size());
    sum_.discarded_samples = ctx_.discarded_samples;
    sum_.cupti = ctx_.cupti;
    sum_.run_info = ctx_.run_info;
    sum_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start_).count();
  }

  void emit(ResultRow r, const std::string& table) {
    if (const std::string bad = schema_problem(r); !bad.empty())
      throw std::logic_error(fmt::format("{} (row of {}): a family may only write the schema's metrics", bad, r.atom));
    if (!r.valid && r.metric != "skipped") ++sum_.invalid;  // "error" and "timed_out" rows count as invalid
    ++sum_.rows;
    if (std::find(sum_.tables.begin(), sum_.tables.end(), table) == sum_.tables.end()) sum_.tables.push_back(table);
    if (opt_.on_row) opt_.on_row(r, table);
    rows_->push_back(std::move(r));
  }

  void run_one(const core::Benchmark& b, int index, int total) {
    ChargeSeconds family_time{&sum_.family_seconds[b.family()]};
    ++sum_.benchmarks;
    const ResultRow base = base_row(b, opt_);
    const std::string prefix = fmt::format("[{:>4}/{}] {:<44}", index, total, display_name(b));
    auto say = [&](const std::string& what) {
      if (opt_.progress) fmt::print(stderr, "{} {}\n", prefix, what);
    };
    ctx_.emit = [&](ResultRow r) { emit(std::move(r), b.table); };
    ctx_.say = say;
    // A kernel that outlives the timeout cannot be stopped or waited for: record it, hand the
    // summary to on_timeout (which writes the outputs and ends the process), never return.
    const Watchdog watchdog{opt_.timeout_seconds, [&](const std::string& what) {
      ResultRow r = base;
      r.metric = "timed_out";
      r.note = fmt::format("watchdog: {} did not finish within {:g} s (--timeout); the sweep stopped here", what,
                           opt_.timeout_seconds);
      emit(r, b.table);
      say("TIMED OUT: " + r.note);
      sum_.timed_out = true;
      sum_.timeout_note = fmt::format("{}: {}", display_name(b), r.note);
      close_summary();
      if (opt_.on_timeout) opt_.on_timeout(sum_);
    }};
    ctx_.watchdog = &watchdog;

    std::string why = range_problem(b.arch_range(), opt_.device.sm);
    if (why.empty()) why = build_problem(b.arch_range(), TCB_BUILT_ARCHS);
    if (why.empty() && b.unsupported) why = b.unsupported(opt_.device);
    if (!why.empty()) {
      ResultRow r = base;
      r.metric = "skipped";
      r.note = why;
      ++sum_.skipped;
      say("skipped: " + why);
      emit(r, b.table);
      return;
    }
    core::State state(b, ctx_, base);
    try {
      b.run(state);
    } catch (const std::exception& e) {
      // A failed launch loses this benchmark, not the sweep, unless the CUDA context is broken.
      ResultRow r = base;
      r.metric = "error";
      r.note = e.what();
      emit(r, b.table);
      say(std::string("ERROR: ") + e.what());
      const cudaError_t sticky = cudaDeviceSynchronize();
      if (sticky != cudaSuccess)
        throw std::runtime_error(fmt::format("{} (CUDA context unusable: {})", e.what(), cudaGetErrorString(sticky)));
      cudaGetLastError();
    }
  }

  const RunOptions& opt_;
  std::vector<ResultRow>* rows_;
  RunSummary sum_;
  core::RunContext ctx_;
  const std::chrono::steady_clock::time_point t_start_ = std::chrono::steady_clock::now();
};

}  // namespace

std::vector<const core::Benchmark*> select_benchmarks(const SweepConfig& cfg) {
  std::vector<Regex> inc, exc;
  for (const auto& s : cfg.include) inc.emplace_back(s);
  for (const auto& s : cfg.exclude) exc.emplace_back(s);
  std::vector<const core::Benchmark*> out;
  for (const auto* reg : {&core::benchmarks(), &core::test_benchmarks()})
    for (const auto& b : *reg) {
      if (std::find(cfg.families.begin(), cfg.families.end(), b.family()) == cfg.families.end()) continue;
      if (!inc.empty() && !matches_any(inc, b)) continue;
      if (matches_any(exc, b)) continue;
      out.push_back(&b);
    }
  return out;
}

RunSummary run_sweep(const RunOptions& opt, std::vector<ResultRow>* rows) { return Sweep(opt, rows).run(); }

}  // namespace tcb
