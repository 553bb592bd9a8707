// tcbench: the command-line front end (info, list, run, sass).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <regex>

#include "harness/cli_commands.hpp"
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
  } catch (const std::exception& e) {
    fmt::print(stderr, "tcbench: error: {}\n", e.what());
    return kExitFailure;
  }
  return kExitUsage;
}
