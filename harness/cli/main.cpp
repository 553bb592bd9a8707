// tcbench: the command-line front end (info, list, run, sass, numerics, model, gemm-algos; predict,
// optimize and calibrate are the optimizer core's; report, compare, export, merge and interference
// the analysis package's; run --devices is harness/cli/cmd_node's). It parses and validates every argument that needs no GPU, then hands over to the
// subcommand.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <csignal>
#include <filesystem>

#include "harness/cli/cli_commands.hpp"
#include "harness/cli/cmd_analysis.hpp"
#include "harness/cli/cmd_gemm_algos.hpp"
#include "harness/cli/cmd_node.hpp"
#include "harness/cli/cmd_numerics.hpp"
#include "harness/cli/cmd_optimizer.hpp"
#include "harness/core/config.hpp"
#include "harness/core/benchmark.hpp"
#include "harness/device/device_info.hpp"
#include "harness/core/watchdog.hpp"
#include "harness/io/provenance.hpp"
#include "harness/core/regex.hpp"
#include "families/mma/registry.hpp"
#include "model/batch_io.hpp"

namespace {

using namespace tcb;

// The footer of every --help: the exit codes of harness/device/device_info.hpp.
std::string exit_codes_help() {
  return fmt::format(
      "Exit codes: {} success, {} failure, {} usage, {} malformed config or input, {} no GPU,\n"
      "  {} invalid results (or hardware != model), {} watchdog timeout, {} output exists, {} interrupted.",
      int(kExitOk), int(kExitFailure), int(kExitUsage), int(kExitConfig), int(kExitNoGpu), int(kExitInvalidResults),
      int(kExitTimedOut), int(kExitExists), int(kExitInterrupted));
}

// "tcbench 0.1.0 (git 4cf30c7, dirty), built for sm_80, sm_90a"
std::string version_text() {
  const GitState git = git_state();
  std::string archs;
  for (const std::string& a : CLI::detail::split(TCB_BUILT_ARCHS, ','))
    archs += (archs.empty() ? "sm_" : ", sm_") + a;
  const std::string sha =
      git.sha == "unknown" ? "git commit unknown" : "git " + git.sha.substr(0, 12) + (git.dirty ? ", dirty" : "");
  return fmt::format("tcbench {} ({}), built for {}", TCB_VERSION, sha, archs);
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

int usage_error(const std::string& message) {
  fmt::print(stderr, "tcbench: {}\n", message);
  return kExitUsage;
}

// CLI11 says only "a subcommand is required" for `tcbench bogus`: name the word and the choices.
// The top level takes no option with a value, so its first non-option word is the subcommand.
bool unknown_subcommand(CLI::App& app, int argc, char** argv, std::string* message) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    if (std::find(names.begin(), names.end(), word) != names.end()) return false;
    *message = "unknown subcommand '" + word + "' (expected one of: " + join(names) + ")";
    return true;
  }
  return false;
}

// Regex options are checked here, before any GPU is looked for: a typo is a usage error on
// every machine, and the same RE2 engine that will match it judges it.
bool bad_regex(const std::string& option, const std::string& pattern, std::string* message) {
  if (pattern.empty()) return false;
  const std::string problem = regex_problem(pattern);
  if (problem.empty()) return false;
  *message = option + " '" + pattern + "' is not a valid regular expression (RE2 syntax): " + problem;
  return true;
}

// --device: a non-negative index (whether that GPU exists is asked after parsing).
// --timeout: a finite number of seconds in [0, kMaxWatchdogSeconds] (NaN would switch the watchdog
// off silently; a huge value would overflow the deadline).
CLI::Validator watchdog_seconds() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        char* end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !std::isfinite(x) || x < 0 || x > kMaxWatchdogSeconds)
          return fmt::format("must be between 0 and {:.0f} seconds (got {})", kMaxWatchdogSeconds, v);
        return "";
      },
      "", "watchdog seconds");
}

// --seed: a base-10 number from 0 to 2^64-1, taken as written (no wrap of -1, no saturation).
CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        const bool digits = !v.empty() && v.size() <= 20 && v.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || (v.size() == 20 && v > "18446744073709551615"))
          return "must be a whole number between 0 and 18446744073709551615 (got " + v + ")";
        return "";
      },
      "", "seed");
}

CLI::Validator device_index() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        int index = -1;
        if (CLI::detail::lexical_cast(value, index) && index >= 0) return "";
        return "must be a CUDA device index, 0 or more (got " + value + ")";
      },
      "");
}

// --family: the families a config may name, with the same message as the config's, or a
// test-only family (selftest: registered apart, run or listed only when named).
CLI::Validator family_name() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto known = known_families();
        const auto with_test = core::family_names(true);
        if (std::find(with_test.begin(), with_test.end(), value) != with_test.end()) return "";
        return "'" + value + "' is not one of " + join(known);
      },
      "");
}

// An index past the last GPU is a usage error; no GPU at all is left to the subcommand (exit 4).
bool device_out_of_range(int index, std::string* message) {
  std::string no_gpu;
  const int count = device_count(&no_gpu);
  if (count == 0 || index < count) return false;
  *message = fmt::format("--device {}: this machine has {} CUDA device{} (valid: 0{})", index, count,
                         count == 1 ? "" : "s", count == 1 ? "" : fmt::format("..{}", count - 1));
  return true;
}

// A subcommand of the analysis package (cmd_analysis): its arguments, --help included, are the
// package's own and pass through unparsed (prefix_command: everything after the name).
CLI::App* analysis_subcommand(CLI::App& app, const std::string& name, const std::string& help) {
  CLI::App* sub = app.add_subcommand(name, help + " (no GPU needed)");
  sub->prefix_command();
  sub->set_help_flag();
  return sub;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tcb;
  CLI::App app{"tcbench: latency, throughput and numerics of GPU tensor-core instructions"};
  app.footer(exit_codes_help());  // before the subcommands: they inherit it
  app.set_version_flag("--version", version_text, "Print the version, git commit and built architectures");
  app.require_subcommand(1);
  CommandLine cl;
  for (int i = 0; i < argc; ++i) cl.argv.push_back(argv[i]);

  auto* info = app.add_subcommand("info", "Show the GPU, its clocks and which instructions it supports");
  info->add_option("--device", cl.device, "CUDA device index")->check(device_index());
  info->add_option("--arch", cl.arch,
                   "List what this build would run and skip on a GPU of this architecture (sm_75, sm_100a, ...); "
                   "needs no GPU");

  auto* list = app.add_subcommand("list", "List the registered benchmarks (no GPU needed)");
  list->add_option("--filter", cl.filter, "Regex on atom name or PTX mnemonic");
  list->add_option("--family", cl.family, join(known_families()))
      ->check(family_name());

  auto* run = app.add_subcommand("run", "Run a sweep into a new results/<gpu>/runs/<UTC time>/ (or --out)");
  run->add_option("--config", cl.config_path, "YAML sweep (default: the embedded configs/default.yaml)");
  run->add_option("--filter", cl.filter, "Regex on atom name or PTX mnemonic (added to the config's include)");
  run->add_option("--device", cl.device, "CUDA device index")->check(device_index());
  run->add_option("--out", cl.out_dir,
                  "Output folder (default: a new results/<gpu-slug>/runs/<UTC time>/); one holding a run is "
                  "refused (exit 7) unless --force");
  run->add_flag("--force", cl.force, "Replace the run (and its reports) that --out holds; other files stay");
  run->add_option("--family", cl.run_families,
                  "Families to run, overriding the config's (repeat or comma-separate); test-only 'selftest' "
                  "runs only when named")
      ->delimiter(',')
      ->check(family_name());
  run->add_option("--timeout", cl.timeout_seconds,
                  fmt::format("Watchdog: seconds one wait for the GPU (a point's launches) may take before the "
                              "sweep stops as timed out (exit {}); 0: none", int(kExitTimedOut)))
      ->default_val(kDefaultWatchdogSeconds)
      ->check(watchdog_seconds());
  run->add_flag("--no-sass", cl.no_sass,
                "Measure without SASS inspection: every kernel gets operands the compiler cannot hoist "
                "(docs/results_safety.md)");
  run->add_option("--data", cl.data, "Operand data: random | exact | zeros (overrides the config)");
  run->add_flag("--no-progress", cl.no_progress, "No progress lines even on a terminal");
  auto* devices = run->add_option("--devices", cl.devices,
                  "Sweep several GPUs at once, one worker process each: all, or CUDA indices like 0,2,5; each "
                  "writes <out>/<gpu-slug>/<uuid>/ (--out default: results), the node summary "
                  "<out>/nodes/<host>/node.json (docs/multi_gpu.md)");
  run->add_flag("--interference", cl.interference,
                "With --devices: sweep each GPU alone first (<uuid>/solo/), then all at once, and write "
                "interference.md comparing them")
      ->needs(devices);
  run->get_option("--device")->excludes(devices);

  auto* sass = app.add_subcommand("sass", "Dump the benchmark kernels' SASS (gzip) into sass/ and record their opcodes");
  sass->add_option("--binary", cl.binary, "Binary to disassemble (default: this tcbench)");
  sass->add_option("--out", cl.out_dir,
                   "Output folder (default: sass/ under the working folder); an existing non-empty one is refused "
                   "(exit 7) unless --force");
  sass->add_flag("--force", cl.force, "Write into an existing dump: each architecture's folder is replaced whole");

  NumericsOptions nopt;
  nopt.argv = cl.argv;
  auto* numerics = app.add_subcommand("numerics", "Probe the tensor cores' rounding and validate the CPU model (GPU)");
  numerics->add_option("--device", nopt.device, "CUDA device index")->check(device_index());
  numerics->add_option("--out", nopt.out_dir,
                       "Output folder (default: a new results/<gpu-slug>/runs/<UTC time>/); one holding numerics "
                       "results is refused (exit 7) unless --force");
  numerics->add_flag("--force", nopt.force, "Replace the numerics results --out holds; other files stay");
  numerics->add_option("--timeout", nopt.timeout_seconds,
                       fmt::format("Watchdog: seconds one wait for the GPU (a batch of cases) may take before "
                                   "the command stops as timed out (exit {}); 0: none", int(kExitTimedOut)))
      ->default_val(kDefaultWatchdogSeconds)
      ->check(watchdog_seconds());
  numerics->add_option("--filter", nopt.filter, "Regex on atom name or PTX mnemonic");
  numerics->add_option("--cases", nopt.cases, "Random validation cases per path")->check(CLI::Range(1, 100000000));
  numerics->add_option("--sample", nopt.sample, "Cases per path written with the hardware's bits")->check(CLI::Range(0, 100000000));
  numerics->add_option("--seed", nopt.seed, "Seed of the random cases")->check(seed_value());

  auto* model = app.add_subcommand("model", "Dot products computed by the CPU tensor-core numerics model (no GPU needed)");
  model->add_option("--preset", cl.model_preset, "v100 | t4 | a100 | h100")->required();
  model->add_option("--instr", cl.model_instr, "PTX mnemonic, e.g. mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32")->required();
  model->add_option("--k", cl.model_k,
                    fmt::format("Products per dot product, 1..{} (chained over the instruction's k)", model::kMaxK))
      ->required();
  model->add_option("--in", cl.model_in, "Input: per line a0..a(k-1) b0..b(k-1) c as hex patterns (default: stdin)");
  model->add_option("--out", cl.model_out,
                    "Output: one hex d per line (default: stdout); a new or regular file, written whole or not at all");

  GemmAlgosOptions gopt{cl.argv};
  auto* gemm_algos = add_gemm_algos_command(app, &gopt);

  OptimizerOptions oopt{cl.argv};
  const OptimizerCommands optimizer = add_optimizer_commands(app, &oopt);

  const CLI::App* analysis[] = {
      analysis_subcommand(app, "report", "report.md, plots and CSV tables of a results folder"),
      analysis_subcommand(app, "compare", "The rows of two results folders that differ by more than their noise"),
      analysis_subcommand(app, "export", "The cost table, or a file another tool reads made from it"),
      analysis_subcommand(app, "merge", "One results folder and cost table from several chips of one GPU model, "
                                        "with each figure's spread across the chips"),
      analysis_subcommand(app, "interference", "Each GPU alone vs in the concurrent sweep, from a node folder of "
                                               "tcbench run --devices all --interference")};

  std::string problem;
  if (unknown_subcommand(app, argc, argv, &problem)) return usage_error(problem);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (bad_regex("--filter", cl.filter, &problem) || bad_regex("--filter", nopt.filter, &problem))
    return usage_error(problem);
  if ((*info || *run) && device_out_of_range(cl.device, &problem)) return usage_error(problem);
  if (*numerics && device_out_of_range(nopt.device, &problem)) return usage_error(problem);
  if (*gemm_algos && device_out_of_range(gopt.device, &problem)) return usage_error(problem);
  for (const CLI::App* sub : analysis)
    if (*sub) return cmd_analysis(sub->get_name(), sub->remaining());
  try {
    if (*info) return cmd_info(cl);
    if (*list) return cmd_list(cl);
    if (*run) return cl.devices.empty() ? cmd_run(cl) : cmd_run_devices(cl);
    if (*sass) return cmd_sass(cl);
    if (*model) return cmd_model(cl);
    if (*numerics) return cmd_numerics(nopt);
    if (*gemm_algos) return cmd_gemm_algos(gopt);
    if (*optimizer.predict) return cmd_predict(oopt);
    if (*optimizer.optimize) return cmd_optimize(oopt);
    if (*optimizer.calibrate) return cmd_calibrate(oopt);
  } catch (const std::exception& e) {
    fmt::print(stderr, "tcbench: error: {}\n", e.what());
    return kExitFailure;
  }
  return kExitUsage;
}
