// `tcbench predict`, `tcbench optimize` and `tcbench calibrate`: the optimizer core (optimizer/core)
// from the command line. None needs a GPU except calibrate without --measured (it runs the
// discovery GEMMs). Bad input (cost table, CSV, expression, shapes, dtype, path) is exit 2 with a
// message naming the file, line and field; nothing half-written is left behind.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tcb {

struct OptimizerOptions {
  std::vector<std::string> argv;
  std::string cost_table;
  bool json = false;
  // predict
  std::string op = "gemm", dtype, b_layout = "kn", in, out;
  long long m = 0, n = 0, k = 0, batch = 1;
  // optimize
  std::string expression, shapes, path, memory_limit;
  std::optional<double> error_budget, model_error;
  // calibrate
  std::vector<std::string> measured;
  std::vector<std::string> discovery = {"configs/gemm/calibration.csv", "configs/gemm/calibration_contraction.csv"};
};

struct OptimizerCommands {
  CLI::App *predict = nullptr, *optimize = nullptr, *calibrate = nullptr;
};

OptimizerCommands add_optimizer_commands(CLI::App& app, OptimizerOptions* opt);
int cmd_predict(const OptimizerOptions& opt);
int cmd_optimize(const OptimizerOptions& opt);
int cmd_calibrate(const OptimizerOptions& opt);

}  // namespace tcb
