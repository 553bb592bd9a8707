#include "harness/cli/cli_commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "harness/core/config.hpp"
#include "harness/device/device_info.hpp"
#include "harness/io/gzip_file.hpp"
#include "harness/device/nvml.hpp"
#include "harness/io/output_dir.hpp"
#include "harness/io/provenance.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/arch_range.hpp"
#include "harness/core/benchmark.hpp"
#include "harness/core/runner.hpp"
#include "harness/sass/sass.hpp"
#include "harness/core/stop_signal.hpp"
#include "harness/io/writers.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// SASS facts for the device's architecture, from this binary. False with the real reason when
// the inspection failed: the caller refuses to run then, unless --no-sass was given.
bool inspect_sass(const DeviceInfo& dev, RunOptions* opt, std::string* status) {
  std::vector<AtomInfo> atoms;
  for (const auto& b : registry()) atoms.push_back(b.info);
  std::vector<BenchmarkSassQuery> queries;
  for (const auto& b : core::benchmarks())
    if (!b.sass_kernel.empty()) queries.push_back({b.name(), b.sass_kernel, b.sass_opcodes});
  std::vector<AtomSass> found;
  std::vector<BenchmarkSass> found_by_kernel;
  if (!inspect_binary_sass(self_binary(), dev.sm, atoms, &found, status, queries, &found_by_kernel)) return false;
  for (const auto& s : found) opt->sass[s.atom] = core::SassFacts{s.opcodes, s.native};
  for (const auto& s : found_by_kernel) opt->sass[s.name] = core::SassFacts{s.opcodes, s.native};
  opt->sass_inspected = true;
  *status = fmt::format("{} atoms and {} other benchmarks inspected", found.size(), found_by_kernel.size());
  return true;
}

// What --no-sass means for the measurement; in run.json and (shortened) in every row's note.
constexpr const char* kNoSassChoice =
    "not inspected (--no-sass): every kernel was given operands varied per step and chain, as an emulated "
    "instruction needs (the conservative choice: the compiler cannot hoist work out of the loop; a native "
    "instruction may then issue a little slower); native and sass_opcodes are unknown";

// The families this build registered (a reduced build has fewer), test families included.
std::vector<std::string> built_families() {
  std::vector<std::string> out;
  for (const auto* reg : {&core::benchmarks(), &core::test_benchmarks()})
    for (const auto& b : *reg)
      if (std::find(out.begin(), out.end(), b.family()) == out.end()) out.push_back(b.family());
  return out;
}

std::string describe_selection(const SweepConfig& c, const std::string& filter) {
  std::string s = fmt::format("config {} (families: {}", c.source.empty() ? c.name : c.source, join(c.families, ", "));
  std::vector<std::string> include = c.include;
  if (!filter.empty() && !include.empty() && include.back() == filter) include.pop_back();
  if (!include.empty()) s += "; include: " + join(include, ", ");
  if (!c.exclude.empty()) s += "; exclude: " + join(c.exclude, ", ");
  s += ")";
  if (!filter.empty()) s += " with --filter '" + filter + "'";
  return s;
}

nlohmann::json config_json(const SweepConfig& c) {
  return {{"name", c.name},
          {"source", c.source},
          {"families", c.families},
          {"include", c.include},
          {"exclude", c.exclude},
          {"data", data_mode_name(c.data)},
          {"repetitions", c.repetitions},
          {"warmup", c.warmup},
          {"latency", {{"enabled", c.latency}, {"steps", c.latency_steps}}},
          {"throughput", {{"enabled", c.throughput}, {"warps_per_sm", c.warps_per_sm}, {"ilp", c.ilp},
                          {"steps", c.throughput_steps}}},
          {"clock_tolerance", c.clock_tolerance},
          {"cupti_check_every", c.cupti_check_every}};
}

nlohmann::json nvml_snapshot() {
  Nvml& n = Nvml::instance();
  nlohmann::json j = {{"available", n.available()}};
  unsigned v = 0;
  double w = 0;
  uint64_t reasons = 0;
  if (n.sm_clock_mhz(&v)) j["sm_clock_mhz"] = v;
  if (n.mem_clock_mhz(&v)) j["mem_clock_mhz"] = v;
  if (n.temperature_c(&v)) j["temperature_c"] = v;
  if (n.power_usage_w(&w)) j["power_w"] = w;
  if (n.throttle_reasons(&reasons)) j["clock_event_reasons"] = Nvml::describe_reasons(reasons);
  return j;
}

}  // namespace

std::string self_binary() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

int no_gpu(const std::string& error) {
  fmt::print(stderr, "tcbench: {}\n(tcbench needs an NVIDIA GPU with a working driver for this command; "
                     "`tcbench list` works without one)\n", error);
  return kExitNoGpu;
}

int cmd_list(const CommandLine& cl) {
  SweepConfig cfg;
  cfg.families = cl.family.empty() ? known_families()
                                   : std::vector<std::string>{cl.family};
  if (!cl.filter.empty()) cfg.include = {cl.filter};
  auto sel = select_benchmarks(cfg);
  if (sel.empty()) {  // the same selection `run` refuses: say so rather than list nothing with exit 0
    fmt::print(stderr, "tcbench list: {} selects no benchmark of this build (built families: {})\n",
               describe_selection(cfg, cl.filter), join(built_families(), ", "));
    return kExitUsage;
  }
  fmt::print("{:<10} {:<52} {:<66} {:>12}\n", "family", "benchmark", "ptx", "m x n x k");
  for (const core::Benchmark* b : sel) {
    const ResultRow& r = b->row;
    fmt::print("{:<10} {:<52} {:<66} {:>12}\n", b->family(), b->selection_tag.empty() ? b->name() : b->selection_tag,
               r.ptx, r.m ? fmt::format("{}x{}x{}", r.m, r.n, r.k) : "");
  }
  fmt::print("{} benchmark(s); built for {}\n", sel.size(), TCB_BUILT_ARCHS);
  return kExitOk;
}

namespace {

// The atoms `tcbench sass` summarises: the MMA registry's, and the Blackwell family's (described
// by their benchmarks: name, range, expected opcode; the other fields are not read there).
std::vector<AtomInfo> sass_atoms() {
  std::vector<AtomInfo> atoms;
  for (const auto& b : registry()) atoms.push_back(b.info);
  for (const core::Benchmark& b : core::benchmarks()) {
    if (b.family() != "blackwell") continue;
    AtomInfo a{};
    a.name = b.row.atom.c_str();  // the registry lives for the whole process
    a.ptx = b.row.ptx.c_str();
    a.m = b.row.m, a.n = b.row.n, a.k = b.row.k;
    a.min_sm = b.min_sm;
    a.max_sm = b.max_sm;
    a.sass = b.sass_opcodes.c_str();
    atoms.push_back(a);
  }
  return atoms;
}

// What this build runs on a GPU of compute capability `sm`, and what it skips with the runner's
// reason (arch range, then the code the build holds, then -- with a GPU -- the family's checks).
void print_arch_plan(int sm, const DeviceInfo* dev) {
  int runs = 0, skipped = 0, unmeasured = 0;
  std::map<std::string, int> runs_by_family;
  for (const auto* reg : {&core::benchmarks()})
    for (const core::Benchmark& b : *reg) {
      std::string why = range_problem(b.arch_range(), sm);
      if (why.empty()) why = build_problem(b.arch_range(), TCB_BUILT_ARCHS);
      if (why.empty() && dev && b.unsupported) why = b.unsupported(*dev);
      const std::string name = b.selection_tag.empty() ? b.name() : b.selection_tag;
      if (!why.empty()) {
        ++skipped;
        fmt::print("  skip  {:<10} {:<52} {}\n", b.family(), name, why);
        continue;
      }
      ++runs;
      ++runs_by_family[b.family()];
      if (!b.measured) ++unmeasured;
      fmt::print("  run   {:<10} {:<52} {}\n", b.family(), name,
                 b.measured ? "" : "unmeasured: no run on a GPU of this architecture exists yet");
    }
  std::string per_family;
  for (const auto& [f, n] : runs_by_family) per_family += fmt::format("{}{} {}", per_family.empty() ? "" : ", ", f, n);
  fmt::print("on sm_{}: {} benchmark(s) will run ({}), {} skipped, {} of those that run unmeasured; "
             "build targets: {}\n", sm, runs, per_family, skipped, unmeasured, TCB_BUILT_ARCHS);
}

}  // namespace

int cmd_info(const CommandLine& cl) {
  if (!cl.arch.empty()) {  // no GPU: the plan for that architecture from ranges and build targets
    const auto a = parse_arch(cl.arch);
    if (!a) {
      fmt::print(stderr, "tcbench info: --arch {}: expected an architecture such as sm_80, sm_90a, sm_100f\n",
                 cl.arch);
      return kExitUsage;
    }
    fmt::print("{} (no GPU queried: the family checks that need one are left out)\n", arch_name(*a));
    print_arch_plan(a->sm, nullptr);
    return kExitOk;
  }
  DeviceInfo dev;
  std::string err;
  if (!query_device(cl.device, &dev, &err)) return no_gpu(err);
  fmt::print("{}\n", dev.to_json().dump(2));
  fmt::print("nvml: {}\n", nvml_snapshot().dump());
  print_arch_plan(dev.sm, &dev);
  return kExitOk;
}

int cmd_sass(const CommandLine& cl) {
  std::string binary = cl.binary.empty() ? self_binary() : cl.binary;
  const std::string out = cl.out_dir.empty() ? "sass" : cl.out_dir;  // under the working folder
  if (refuse_output("sass", out, kSassOutput, cl.force)) return kExitExists;
  if (find_tool("cuobjdump").empty()) {
    fmt::print(stderr, "tcbench sass: cuobjdump not found (CUDA toolkit, or the nvidia-cuda-cuobjdump wheel)\n");
    return kExitFailure;
  }
  std::string text, err;
  if (!run_cuobjdump_sass(binary, &text, &err)) {
    fmt::print(stderr, "tcbench sass: {}\n", err);
    return kExitFailure;
  }
  auto atoms = sass_atoms();
  auto kernels = parse_cuobjdump_sass(text);
  auto summary = summarize_sass(kernels, atoms);
  StagedOutput stage(out, kSassOutput, utc_stamp());
  write_sass_dir(stage.dir(), kernels, summary);
  stage.commit();  // whole <arch>/ folders replaced: no file of a removed atom stays
  write_sass_readme(stage.target());
  for (const auto& s : summary)
    fmt::print("{:<8} {:<40} {:<8} {}\n", s.arch, s.atom, s.native ? "native" : "EMULATED", join(s.opcodes, ";"));
  fmt::print("wrote {} ({} kernels)\n", stage.target(), kernels.size());
  return kExitOk;
}

namespace {

// CUPTI's kernel records against the in-kernel timing (docs/cupti.md).
nlohmann::json cupti_json(const core::CuptiCheck& c, int every) {
  nlohmann::json j = {{"method", "CUPTI CONCURRENT_KERNEL activity records of every launch of every Nth timed point; "
                                 "a launch whose in-kernel wall time (%globaltimer, first block start to last "
                                 "block end) exceeds CUPTI's duration by more than 1% + 2 us marks its samples "
                                 "suspect and their row invalid"},
                      {"every_nth_point", every},
                      {"points_checked", c.points},
                      {"launches_compared", c.launches},
                      {"launches_without_record", c.missing},
                      {"suspect_launches", c.suspect}};
  if (!c.unavailable.empty()) j["unavailable"] = c.unavailable;
  if (!c.outside_ns.empty()) {
    const Summary s = summarize(c.outside_ns);
    j["cupti_minus_in_kernel_ns"] = {{"median", s.median}, {"min", s.min}, {"max", s.max}};
  }
  return j;
}

nlohmann::json clocks_json(const RunSummary& sum) {
  nlohmann::json j = {{"method", "in-kernel delta clock64 / delta globaltimer, median over blocks and kept "
                                 "latency and throughput samples"},
                      {"samples", sum.sm_clock_samples}};
  j["sm_clock_mhz_measured_median"] = sum.sm_clock_samples > 0 ? nlohmann::json(sum.sm_clock_mhz_median) : nullptr;
  if (sum.sm_clock_samples == 0) j["note"] = "no timed sample was kept (nothing measured): no clock to report";
  return j;
}

// One `tcbench run`: its options, the staging folder, and how it ends.
class RunCommand {
 public:
  RunCommand(const CommandLine& cl, RunOptions opt, std::string target)
      : cl_(cl), opt_(std::move(opt)), stage_(target, kRunOutput, utc_stamp()) {}

  int execute(const std::string& sass_status, std::chrono::steady_clock::time_point command_start);

 private:
  // Writes run.json and benchmark.json.gz, then moves the outputs into the target (complete)
  // or keeps them as the partial folder; returns the exit code.
  int finish(const RunSummary& sum, const std::string& failure);

  const CommandLine& cl_;
  RunOptions opt_;
  StagedOutput stage_;
  nlohmann::json run_;
  std::vector<ResultRow> rows_;
  std::chrono::steady_clock::time_point command_start_;
};

int RunCommand::execute(const std::string& sass_status, std::chrono::steady_clock::time_point command_start) {
  command_start_ = command_start;
  const DeviceInfo& dev = opt_.device;
  // One CSV per results table (instructions.csv, movement.csv, energy.csv), opened at its first row.
  std::map<std::string, std::unique_ptr<CsvWriter>> tables;
  opt_.on_row = [&](const ResultRow& r, const std::string& table) {
    auto& w = tables[table];
    if (!w) w = std::make_unique<CsvWriter>(stage_.dir() + "/" + table + ".csv");
    w->append(r);
  };
  opt_.progress = !cl_.no_progress && isatty(STDERR_FILENO);
  opt_.stop = &stop_on_signals();
  opt_.on_timeout = [&](const RunSummary& sum) { write_and_exit("run", [&] { return finish(sum, ""); }); };

  run_ = provenance_json(cl_.argv);
  run_.update({{"config", config_json(opt_.config)},
               {"device", dev.to_json()},
               {"nvml_at_start", nvml_snapshot()},
               {"sass", sass_status},
               {"watchdog", {{"timeout_seconds_per_gpu_wait", opt_.timeout_seconds}}},
               {"output", {{"target", stage_.target()}}}});
  write_json_atomic(stage_.dir() + "/run.json", run_);  // the sweep begins now

  RunSummary sum;
  std::string failure;
  try {
    sum = run_sweep(opt_, &rows_);
  } catch (const std::exception& e) {
    failure = e.what();  // keep what was measured, then report
  }
  return finish(sum, failure);
}

int RunCommand::finish(const RunSummary& sum, const std::string& failure) {
  const std::string reason = !failure.empty() ? "failed" : sum.timed_out ? "timed_out" : sum.interrupted ? "interrupted" : "";
  run_["status"] = reason.empty() ? "complete" : "partial";
  if (!reason.empty()) run_["partial_reason"] = reason;
  if (!failure.empty()) run_["error"] = failure;
  if (sum.timed_out) run_["error"] = sum.timeout_note;
  run_["date_utc_end"] = utc_now_iso8601();
  run_["wall_seconds"] = sum.wall_seconds;
  if (!sum.timed_out) run_["nvml_at_end"] = nvml_snapshot();  // NVML is safe, but keep the hang path minimal
  run_["clocks"] = clocks_json(sum);
  run_["family_seconds"] = sum.family_seconds;
  run_["phase_seconds"] = sum.phase_seconds;
  run_["cupti_check"] = cupti_json(sum.cupti, opt_.config.cupti_check_every);
  for (const auto& [key, value] : sum.run_info.items())  // the families' own entries (State::set_run_info)
    (run_.contains(key) ? run_["family_info"][key] : run_[key]) = value;  // never over the run's own
  run_["command_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - command_start_).count();
  run_["summary"] = {{"benchmarks", sum.benchmarks}, {"skipped", sum.skipped}, {"rows", sum.rows},
                     {"invalid_rows", sum.invalid}, {"discarded_samples", sum.discarded_samples}};
  nlohmann::json files = {"run.json"};
  for (const auto& t : sum.tables) files.push_back(t + ".csv");
  files.push_back("benchmark.json.gz");
  run_["files"] = files;
  run_["tables"] = sum.tables;
  write_json_atomic(stage_.dir() + "/run.json", run_);
  const nlohmann::json ctx = {{"tcbench_git_sha", run_["git"]["sha"]}, {"device", opt_.device.name},
                              {"sm", opt_.device.sm}, {"executable", self_binary()}};
  write_gzip_file(stage_.dir() + "/benchmark.json.gz", gbench_json(ctx, rows_).dump(2) + "\n");

  const std::string counts = fmt::format("{} rows ({} benchmarks, {} skipped, {} invalid) in {:.1f} s", rows_.size(),
                                         sum.benchmarks, sum.skipped, sum.invalid, sum.wall_seconds);
  if (reason.empty()) {
    stage_.commit();
    fmt::print("{} -> {}\n", counts, stage_.target());
    return sum.invalid ? kExitInvalidResults : kExitOk;
  }
  const std::string partial = stage_.keep_partial();
  fmt::print("{} -> {} (partial: {})\n", counts, partial, reason);
  fmt::print(stderr, "tcbench: {}; the rows measured so far are kept in {}, marked partial; {}\n",
             !failure.empty() ? "sweep stopped by an error: " + failure
             : sum.timed_out  ? "watchdog: " + sum.timeout_note
                              : std::string("interrupted"),
             partial,
             fs::exists(stage_.target()) ? stage_.target() + " was left as it was" : "nothing was written to " + stage_.target());
  return !failure.empty() ? kExitFailure : sum.timed_out ? kExitTimedOut : kExitInterrupted;
}

}  // namespace

int load_run_config(const CommandLine& cl, RunOptions* opt) {
  try {
    opt->config = cl.config_path.empty() ? load_config_text(embedded_default_config(), "<embedded configs/default.yaml>")
                                         : load_config_file(cl.config_path);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "tcbench: config error: {}\n", e.what());
    return kExitConfig;
  }
  if (!cl.filter.empty()) opt->config.include.push_back(cl.filter);
  if (!cl.run_families.empty()) opt->config.families = cl.run_families;
  if (!cl.data.empty() && !parse_data_mode(cl.data, &opt->config.data)) {
    fmt::print(stderr, "tcbench: --data must be random, exact or zeros (got '{}')\n", cl.data);
    return kExitUsage;
  }
  opt->timeout_seconds = cl.timeout_seconds;
  if (select_benchmarks(opt->config).empty()) {
    fmt::print(stderr, "tcbench run: {} selects no benchmark of this build (built families: {}); nothing to run\n",
               describe_selection(opt->config, cl.filter), join(built_families(), ", "));
    return kExitUsage;
  }
  return kExitOk;
}

int cmd_run(const CommandLine& cl) {
  const auto command_start = std::chrono::steady_clock::now();  // the whole command: SASS inspection too
  RunOptions opt;
  // Before the GPU is touched: a bad config, an empty selection, or an explicit folder holding a run.
  if (const int rc = load_run_config(cl, &opt); rc != kExitOk) return rc;
  if (!cl.out_dir.empty() && refuse_output("run", cl.out_dir, kRunOutput, cl.force)) return kExitExists;
  std::string err;
  if (!query_device(cl.device, &opt.device, &err)) return no_gpu(err);
  const DeviceInfo& dev = opt.device;
  // Default: a new folder per run, never one that exists (results/<gpu>/ itself is only written
  // when asked for with --out, and then only with --force if it holds a run).
  const std::string target = cl.out_dir.empty() ? new_run_folder("results/" + dev.slug() + "/runs", utc_stamp())
                                                 : cl.out_dir;
  std::string sass_status = kNoSassChoice;
  opt.sass_status = "--no-sass";
  if (!cl.no_sass && !inspect_sass(dev, &opt, &sass_status)) {
    fmt::print(stderr, "tcbench run: SASS inspection failed: {}\n(it decides which kernels need operands the compiler "
                       "cannot hoist; install the CUDA toolkit's cuobjdump, or pass --no-sass to measure every kernel "
                       "with such operands: docs/results_safety.md)\n", sass_status);
    return kExitFailure;
  }
  RunCommand run(cl, std::move(opt), target);
  return run.execute(sass_status, command_start);
}

}  // namespace tcb
