// tcbench: the command-line front end (info, list, run, sass, model).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <regex>

#include "harness/cli_commands.hpp"
#include "harness/cmd_numerics.hpp"
#include "harness/device_info.hpp"

int main(int argc, char** argv) {
  using namespace tcb;
  CLI::App app{"tcbench: latency, throughput and numerics of GPU tensor-core instructions"};
  app.require_subcommand(1);
  CommandLine cl;
  for (int i = 0; i < argc; ++i) cl.argv.push_back(argv[i]);

  auto* info = app.add_subcommand("info", "Show the GPU, its clocks and which instructions it supports");
  info->add_option("--device", cl.device, "CUDA device index");

  auto* list = app.add_subcommand("list", "List the registered benchmarks (no GPU needed)");
  list->add_option("--filter", cl.filter, "Regex on atom name or PTX mnemonic");
  list->add_option("--family", cl.family, "mma.sync | mma.sp | wmma | wgmma");

  auto* run = app.add_subcommand("run", "Run a sweep and write results/<gpu>/");
  run->add_option("--config", cl.config_path, "YAML sweep (default: the embedded configs/default.yaml)");
  run->add_option("--filter", cl.filter, "Regex on atom name or PTX mnemonic (added to the config's include)");
  run->add_option("--device", cl.device, "CUDA device index");
  run->add_option("--out", cl.out_dir, "Output folder (default: results/<gpu-slug>)");
  run->add_option("--data", cl.data, "Operand data: random | exact | zeros (overrides the config)");
  run->add_flag("--no-progress", cl.no_progress, "No progress lines even on a terminal");

  auto* sass = app.add_subcommand("sass", "Dump the benchmark kernels' SASS into sass/ and record their opcodes");
  sass->add_option("--binary", cl.binary, "Binary to disassemble (default: this tcbench)");
  sass->add_option("--out", cl.out_dir, "Output folder (default: <source>/sass)");

  NumericsOptions nopt;
  nopt.argv = cl.argv;
  auto* numerics = app.add_subcommand("numerics", "Probe the tensor cores' rounding and validate the CPU model (GPU)");
  numerics->add_option("--device", nopt.device, "CUDA device index");
  numerics->add_option("--out", nopt.out_dir, "Output folder (default: results/<gpu-slug>)");
  numerics->add_option("--filter", nopt.filter, "Regex on atom name or PTX mnemonic");
  numerics->add_option("--cases", nopt.cases, "Random validation cases per path")->check(CLI::Range(1, 100000000));
  numerics->add_option("--sample", nopt.sample, "Cases per path written with the hardware's bits")->check(CLI::Range(0, 100000000));
  numerics->add_option("--seed", nopt.seed, "Seed of the random cases");

  auto* model = app.add_subcommand("model", "Dot products computed by the CPU tensor-core numerics model (no GPU needed)");
  model->add_option("--preset", cl.model_preset, "v100 | t4 | a100 | h100")->required();
  model->add_option("--instr", cl.model_instr, "PTX mnemonic, e.g. mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32")->required();
  model->add_option("--k", cl.model_k, "Products per dot product (chained over the instruction's k)")->required();
  model->add_option("--in", cl.model_in, "Input: per line a0..a(k-1) b0..b(k-1) c as hex patterns (default: stdin)");
  model->add_option("--out", cl.model_out, "Output: one hex d per line (default: stdout); written whole or not at all");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (!cl.filter.empty()) {
    try {
      std::regex re(cl.filter);
    } catch (const std::regex_error& e) {
      fmt::print(stderr, "tcbench: --filter '{}' is not a valid regex: {}\n", cl.filter, e.what());
      return kExitUsage;
    }
  }
  try {
    if (*info) return cmd_info(cl);
    if (*list) return cmd_list(cl);
    if (*run) return cmd_run(cl);
    if (*sass) return cmd_sass(cl);
    if (*model) return cmd_model(cl);
    if (*numerics) return cmd_numerics(nopt);
  } catch (const std::exception& e) {
    fmt::print(stderr, "tcbench: error: {}\n", e.what());
    return kExitFailure;
  }
  return kExitUsage;
}
