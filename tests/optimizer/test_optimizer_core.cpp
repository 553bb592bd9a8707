// The optimizer core against the committed, measured cost tables: the einsum parser's refusals,
// the GEMM model's physical bounds, and the calibration fit recovering known parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <tcbench/cost_table.hpp>

#include "optimizer/core/calibration_fit.hpp"
#include "optimizer/core/einsum.hpp"
#include "optimizer/core/gemm_model.hpp"

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

}  // namespace
