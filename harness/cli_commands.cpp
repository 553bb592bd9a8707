#include "harness/cli_commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/config.hpp"
#include "harness/device_info.hpp"
#include "harness/nvml.hpp"
#include "harness/provenance.hpp"
#include "harness/registry.hpp"
#include "harness/runner.hpp"
#include "harness/sass.hpp"
#include "harness/writers.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_sigint(int) {
  g_stop = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends at once
}

std::string self_binary() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

bool no_gpu(const std::string& error) {
  fmt::print(stderr, "tcbench: {}\n(tcbench needs an NVIDIA GPU with a working driver for this command; "
                     "`tcbench list` works without one)\n", error);
  return true;
}

// SASS facts for the device's architecture: disassemble this binary with cuobjdump.
void inspect_sass(const DeviceInfo& dev, RunOptions* opt, std::string* status) {
  std::string text, err;
  if (find_tool("cuobjdump").empty()) { *status = "cuobjdump not found"; return; }
  if (!disassemble_arch(self_binary(), dev.sm, &text, &err)) { *status = "cuobjdump failed: " + err; return; }
  std::vector<AtomInfo> atoms;
  for (const auto& b : registry()) atoms.push_back(b.info);
  auto kernels = parse_cuobjdump_sass(text);
  for (const auto& s : summarize_sass(kernels, atoms)) {
    if (arch_number(s.arch) != dev.sm) continue;
    opt->sass[s.atom] = AtomSassInfo{s.opcodes, s.native};
  }
  opt->sass_inspected = !opt->sass.empty();
  *status = opt->sass_inspected ? fmt::format("{} atoms inspected", opt->sass.size())
                                : "no SASS for this architecture in the binary";
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
          {"clock_tolerance", c.clock_tolerance}};
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

int cmd_list(const CommandLine& cl) {
  SweepConfig cfg;
  cfg.families = cl.family.empty() ? std::vector<std::string>{"mma.sync", "mma.sp", "wmma", "wgmma"}
                                   : std::vector<std::string>{cl.family};
  if (!cl.filter.empty()) cfg.include = {cl.filter};
  auto sel = select_benchmarks(cfg);
  fmt::print("{:<44} {:<8} {:<66} {:>12} {:>7} {:>9}\n", "atom", "work", "ptx", "m x n x k", "min sm", "ops/inst");
  for (const Benchmark* b : sel) {
    const AtomInfo& a = b->info;
    fmt::print("{:<44} {:<8} {:<66} {:>12} {:>7} {:>9.0f}\n", a.name, work_name(b->work), a.ptx,
               fmt::format("{}x{}x{}", a.m, a.n, a.k), a.min_sm, a.ops_per_instr());
  }
  fmt::print("{} benchmark(s); built for {}\n", sel.size(), TCB_BUILT_ARCHS);
  return kExitOk;
}

int cmd_info(const CommandLine& cl) {
  DeviceInfo dev;
  std::string err;
  if (!query_device(cl.device, &dev, &err)) return no_gpu(err), kExitNoGpu;
  fmt::print("{}\n", dev.to_json().dump(2));
  fmt::print("nvml: {}\n", nvml_snapshot().dump());
  int supported = 0, total = 0;
  for (const auto& b : registry()) {
    ++total;
    if (b.info.exists_on(dev.sm)) ++supported;
    else fmt::print("  not on sm_{}: {} (needs sm_{})\n", dev.sm, b.info.name, b.info.min_sm);
  }
  fmt::print("{} of {} registered instructions exist on sm_{}; build targets: {}\n", supported, total, dev.sm,
             TCB_BUILT_ARCHS);
  return kExitOk;
}

int cmd_sass(const CommandLine& cl) {
  std::string binary = cl.binary.empty() ? self_binary() : cl.binary;
  std::string out = cl.out_dir.empty() ? std::string(TCB_SOURCE_DIR) + "/sass" : cl.out_dir;
  if (find_tool("cuobjdump").empty()) {
    fmt::print(stderr, "tcbench sass: cuobjdump not found (CUDA toolkit, or the nvidia-cuda-cuobjdump wheel)\n");
    return kExitFailure;
  }
  std::string text, err;
  if (!run_cuobjdump_sass(binary, &text, &err)) {
    fmt::print(stderr, "tcbench sass: {}\n", err);
    return kExitFailure;
  }
  std::vector<AtomInfo> atoms;
  for (const auto& b : registry()) atoms.push_back(b.info);
  auto kernels = parse_cuobjdump_sass(text);
  auto summary = summarize_sass(kernels, atoms);
  write_sass_dir(out, kernels, summary);
  for (const auto& s : summary)
    fmt::print("{:<8} {:<40} {:<8} {}\n", s.arch, s.atom, s.native ? "native" : "EMULATED", join(s.opcodes, ";"));
  fmt::print("wrote {} ({} kernels)\n", out, kernels.size());
  return kExitOk;
}

int cmd_run(const CommandLine& cl) {
  const auto command_start = std::chrono::steady_clock::now();  // the whole command: SASS inspection too
  RunOptions opt;
  try {
    opt.config = cl.config_path.empty() ? load_config_text(embedded_default_config(), "<embedded configs/default.yaml>")
                                        : load_config_file(cl.config_path);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "tcbench: config error: {}\n", e.what());
    return kExitConfig;
  }
  if (!cl.filter.empty()) opt.config.include.push_back(cl.filter);
  if (!cl.data.empty() && !parse_data_mode(cl.data, &opt.config.data)) {
    fmt::print(stderr, "tcbench: --data must be random, exact or zeros (got '{}')\n", cl.data);
    return kExitUsage;
  }
  std::string err;
  if (!query_device(cl.device, &opt.device, &err)) return no_gpu(err), kExitNoGpu;
  const DeviceInfo& dev = opt.device;

  const std::string out = cl.out_dir.empty() ? "results/" + dev.slug() : cl.out_dir;
  fs::create_directories(out);
  std::string sass_status;
  inspect_sass(dev, &opt, &sass_status);

  GitState git = git_state();
  nlohmann::json run = {
      {"schema_version", 1},
      {"tool", {{"name", "tcbench"}, {"version", TCB_VERSION}, {"built_archs", TCB_BUILT_ARCHS}}},
      {"status", "running"},
      {"git", {{"sha", git.sha}, {"dirty", git.dirty}, {"source", git.source}}},
      {"command", join(cl.argv, " ")},
      {"config", config_json(opt.config)},
      {"date_utc", utc_now_iso8601()},
      {"host", hostname()},
      {"device", dev.to_json()},
      {"nvml_at_start", nvml_snapshot()},
      {"sass", sass_status}};
  write_json_atomic(out + "/run.json", run);

  const std::string csv_path = out + "/instructions.csv";
  CsvWriter csv(csv_path + ".partial");
  opt.on_row = [&](const ResultRow& r) { csv.append(r); };
  opt.progress = !cl.no_progress && isatty(STDERR_FILENO);
  opt.stop = &g_stop;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);

  std::vector<ResultRow> rows;
  RunSummary sum;
  std::string failure;
  try {
    sum = run_sweep(opt, &rows);
  } catch (const std::exception& e) {
    failure = e.what();  // keep what was measured, then report
  }
  fs::rename(csv_path + ".partial", csv_path);

  run["status"] = !failure.empty() ? "failed" : sum.interrupted ? "interrupted" : "complete";
  if (!failure.empty()) run["error"] = failure;
  run["date_utc_end"] = utc_now_iso8601();
  run["wall_seconds"] = sum.wall_seconds;
  run["nvml_at_end"] = nvml_snapshot();
  run["clocks"] = {{"sm_clock_mhz_measured_median", sum.sm_clock_mhz_median},
                   {"method", "in-kernel delta clock64 / delta globaltimer, median over blocks and samples"}};
  run["family_seconds"] = sum.family_seconds;
  run["phase_seconds"] = sum.phase_seconds;
  run["command_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - command_start).count();
  run["summary"] = {{"benchmarks", sum.benchmarks}, {"skipped", sum.skipped}, {"rows", sum.rows},
                    {"invalid_rows", sum.invalid}, {"discarded_samples", sum.discarded_samples}};
  run["files"] = {"instructions.csv", "benchmark.json"};
  write_json_atomic(out + "/run.json", run);

  nlohmann::json ctx = {{"tcbench_git_sha", git.sha}, {"device", dev.name}, {"sm", dev.sm},
                        {"executable", self_binary()}};
  write_json_atomic(out + "/benchmark.json", gbench_json(ctx, rows));

  fmt::print("{} rows ({} benchmarks, {} skipped, {} invalid) in {:.1f} s -> {}\n", rows.size(), sum.benchmarks,
             sum.skipped, sum.invalid, sum.wall_seconds, out);
  if (!failure.empty()) {
    fmt::print(stderr, "tcbench: sweep stopped by an error: {}\n", failure);
    return kExitFailure;
  }
  if (sum.interrupted) {
    fmt::print(stderr, "tcbench: interrupted; the rows measured so far are kept in {}\n", csv_path);
    return kExitInterrupted;
  }
  return sum.invalid ? kExitInvalidResults : kExitOk;
}

}  // namespace tcb
