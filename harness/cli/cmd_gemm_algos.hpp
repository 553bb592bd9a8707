// `tcbench gemm-algos`: for each GEMM shape of a shapes file, the time of every cuBLAS algorithm
// InfiniTensor's tuner tries (CUBLAS_GEMM_ALGO0..23), and of cuBLAS's own choice for comparison,
// each call's output checked against the CPU. `tcbench export infinitensor` is made from it
// (docs/exporters/infinitensor.md).
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tcb {

struct GemmAlgosOptions {
  std::vector<std::string> argv;
  std::string shapes = "configs/gemm_algos.csv";
  std::string out_dir;  // required: e.g. results/<gpu-slug>/gemm_algos
  bool force = false;   // replace the gemm-algos results out_dir holds
  int device = 0;
  int reps = 7;         // timed repetitions per algorithm, each of kCallsPerRep calls
};

constexpr int kCallsPerRep = 20;

// Adds the subcommand, its options bound to *opt; main.cpp runs cmd_gemm_algos when it was chosen.
CLI::App* add_gemm_algos_command(CLI::App& app, GemmAlgosOptions* opt);
int cmd_gemm_algos(const GemmAlgosOptions& opt);

// How it ends: partial_reason "" (complete), "interrupted" or "failed"; a complete run in which
// an algorithm's output missed the CPU's product is kExitInvalidResults.
int gemm_algos_exit_code(const std::string& partial_reason, size_t unverified_rows);

}  // namespace tcb
