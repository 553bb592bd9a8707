#include "harness/cli/cmd_optimizer.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tcbench/cost_table.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/device/device_info.hpp"
#include "harness/io/provenance.hpp"
#include "harness/io/shell.hpp"
#include "harness/io/writers.hpp"
#include "optimizer/core/calibration_fit.hpp"
#include "optimizer/core/gemm_csv.hpp"
#include "optimizer/core/planner.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

using namespace tcb::opt;

// Bad input of any kind: the message is printed, the exit code is kExitUsage.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedTable {
  tcbench::CostTable table;
  std::optional<CalibrationParams> calibration;
  std::optional<double> measured_error;  // the calibration record's validation (else fit) MAPE
};

LoadedTable load_table(const std::string& path) {
  LoadedTable t;
  try {
    t.table = tcbench::load_cost_table(path);
    t.calibration = table_calibration(t.table, path);
  } catch (const tcbench::CostTableError& e) {
    throw BadInput(e.what());
  }
  if (t.calibration) {
    const auto j = nlohmann::json::parse(*t.table.calibration_json);
    for (const char* section : {"validation", "fit"})
      if (j.contains(section) && j[section].contains("mape") && j[section]["mape"].is_number()) {
        t.measured_error = j[section]["mape"].get<double>();
        break;
      }
  }
  return t;
}

GemmModel model_of(const LoadedTable& t, bool calibrated) {
  try {
    return GemmModel(t.table, calibrated && t.calibration ? *t.calibration : CalibrationParams{});
  } catch (const ModelError& e) {
    throw BadInput(e.what());
  }
}

Dtype dtype_arg(const std::string& text) {
  Dtype d;
  if (!parse_dtype(text, &d)) throw BadInput(fmt::format("--dtype '{}': expected one of {}", text, dtype_choices()));
  return d;
}

// "1e9", "8GiB", "512MB", "4096": bytes.
double bytes_arg(const std::string& text) {
  static const std::pair<const char*, double> kUnits[] = {{"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
                                                          {"KB", 1e3},     {"MB", 1e6},        {"GB", 1e9},
                                                          {"B", 1.0}};
  std::string num = text;
  double scale = 1;
  for (auto [unit, s] : kUnits) {
    const std::string u = unit;
    if (num.size() > u.size() && num.compare(num.size() - u.size(), u.size(), u) == 0) {
      num = num.substr(0, num.size() - u.size());
      scale = s;
      break;
    }
  }
  char* end = nullptr;
  const double v = std::strtod(num.c_str(), &end);
  if (num.empty() || *end != '\0' || !std::isfinite(v) || v <= 0)
    throw BadInput(fmt::format("--memory-limit '{}': expected a positive number of bytes (e.g. 8e9, 8GiB, 512MB)", text));
  return v * scale;
}

nlohmann::ordered_json prediction_json(const GemmPrediction& p) {
  return {{"predicted_us", p.us},
          {"implementation", p.impl.describe()},
          {"tile", {p.impl.tile_m, p.impl.tile_n, p.impl.tile_k}},
          {"split_k", p.impl.split_k},
          {"waves", p.impl.waves},
          {"atom", p.impl.atom},
          {"bound", p.terms.bound},
          {"terms_us",
           {{"launch", p.terms.launch_us},
            {"fill", p.terms.fill_us},
            {"mainloop", p.terms.mainloop_us},
            {"memory", p.terms.memory_us},
            {"epilogue", p.terms.epilogue_us},
            {"reduction", p.terms.reduction_us}}}};
}

int predict_one(const OptimizerOptions& o, const LoadedTable& t) {
  if (o.op != "gemm") throw BadInput(fmt::format("--op '{}': only gemm (with --batch for a batched GEMM)", o.op));
  if (o.m < 1 || o.n < 1 || o.k < 1 || o.batch < 1)
    throw BadInput("--m, --n, --k (required) and --batch must be positive integers");
  if (o.b_layout != "kn" && o.b_layout != "nk") throw BadInput(fmt::format("--b-layout '{}': expected kn or nk", o.b_layout));
  GemmProblem p;
  p.dtype = dtype_arg(o.dtype);
  p.batch = o.batch, p.m = o.m, p.n = o.n, p.k = o.k, p.b_nk = o.b_layout == "nk";
  if (p.dtype == Dtype::e4m3 && (!p.b_nk || p.batch != 1))
    throw BadInput("--dtype e4m3 is torch._scaled_mm: one product (--batch 1) with B column-major (--b-layout nk)");
  GemmPrediction cal, raw;
  try {
    cal = model_of(t, true).predict(p);
    raw = model_of(t, false).predict(p);
  } catch (const ModelError& e) {
    throw BadInput(std::string(o.cost_table) + ": " + e.what());
  }
  if (o.json) {
    nlohmann::ordered_json j = {{"op", "gemm"}, {"dtype", o.dtype}, {"batch", p.batch}, {"m", p.m}, {"n", p.n},
                                {"k", p.k}, {"b_layout", o.b_layout}, {"calibrated", t.calibration.has_value()}};
    const nlohmann::ordered_json terms = prediction_json(cal);
    for (auto& [k, v] : terms.items()) j[k] = v;
    j["predicted_us_uncalibrated"] = raw.us;
    j["cost_table"] = o.cost_table;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{:.3f} us{}  {} {}x{}x{}x{} ({}), {}; bound: {}\n", cal.us,
               t.calibration ? fmt::format(" (uncalibrated {:.3f} us)", raw.us) : std::string(" (uncalibrated)"),
               o.dtype, p.batch, p.m, p.n, p.k, o.b_layout, cal.impl.describe(), cal.terms.bound);
  }
  return kExitOk;
}

void check_output_path(const std::string& out, const std::string& in) {
  if (out.empty()) throw BadInput("--in needs --out (the predictions CSV to write)");
  std::error_code ec;
  if (fs::exists(in, ec) && fs::exists(out, ec) && fs::equivalent(in, out, ec))
    throw BadInput(fmt::format("--out {} is the input file; write the predictions elsewhere", out));
  if (fs::is_directory(out, ec)) throw BadInput(fmt::format("--out {} is a folder; expected a file path", out));
  const fs::path parent = fs::path(out).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw BadInput(fmt::format("--out {}: the folder {} does not exist", out, parent.string()));
}

int predict_many(const OptimizerOptions& o, const LoadedTable& t) {
  check_output_path(o.out, o.in);
  std::string text;
  try {
    text = predict_csv(read_gemm_csv(o.in), model_of(t, true), model_of(t, false));
  } catch (const GemmCsvError& e) {
    throw BadInput(e.what());
  }
  write_text_atomic(o.out, text);
  fmt::print(stderr, "tcbench predict: {} rows written to {}{}\n", std::count(text.begin(), text.end(), '\n') - 1, o.out,
             t.calibration ? "" : " (the table has no calibration: predicted_us is uncalibrated)");
  return kExitOk;
}

template <class F>
int guarded(const char* command, F&& f) {
  try {
    return f();
  } catch (const BadInput& e) {
    fmt::print(stderr, "tcbench {}: {}\n", command, e.what());
    return kExitUsage;
  } catch (const ExpressionError& e) {
    fmt::print(stderr, "tcbench {}: {}\n", command, e.what());
    return kExitUsage;
  } catch (const ModelError& e) {
    fmt::print(stderr, "tcbench {}: {}\n", command, e.what());
    return kExitUsage;
  }
}

}  // namespace

int cmd_predict(const OptimizerOptions& o) {
  return guarded("predict", [&] {
    const LoadedTable t = load_table(o.cost_table);
    if (!o.in.empty()) return predict_many(o, t);
    if (!o.out.empty()) throw BadInput("--out needs --in (one prediction prints to the terminal)");
    if (o.dtype.empty()) throw BadInput("--dtype is required (one of " + dtype_choices() + ")");
    return predict_one(o, t);
  });
}

int cmd_optimize(const OptimizerOptions& o) {
  return guarded("optimize", [&] {
    const LoadedTable t = load_table(o.cost_table);
    const Expression e = parse_expression(o.expression, o.shapes);
    PlanOptions po;
    po.dtype = dtype_arg(o.dtype);
    po.error_budget = o.error_budget;
    if (!o.memory_limit.empty()) po.memory_limit_bytes = bytes_arg(o.memory_limit);
    po.model_error = o.model_error.value_or(t.measured_error.value_or(po.model_error));
    const GemmModel model = model_of(t, true);
    if (!o.path.empty()) {  // price a given path (a baseline's) the way the optimizer prices its own
      Plan p = evaluate_path(e, parse_path(o.path), po.dtype, po.dtype, model);
      p.name = "given path";
      if (!p.feasible) throw BadInput(fmt::format("path {}: {}", path_text(p.program.path), p.why));
      fmt::print("{}", o.json ? plan_json(p) : fmt::format("{:.3f} us  path {}\n", p.predicted_total_us, path_text(p.program.path)));
      return kExitOk;
    }
    const OptimizeResult r = optimize(e, model, po);
    if (o.json) {
      fmt::print("{}", to_json(r, e, po));
      return kExitOk;
    }
    fmt::print("{}  ({}, {} operands)\nchosen: {} in {}, path {}\n  {}\n", e.text(), o.dtype, e.inputs.size(),
               r.chosen.name, name(r.chosen.program.dtype), path_text(r.chosen.program.path), r.decision);
    for (size_t i = 0; i < r.chosen.steps.size(); ++i)
      fmt::print("  step {}: {:<28} {:>10.2f} us  {}\n", i + 1, r.chosen.steps[i].equation, r.chosen.steps[i].predicted_us,
                 r.chosen.steps[i].kernel);
    if (r.chosen.final_permute_us > 0) fmt::print("  final permute          {:>10.2f} us\n", r.chosen.final_permute_us);
    fmt::print("  total {:.2f} us, {:.4g} GFLOP, predicted relative error {:.2e}, largest buffer {:.1f} MB\n",
               r.chosen.predicted_total_us, r.chosen.flops * 1e-9, r.chosen.predicted_rel_error,
               r.chosen.largest_buffer_bytes * 1e-6);
    for (const Plan& p : r.runners_up)
      fmt::print("runner-up: {} in {}, path {}: {}\n", p.name, name(p.program.dtype), path_text(p.program.path), p.why);
    return kExitOk;
  });
}

OptimizerCommands add_optimizer_commands(CLI::App& app, OptimizerOptions* o) {
  OptimizerCommands c;
  c.predict = app.add_subcommand("predict", "Predicted time of a GEMM (or a CSV of them) from a cost table (no GPU needed)");
  c.predict->add_option("--cost-table", o->cost_table, "cost_table.json")->required();
  c.predict->add_option("--op", o->op, "gemm (a batched GEMM with --batch)");
  c.predict->add_option("--m", o->m, "M: rows of A and D");
  c.predict->add_option("--n", o->n, "N: columns of B and D");
  c.predict->add_option("--k", o->k, "K: the contracted extent");
  c.predict->add_option("--batch", o->batch, "batch (default 1: torch.mm; more: torch.bmm)");
  c.predict->add_option("--dtype", o->dtype, "f16 | bf16 | tf32 | f32 | e4m3");
  c.predict->add_option("--b-layout", o->b_layout, "kn (B[b,K,N], default) | nk (an F.linear weight)");
  c.predict->add_option("--in", o->in, "CSV of shapes: dtype,batch,M,N,K[,b_layout], other columns passed through");
  c.predict->add_option("--out", o->out, "CSV to write with --in: the input columns, predicted_us, predicted_us_uncalibrated");
  c.predict->add_flag("--json", o->json, "One prediction as JSON, with the implementation and the model's terms");

  c.optimize = app.add_subcommand("optimize", "The cheapest program for an einsum expression by predicted time (no GPU needed)");
  c.optimize->add_option("expression", o->expression, "opt_einsum subscripts with an explicit ->, e.g. \"ab,bc,cd->ad\"")->required();
  c.optimize->add_option("--shapes", o->shapes, "one shape per operand, d0xd1x..., () for rank 0: \"64x128,128x32,32x8\"")->required();
  c.optimize->add_option("--dtype", o->dtype, "f16 | bf16 | tf32 | f32")->required();
  c.optimize->add_option("--cost-table", o->cost_table, "cost_table.json")->required();
  c.optimize->add_option("--error-budget", o->error_budget,
                         "relative Frobenius error allowed (U(-1,1) operands); lets the plan compute in a narrower dtype");
  c.optimize->add_option("--memory-limit", o->memory_limit, "largest buffer a plan may allocate, bytes (8e9, 8GiB)");
  c.optimize->add_option("--model-error", o->model_error,
                         "the model's error (fraction) a plan must beat the FLOP-optimal one by (default: the table's "
                         "calibration record, else 0.25)");
  c.optimize->add_option("--path", o->path, "price this path instead of searching, e.g. \"[[0, 1], [0, 1]]\"");
  c.optimize->add_flag("--json", o->json, "The plan as JSON: path, steps, totals, program, runners-up");

  c.calibrate = app.add_subcommand("calibrate", "Fit the cost model's correction parameters to measured GEMMs into a cost table");
  c.calibrate->add_option("--cost-table", o->cost_table, "cost_table.json to calibrate")->required();
  c.calibrate->add_option("--measured", o->measured,
                          "gemm_timing.py CSVs of the discovery sets, repeatable (default: measure them now on this GPU)");
  c.calibrate->add_option("--discovery", o->discovery,
                          "the committed discovery shape files, repeatable (default configs/gemm/calibration.csv and "
                          "calibration_contraction.csv)");
  c.calibrate->add_option("--out", o->out, "cost table to write with the calibration section (may be --cost-table)")->required();
  return c;
}

}  // namespace tcb
