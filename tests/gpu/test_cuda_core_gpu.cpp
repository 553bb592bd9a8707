// The CUDA-core family on a real GPU (label "gpu"; skipped without one): one `tcbench run --family
// cuda_core` with the default config, then its rows of instructions.csv: every row verified and
// valid, latencies at least a cycle (and sane on sm_90), rates under the CUDA-core peak and not
// far from it at the best point, a TFLOP/s row beside every rate, the SASS the instruction names,
// and the family within its few seconds of the default sweep.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/cpp/csv_rows.hpp"
#include "tests/cpp/family_run.hpp"

namespace tcb {
namespace {

using Row = test::CsvRow;

double num(const Row& r, const char* column) { return test::csv_number(r, column); }

const test::FamilyRun& cuda_core_run() {
  static const test::FamilyRun run = test::run_family("cuda_core", ".", "instructions", "tcb_cuda_core");
  return run;
}

#define REQUIRE_RUN(run)                                           \
  const test::FamilyRun& run = cuda_core_run();                   \
  if (!run.have_gpu) GTEST_SKIP() << "no GPU: " << run.why_not;   \
  ASSERT_FALSE(run.rows.empty()) << run.result.out

std::string describe(const Row& r) {
  return r.at("atom") + " " + r.at("metric") + " w=" + r.at("warps_per_sm") + " ilp=" + r.at("ilp") + " = " +
         r.at("value") + " " + r.at("unit") + " (bound " + r.at("bound") + "): " + r.at("note");
}

TEST(CudaCoreGpu, RunSucceedsAndEveryRowIsVerifiedAndValid) {
  REQUIRE_RUN(run);
  EXPECT_EQ(run.result.code, 0) << run.result.out;
  std::set<std::string> measured;
  for (const auto& r : run.rows) {
    EXPECT_EQ(r.at("family"), "cuda_core") << describe(r);
    if (r.at("metric") == "skipped") continue;
    EXPECT_EQ(r.at("verified"), "true") << describe(r);
    EXPECT_EQ(r.at("valid"), "true") << describe(r);
    EXPECT_GT(num(r, "value"), 0) << describe(r);
    EXPECT_GE(std::atoi(r.at("samples").c_str()), 1) << describe(r);
    measured.insert(r.at("atom"));
  }
  if (run.device.sm >= 80) EXPECT_EQ(measured.size(), 4u) << "every CUDA-core FMA measured on sm_80+";
}

TEST(CudaCoreGpu, LatenciesAreAtLeastACycleAndSaneOnHopper) {
  REQUIRE_RUN(run);
  int rows = 0;
  for (const auto& r : run.rows) {
    if (r.at("metric") != "latency_cycles") continue;
    ++rows;
    EXPECT_GE(num(r, "value"), 1) << describe(r);
    EXPECT_EQ(r.at("warps_per_sm"), "1") << describe(r);
    if (run.device.sm == 90) {  // FFMA/HFMA2 ~4 cycles, DFMA ~8 on GH100
      EXPECT_GE(num(r, "value"), 2) << describe(r);
      EXPECT_LE(num(r, "value"), 32) << describe(r);
    }
  }
  if (run.device.sm >= 80) EXPECT_EQ(rows, 4);
}

TEST(CudaCoreGpu, RatesAreUnderTheCudaCorePeakAndReachMostOfIt) {
  REQUIRE_RUN(run);
  std::map<std::string, double> best, bound;
  std::set<std::string> tflops_points;
  for (const auto& r : run.rows)
    if (r.at("metric") == "tflops")
      tflops_points.insert(r.at("atom") + "/" + r.at("warps_per_sm") + "/" + r.at("ilp"));
  for (const auto& r : run.rows) {
    if (r.at("metric") != "ops_per_clk_sm") continue;
    const double v = num(r, "value"), b = num(r, "bound");
    if (run.device.sm == 80 || run.device.sm == 90) EXPECT_GT(b, 0) << describe(r);
    if (b > 0) EXPECT_LE(v, b) << describe(r);
    EXPECT_TRUE(tflops_points.count(r.at("atom") + "/" + r.at("warps_per_sm") + "/" + r.at("ilp"))) << describe(r);
    best[r.at("atom")] = std::max(best[r.at("atom")], v);
    bound[r.at("atom")] = b;
  }
  for (const auto& [atom, v] : best) {
    std::printf("%s: best %.1f ops/clk/SM of %.0f\n", atom.c_str(), v, bound[atom]);
    if (bound[atom] > 0) EXPECT_GE(v, 0.5 * bound[atom]) << atom << ": every SM busy at 64 warps x ILP 8";
  }
}

TEST(CudaCoreGpu, SassShowsTheCudaCoreInstruction) {
  REQUIRE_RUN(run);
  if (!run.sass_inspected) GTEST_SKIP() << "cuobjdump not found: SASS not inspected";
  const std::map<std::string, std::string> opcode = {{"SM70_FFMA_F32", "FFMA"},
                                                     {"SM70_HFMA2_F16", "HFMA2"},
                                                     {"SM80_HFMA2_BF16", "BF16"},
                                                     {"SM70_DFMA_F64", "DFMA"}};
  for (const auto& r : run.rows) {
    if (r.at("metric") == "skipped") continue;
    EXPECT_EQ(r.at("native"), "true") << describe(r);
    EXPECT_NE(r.at("sass_opcodes").find(opcode.at(r.at("atom"))), std::string::npos) << describe(r);
  }
}

TEST(CudaCoreGpu, FitsItsFewSecondsOfTheDefaultSweep) {
  REQUIRE_RUN(run);
  ASSERT_TRUE(run.run_json.contains("family_seconds")) << run.run_json.dump();
  const double seconds = run.run_json["family_seconds"].value("cuda_core", -1.0);
  std::printf("cuda_core family: %.2f s\n", seconds);
  EXPECT_GT(seconds, 0);
  EXPECT_LE(seconds, 6.0);
}

}  // namespace
}  // namespace tcb
