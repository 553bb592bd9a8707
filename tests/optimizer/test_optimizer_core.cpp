// The optimizer core against the committed, measured cost tables: the einsum parser's refusals,
// the GEMM model's physical bounds, and the calibration fit recovering known parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <tcbench/cost_table.hpp>

#include "optimizer/core/calibration_fit.hpp"
#include "optimizer/core/einsum.hpp"
#include "optimizer/core/gemm_csv.hpp"
#include "optimizer/core/gemm_model.hpp"
#include "optimizer/core/planner.hpp"
#include "optimizer/core/program.hpp"

namespace {
using namespace tcb::opt;

const tcbench::CostTable& h100() {
  static const tcbench::CostTable t =
      tcbench::load_cost_table(std::string(TCB_RESULTS_DIR) + "/nvidia-h100-80gb-hbm3/cost_table.json");
  return t;
}

std::string refusal(const std::string& expr, const std::string& shapes) {
  try {
    parse_expression(expr, shapes);
  } catch (const ExpressionError& e) {
    return e.what();
  }
  return "";
}

TEST(Einsum, ParsesAMatrixChain) {
  Expression e = parse_expression("ij,jk,kl->il", "64x128,128x32,32x8");
  ASSERT_EQ(e.inputs.size(), 3u);
  EXPECT_EQ(e.output, "il");
  EXPECT_EQ(e.size.at('j'), 128);
  EXPECT_EQ(e.size.at('l'), 8);
  EXPECT_DOUBLE_EQ(e.elements("il"), 64.0 * 8.0);
  EXPECT_EQ(e.text(), "ij,jk,kl->il");
}

TEST(Einsum, RankZeroOperand) {
  Expression e = parse_expression("ij,->ij", "4x5,()");
  EXPECT_TRUE(e.inputs[1].empty());
}

TEST(Einsum, RefusalsNameWhatIsWrong) {
  EXPECT_NE(refusal("ij,jk", "2x3,3x4").find("'->'"), std::string::npos);
  EXPECT_NE(refusal("...i,i->", "2x3,3").find("ellipsis"), std::string::npos);
  EXPECT_NE(refusal("ii,ij->j", "3x3,3x4").find("repeats 'i'"), std::string::npos);
  EXPECT_NE(refusal("ij,jk->iz", "2x3,3x4").find("'z' is in no operand"), std::string::npos);
  EXPECT_NE(refusal("ij,jk->ik", "2x3").find("has 2 operands but --shapes gives 1"), std::string::npos);
  EXPECT_NE(refusal("ij,jk->ik", "2x3,4x5").find("index 'j'"), std::string::npos);
  EXPECT_NE(refusal("ij,jk->ik", "2x3x4,3x4").find("rank 3"), std::string::npos);
  EXPECT_NE(refusal("ij,jk->ik", "2x0,0x4").find(">= 1"), std::string::npos);
}

// Bounds no prediction may cross: the measured peak rate and DRAM bandwidth, and the launch floor.
TEST(GemmModel, NeverFasterThanTheMeasuredRooflineOrTheLaunchFloor) {
  GemmModel model(h100(), CalibrationParams{});
  const double floor_us = h100().movement.launch.graph_kernel_time_us.value_or(0);
  ASSERT_GT(floor_us, 0);
  for (Dtype d : {Dtype::f16, Dtype::bf16, Dtype::tf32, Dtype::f32, Dtype::e4m3}) {
    if (!model.supports(d)) continue;
    for (std::int64_t s : {64, 512, 4096, 8192}) {
      GemmProblem p{d, 1, s, s, s};
      GemmPrediction pred = model.predict(p);
      EXPECT_GE(pred.us, floor_us) << s;
      // The best measured dense rate of this A type, tensor-core or not, bounds the math.
      if (auto tflops = h100().best_dense_tflops(info(d).table_a_type))
        EXPECT_GE(pred.us, p.flops() / (*tflops * 1e6)) << name(d) << " " << s;
      EXPECT_TRUE(std::isfinite(pred.us));
      EXPECT_FALSE(pred.impl.atom.empty());
    }
  }
}

TEST(GemmModel, MoreWorkNeverCostsLessAndF32IsSlowerThanF16) {
  GemmModel model(h100(), CalibrationParams{});
  double previous = 0;
  for (std::int64_t k : {256, 1024, 4096, 16384}) {
    double us = model.predict(GemmProblem{Dtype::f16, 1, 4096, 4096, k}).us;
    EXPECT_GT(us, previous) << k;
    previous = us;
  }
  EXPECT_GT(model.predict(GemmProblem{Dtype::f32, 1, 4096, 4096, 4096}).us,
            4 * model.predict(GemmProblem{Dtype::f16, 1, 4096, 4096, 4096}).us);
}

// The structure the kernel logs show (results/*/gemm/kernels.csv.gz): decode GEMMs are computed
// transposed, with the instruction's narrow N along M; split-K adds a second kernel; a kernel's
// floor holds its latency chain (parameters, first tiles, the last store), not only an empty launch.
TEST(GemmModel, FollowsWhatCublasDoes) {
  GemmModel model(h100(), CalibrationParams{});
  const double launch_us = *h100().movement.launch.graph_kernel_time_us;
  const GemmPrediction tiny = model.predict(GemmProblem{Dtype::f16, 1, 64, 64, 64});
  EXPECT_GT(tiny.us, launch_us + tiny.terms.fill_us + tiny.terms.epilogue_us - 1e-9);
  EXPECT_GT(tiny.terms.fill_us, 0.2);  // an L2 round trip and a TMA tile load at least
  const GemmPrediction decode = model.predict(GemmProblem{Dtype::bf16, 1, 1, 8192, 8192, true});
  EXPECT_TRUE(decode.impl.swapped) << decode.impl.describe();
  EXPECT_LE(decode.impl.tile_n, 16) << decode.impl.describe();
  const GemmPrediction deep = model.predict(GemmProblem{Dtype::bf16, 1, 64, 64, 65536});
  ASSERT_GT(deep.impl.split_k, 1) << deep.impl.describe();
  EXPECT_GT(deep.terms.reduction_us, launch_us);  // the reduction is a kernel of its own
}

// Data made by the model with known parameters: the fit must find parameters that reproduce it.
TEST(CalibrationFit, ReproducesTimesMadeWithKnownParameters) {
  CalibrationParams truth;
  truth.mma_efficiency = 0.75;
  truth.memory_efficiency = 0.8;
  truth.kernel_floor_extra_us = 3.0;
  GemmModel made(h100(), truth);
  std::vector<MeasuredGemm> rows;
  for (std::int64_t m : {1, 64, 1024, 8192})
    for (std::int64_t n : {256, 4096})
      for (std::int64_t k : {128, 4096}) {
        GemmProblem p{Dtype::bf16, 1, m, n, k};
        rows.push_back({p, made.predict(p).us});
      }
  CalibrationFit fit = fit_calibration(h100(), rows);
  EXPECT_LT(fit.mape, 0.03);
  EXPECT_GT(fit.mape_uncalibrated, fit.mape);
}

// ---- the shapes CSV of `tcbench predict --in` -------------------------------------------------

std::string csv_refusal(const std::string& text) {
  try {
    parse_gemm_csv(text, "in.csv");
  } catch (const GemmCsvError& e) {
    return e.what();
  }
  return "";
}

TEST(GemmCsv, HeadersInAnyOrderOtherColumnsPassedThrough) {
  GemmModel model(h100(), CalibrationParams{});
  const GemmCsv in = parse_gemm_csv("K,note,N,M,batch,dtype\n4096,\"a, quoted\",4096,4096,1,bf16\n64,x,64,1,8,f16\n", "in.csv");
  ASSERT_EQ(in.rows.size(), 2u);
  EXPECT_EQ(in.rows[1].problem.batch, 8);
  EXPECT_EQ(in.rows[1].problem.m, 1);
  const std::string out = predict_csv(in, model, model);
  EXPECT_EQ(out.substr(0, out.find('\n')), "K,note,N,M,batch,dtype,predicted_us,predicted_us_uncalibrated");
  EXPECT_NE(out.find("4096,\"a, quoted\",4096,4096,1,bf16,"), std::string::npos);  // order and quoting kept
}

TEST(GemmCsv, EveryRefusalNamesFileLineAndField) {
  const std::string head = "dtype,batch,M,N,K\n";
  EXPECT_EQ(csv_refusal(head + "bf16,1,64,64,64\nf8,1,64,64,64\n").rfind("in.csv:3: dtype:", 0), 0u);
  EXPECT_EQ(csv_refusal(head + "bf16,1,64,0,64\n").rfind("in.csv:2: N:", 0), 0u);
  EXPECT_EQ(csv_refusal(head + "bf16,1,64,64\n").rfind("in.csv:2: row:", 0), 0u);
  EXPECT_EQ(csv_refusal(head + "bf16,1,6x,64,64\n").rfind("in.csv:2: M:", 0), 0u);
  EXPECT_NE(csv_refusal("dtype,batch,m,N,K\nbf16,1,1,1,1\n").find("required column 'M'"), std::string::npos);
  EXPECT_NE(csv_refusal("dtype,M,M,batch,N,K\n").find("appears twice"), std::string::npos);
  EXPECT_NE(csv_refusal("dtype,batch,M,N,K,b_layout\nbf16,1,8,8,8,tn\n").find("in.csv:2: b_layout:"), std::string::npos);
  EXPECT_NE(csv_refusal("dtype,batch,M,N,K,b_layout\ne4m3,1,8,8,8,kn\n").find("column-major"), std::string::npos);
  EXPECT_NE(csv_refusal(head + "bf16,1,\"64,64,64\n").find("not RFC 4180"), std::string::npos);
  EXPECT_NE(csv_refusal(head).find("no rows"), std::string::npos);
  EXPECT_NE(csv_refusal("").find("empty"), std::string::npos);
}

TEST(GemmCsv, OutputColumnsAlreadyPresentAreRefused) {
  GemmModel model(h100(), CalibrationParams{});
  const GemmCsv in = parse_gemm_csv("dtype,batch,M,N,K,predicted_us\nbf16,1,8,8,8,1\n", "in.csv");
  EXPECT_THROW(predict_csv(in, model, model), GemmCsvError);
}

TEST(GemmModel, UnalignedLeadingDimensionsCountAsUnaligned) {
  EXPECT_TRUE((GemmProblem{Dtype::f16, 1, 4096, 4096, 4096}.aligned()));
  EXPECT_FALSE((GemmProblem{Dtype::f16, 1, 1024, 50257, 768}.aligned()));  // N odd: D's rows
  EXPECT_FALSE((GemmProblem{Dtype::tf32, 1, 2048, 1024, 479}.aligned()));  // K odd: A's rows
  EXPECT_TRUE((GemmProblem{Dtype::e4m3, 1, 16, 4096, 4096, true}.aligned()));
  CalibrationParams slow;
  slow.unaligned_efficiency = 0.2;
  GemmModel model(h100(), slow);
  EXPECT_GT(model.predict(GemmProblem{Dtype::f16, 1, 4096, 4095, 4096}).us,
            model.predict(GemmProblem{Dtype::f16, 1, 4096, 4096, 4096}).us * 2);
}

// ---- lowering and planning ---------------------------------------------------------------------

TEST(Lowering, MatrixChainIsTwoGemmsAndNoCopies) {
  const Expression e = parse_expression("ij,jk,kl->il", "64x128,128x32,32x8");
  const Program p = lower(e, {{1, 2}, {0, 1}}, Dtype::f16);
  ASSERT_EQ(p.ops.size(), 2u);
  EXPECT_EQ(p.ops[0].kind, Op::Kind::gemm);
  EXPECT_EQ(p.ops[0].m, 128);
  EXPECT_EQ(p.ops[0].n, 8);
  EXPECT_EQ(p.ops[0].k, 32);
  EXPECT_EQ(p.ops[1].m, 64);
  EXPECT_EQ(p.output, 4);
  EXPECT_EQ(p.steps[1].equation, "ij,jl->il");
}

TEST(Lowering, TransposedOperandsAreViewsOthersArePermuted) {
  // ji is A read transposed (no copy); the output order bl needs no final permute.
  const Expression e = parse_expression("ji,bj->bi", "32x16,8x32");
  const Program p = lower(e, {{0, 1}}, Dtype::f16);
  int permutes = 0;
  for (const Op& op : p.ops) permutes += op.kind == Op::Kind::permute;
  EXPECT_LE(permutes, 1);
  // A 3-operand step order the GEMM cannot read as is: a permute copy first.
  const Expression f = parse_expression("iaj,jk->aik", "4x5x6,6x7");
  const Program q = lower(f, {{0, 1}}, Dtype::f16);
  EXPECT_EQ(q.ops.front().kind == Op::Kind::gemm ? q.ops.back().kind : q.ops.front().kind, Op::Kind::permute);
}

TEST(Lowering, BadPathsAreRefusedByStep) {
  const Expression e = parse_expression("ij,jk,kl->il", "64x128,128x32,32x8");
  auto refusal = [&](const Path& p) {
    try {
      lower(e, p, Dtype::f16);
    } catch (const ExpressionError& x) {
      return std::string(x.what());
    }
    return std::string();
  };
  EXPECT_NE(refusal({{0, 3}}).find("step 1: position 3"), std::string::npos);
  EXPECT_NE(refusal({{0, 1}}).find("leaves 2 operands"), std::string::npos);
  EXPECT_NE(refusal({{0, 0}, {0, 1}}).find("distinct"), std::string::npos);
  EXPECT_NE(refusal({{0, 1, 2}}).find("step 1"), std::string::npos);
  EXPECT_THROW(parse_path("[[0, 1], [x]]"), ExpressionError);
  EXPECT_EQ(path_text(parse_path("[[0,1],[0,1]]")), "[[0, 1], [0, 1]]");
}

Path replay_contracts_everything(const Expression& e, const Path& path) {
  size_t live = e.inputs.size();
  for (const auto& step : path) {
    for (int q : step) EXPECT_LT(size_t(q), live);
    live = live - step.size() + 1;
  }
  EXPECT_EQ(live, 1u);
  return path;
}

TEST(Planner, ChoosesAPathThatContractsEverythingAndIsNoSlowerThanFlopOptimal) {
  GemmModel model(h100(), CalibrationParams{});
  const Expression e = parse_expression("abcd,ia,jb,kc,ld->ijkl", "32x32x32x32,256x32,256x32,256x32,256x32");
  PlanOptions o;
  o.dtype = Dtype::bf16;
  const OptimizeResult r = optimize(e, model, o);
  replay_contracts_everything(e, r.chosen.program.path);
  EXPECT_EQ(r.chosen.steps.size(), r.chosen.program.path.size());
  for (const Plan& p : r.runners_up) {
    EXPECT_FALSE(p.why.empty());
    if (p.name == "flop-optimal") EXPECT_GE(p.predicted_total_us, r.chosen.predicted_total_us);
  }
  double sum = r.chosen.final_permute_us + r.chosen.conversion_us;
  for (const PlanStep& s : r.chosen.steps) sum += s.predicted_us;
  EXPECT_NEAR(sum, r.chosen.predicted_total_us, 1e-9);
}

TEST(Planner, StaysWithFlopOptimalUnlessTheGainBeatsTheModelError) {
  GemmModel model(h100(), CalibrationParams{});
  const Expression e = parse_expression("aib,bjc,ckd,dla->ijkl", "64x128x64,64x128x64,64x128x64,64x128x64");
  PlanOptions o;
  o.model_error = 100.0;  // no gain can beat it
  const OptimizeResult r = optimize(e, model, o);
  EXPECT_EQ(r.chosen.name, "flop-optimal");
}

TEST(Planner, MemoryLimitBoundsEveryBuffer) {
  GemmModel model(h100(), CalibrationParams{});
  // The naive order makes a 4096x4096 intermediate; the limit forbids it.
  const Expression e = parse_expression("ij,jk,kl->il", "4096x16,16x4096,4096x16");
  PlanOptions o;
  o.memory_limit_bytes = 4e6;
  const OptimizeResult r = optimize(e, model, o);
  EXPECT_LE(r.chosen.largest_buffer_bytes, 4e6);
  for (const Plan& p : r.runners_up) EXPECT_LE(p.largest_buffer_bytes, 4e6);
  o.memory_limit_bytes = 1e3;  // smaller than the operands themselves
  EXPECT_THROW(optimize(e, model, o), ExpressionError);
}

TEST(Planner, ErrorBudgetAdmitsNarrowerPrecisionOnlyWithinIt) {
  GemmModel model(h100(), CalibrationParams{});
  const Expression e = parse_expression("ij,jk,kl->il", "4096x4096,4096x4096,4096x4096");
  PlanOptions o;
  o.dtype = Dtype::f32;
  EXPECT_EQ(optimize(e, model, o).chosen.program.dtype, Dtype::f32);  // no budget: strict
  o.error_budget = 1e-2;
  const OptimizeResult loose = optimize(e, model, o);
  EXPECT_NE(loose.chosen.program.dtype, Dtype::f32);
  EXPECT_LE(loose.chosen.predicted_rel_error, 1e-2);
  o.error_budget = 1e-12;  // even f32 rounds more
  EXPECT_THROW(optimize(e, model, o), ExpressionError);
  PlanOptions e4m3;
  e4m3.dtype = Dtype::e4m3;
  EXPECT_THROW(optimize(e, model, e4m3), ExpressionError);
}

TEST(Planner, PredictedErrorGrowsWithNarrowerPrecision) {
  const Expression e = parse_expression("ij,jk->ik", "256x256,256x256");
  const Path path = {{0, 1}};
  const double f32 = predicted_rel_error(lower(e, path, Dtype::f32), e, Dtype::f32);
  const double tf32 = predicted_rel_error(lower(e, path, Dtype::tf32), e, Dtype::f32);
  const double f16 = predicted_rel_error(lower(e, path, Dtype::f16), e, Dtype::f32);
  const double bf16 = predicted_rel_error(lower(e, path, Dtype::bf16), e, Dtype::f32);
  EXPECT_LT(f32, tf32);
  EXPECT_LT(tf32, bf16);
  EXPECT_LT(f16, bf16);
  EXPECT_GT(bf16, 1e-3);  // 8 significand bits
  EXPECT_LT(bf16, 1e-2);
}

TEST(Calibration, SectionRoundTripsThroughTheTable) {
  CalibrationRecord rec;
  rec.params.mma_efficiency = 0.8;
  rec.params.unaligned_efficiency = 0.25;
  tcbench::CostTable t = h100();
  t.calibration_json = rec.to_json();
  const auto back = table_calibration(t, "t.json");
  ASSERT_TRUE(back.has_value());
  EXPECT_DOUBLE_EQ(back->mma_efficiency, 0.8);
  EXPECT_DOUBLE_EQ(back->unaligned_efficiency, 0.25);
  t.calibration_json = R"({"kind": "tcbench-gemm-calibration", "parameters": {"mma_efficiency": 0.5}})";
  EXPECT_THROW(table_calibration(t, "t.json"), tcbench::CostTableError);
}

}  // namespace
