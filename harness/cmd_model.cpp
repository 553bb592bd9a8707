// `tcbench model`: tensor-core dot products computed by the CPU numerics model (no GPU).
// Input and output formats: model/batch_io.hpp. Exit codes: 2 unknown preset or instruction,
// 3 bad input (the message names the file, the line and what is wrong), 1 an I/O failure.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/cli_commands.hpp"
#include "harness/device_info.hpp"
#include "model/batch_io.hpp"
#include "model/presets.hpp"

namespace tcb {

namespace {

// Replace `path` with `text` all at once: write a sibling temporary, then rename over it.
bool write_whole_file(const std::string& path, const std::string& text, std::string* error) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush()) {
      *error = "cannot write " + tmp;
      out.close();
      std::remove(tmp.c_str());
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    *error = "cannot rename " + tmp + " to " + path + ": " + ec.message();
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

int cmd_model(const CommandLine& cl) {
  model::Resolved r;
  try {
    r = model::resolve(cl.model_preset, cl.model_instr);
  } catch (const model::ResolveError& e) {
    fmt::print(stderr, "tcbench model: {}\n", e.what());
    return kExitUsage;
  }
  if (cl.model_k < 1) {
    fmt::print(stderr, "tcbench model: --k must be at least 1, got {}\n", cl.model_k);
    return kExitUsage;
  }

  const bool from_stdin = cl.model_in.empty() || cl.model_in == "-";
  const std::string in_name = from_stdin ? "<stdin>" : cl.model_in;
  std::ifstream file;
  if (!from_stdin) {
    file.open(cl.model_in);
    if (!file) {
      fmt::print(stderr, "tcbench model: {}: cannot open for reading\n", in_name);
      return kExitConfig;
    }
  }
  std::istream& in = from_stdin ? std::cin : file;

  // Buffer the results: nothing reaches stdout or --out unless every line is good.
  std::ostringstream out;
  model::BatchError err;
  try {
    if (!model::run_batch(r.params, cl.model_k, in, out, &err)) {
      fmt::print(stderr, "tcbench model: {}:{}: {}\n", in_name, err.line, err.what);
      return kExitConfig;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "tcbench model: {}: {}\n", in_name, e.what());
    return kExitFailure;
  }
  if (in.bad()) {
    fmt::print(stderr, "tcbench model: {}: read error\n", in_name);
    return kExitFailure;
  }

  if (cl.model_out.empty() || cl.model_out == "-") {
    std::cout << out.str() << std::flush;
    return std::cout ? kExitOk : kExitFailure;
  }
  std::string error;
  if (!write_whole_file(cl.model_out, out.str(), &error)) {
    fmt::print(stderr, "tcbench model: {}\n", error);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace tcb
