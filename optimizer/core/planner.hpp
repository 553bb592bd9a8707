// The derivation optimizer: for an einsum expression it explores equivalent programs (contraction
// order, the indices merged into each GEMM's batch/M/N/K, which operand is A and whether it is read
// transposed or permuted first, the precision within an error budget), lowers each to the program
// the executor runs, prices every op with the cost model, and returns the cheapest plan with the
// runners-up and why they lost. docs/optimizer.md describes the search and the decision rule.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "optimizer/core/gemm_model.hpp"
#include "optimizer/core/program.hpp"

namespace tcb::opt {

struct PlanStep {
  std::string equation, kernel;
  Dtype dtype = Dtype::f16;
  std::int64_t m = 1, n = 1, k = 1, batch = 1;
  double predicted_us = 0;  // the step's GEMM and the permutes and sums it needs
  double flops = 0;
};

struct Plan {
  std::string name;  // "time-optimal", "flop-optimal", "naive", ...
  Program program;
  std::vector<PlanStep> steps;  // aligned with program.path
  double predicted_total_us = 0;
  double final_permute_us = 0, conversion_us = 0;  // in the total, outside the steps
  double flops = 0;
  double largest_buffer_bytes = 0;
  double predicted_rel_error = 0;
  bool feasible = true;  // false: a buffer would not fit the GPU (why says which); nothing priced
  std::string why;       // for a runner-up: why it lost
};

struct PlanOptions {
  Dtype dtype = Dtype::f16;                  // the expression's operands and result
  std::optional<double> error_budget;        // relative Frobenius error allowed; none: keep dtype
  std::optional<double> memory_limit_bytes;  // every buffer a plan allocates
  // The model's measured error (MAPE, a fraction): the FLOP-optimal plan is left only for a
  // predicted gain larger than this.
  double model_error = 0.25;
  int max_runners_up = 4;
};

struct OptimizeResult {
  Plan chosen;
  std::vector<Plan> runners_up;
  std::string decision;  // why the chosen plan (e.g. "time-optimal: 18% faster than FLOP-optimal > 9.1% model error")
};

// Prices a given path (a baseline's, say) exactly as the optimizer prices its own.
Plan evaluate_path(const Expression& e, const Path& path, Dtype plan_dtype, Dtype expr_dtype, const GemmModel& model);

// Throws ExpressionError (a dtype a contraction cannot use, no plan within the memory limit or
// the error budget) and ModelError (the table cannot price the dtype).
OptimizeResult optimize(const Expression& e, const GemmModel& model, const PlanOptions& options);

// The predicted ||D - D64||_F / ||D64||_F of a program for U(-1,1) operands given in expr_dtype.
double predicted_rel_error(const Program& p, const Expression& e, Dtype expr_dtype);

// The JSON of `tcbench optimize --json`: path, steps, predicted_total_us, predicted_rel_error,
// the program, the runners-up and the decision.
std::string to_json(const OptimizeResult& r, const Expression& e, const PlanOptions& options);
std::string plan_json(const Plan& p);  // one plan, the same fields

}  // namespace tcb::opt
