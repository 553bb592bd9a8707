// GPU tests of the energy family (CTest label "gpu"), short: the steady window cut to 1 s. The
// idle baseline, one tensor-core instruction and the DRAM stream must give valid rows whose
// figures are physically sane and agree with each other; a run without the idle benchmark must
// measure the baseline itself. Without a GPU, or where NVML cannot read energy, they skip.
#include <gtest/gtest.h>

#include <map>

#include "families/energy/energy.hpp"
#include "families/energy/load.hpp"
#include "harness/core/runner.hpp"
#include "harness/device/device_info.hpp"
#include "harness/device/peaks.hpp"

namespace tcb {
namespace {

struct EnergyRun {
  std::vector<ResultRow> rows;
  std::vector<std::string> tables;
  RunSummary summary;
  // The row of `atom` and `metric` (null when absent).
  const ResultRow* find(const std::string& atom, const std::string& metric) const {
    for (const auto& r : rows)
      if (r.atom == atom && r.metric == metric) return &r;
    return nullptr;
  }
};

EnergyRun run_energy(const DeviceInfo& dev, const std::string& include, double window_s) {
  RunOptions opt;
  opt.device = dev;
  opt.config.families = {"energy"};
  opt.config.include = {include};
  opt.config.energy_window_s = window_s;
  EnergyRun run;
  opt.on_row = [&](const ResultRow&, const std::string& table) { run.tables.push_back(table); };
  run.summary = run_sweep(opt, &run.rows);
  return run;
}

// Skips the test when every row was skipped because NVML cannot read energy here.
#define SKIP_WITHOUT_NVML_ENERGY(run)                                                                 \
  do {                                                                                                \
    bool all_skipped = !(run).rows.empty();                                                           \
    for (const auto& r : (run).rows) all_skipped = all_skipped && r.metric == "skipped";              \
    if (all_skipped && (run).rows.front().note.find("NVML") != std::string::npos)                     \
      GTEST_SKIP() << "NVML cannot read energy here: " << (run).rows.front().note;                    \
  } while (0)

#define REQUIRE_GPU(dev)                                                   \
  DeviceInfo dev;                                                          \
  {                                                                        \
    std::string why;                                                       \
    if (!query_device(0, &dev, &why)) GTEST_SKIP() << "no GPU: " << why;   \
  }

TEST(GpuEnergy, IdleInstructionAndDramRowsAreValidSaneAndConsistent) {
  REQUIRE_GPU(dev);
  const bool hopper = dev.sm >= 90;  // wgmma f16 at N = 256 (RS reaches the tensor peak)
  const std::string instr = hopper ? "SM90_64x256x16_F32F16F16_RS" : "SM80_16x8x16_F32F16F16F32_TN";
  energy::run_record() = energy::RunRecord{};
  const EnergyRun run = run_energy(dev, "^energy/(idle|" + instr + "|dram_read)$", 1.0);
  SKIP_WITHOUT_NVML_ENERGY(run);
  ASSERT_FALSE(run.rows.empty());
  for (const auto& t : run.tables) EXPECT_EQ(t, "energy");
  for (const auto& r : run.rows) {
    EXPECT_EQ(r.family, "energy") << r.atom;
    EXPECT_TRUE(r.verified) << r.atom << " " << r.metric << ": " << r.note;
    EXPECT_TRUE(r.valid) << r.atom << " " << r.metric << ": " << r.note;
  }
  EXPECT_EQ(run.summary.invalid, 0);
  const double limit = dev.power_limit_w > 0 ? dev.power_limit_w : 2000;

  const ResultRow* idle = run.find("idle", "idle_power_w");
  ASSERT_NE(idle, nullptr);
  EXPECT_GT(idle->value, 10);  // a powered board, even idle
  EXPECT_LT(idle->value, limit);
  EXPECT_EQ(run.rows.front().atom, "idle") << "the idle baseline is measured first";

  // The instruction: at its saturating point, its power between idle and the limit, its energy
  // per FMA in the range of the literature for f16 tensor cores, and in agreement with
  // power / (FMA rate at the measured clock).
  const ResultRow* rate = run.find(instr, "ops_per_clk_sm");
  const ResultRow* power = run.find(instr, "power_w");
  const ResultRow* pj = run.find(instr, "pj_per_fma");
  const ResultRow* pj_above = run.find(instr, "pj_per_fma_above_idle");
  ASSERT_TRUE(rate && power && pj && pj_above);
  EXPECT_GT(power->value, idle->value);
  EXPECT_LE(power->value, 1.1 * limit);
  EXPECT_GT(pj_above->value, 0);
  EXPECT_LT(pj_above->value, pj->value);
  const double peak = peak_ops_per_clk_sm(dev.sm, DType::f16, DType::f32);
  if (hopper && peak > 0) {
    EXPECT_GT(rate->value, 0.9 * peak) << "the probe did not find a saturating point";
    EXPECT_GT(pj->value, 0.1);
    EXPECT_LT(pj->value, 2.0);
  }
  const double fma_per_s = rate->value / 2 * dev.sm_count * rate->sm_clock_mhz * 1e6;
  EXPECT_NEAR(pj->value, power->value / fma_per_s * 1e12, 0.1 * pj->value)
      << "energy per FMA disagrees with power / FMA rate: the window or the FMA count is off";
  EXPECT_NE(pj->params.find("source="), std::string::npos);
  EXPECT_NE(pj->params.find("idle_w="), std::string::npos);
  EXPECT_GT(pj->warps_per_sm, 0);
  EXPECT_GT(pj->sm_clock_mhz, 100);

  // The DRAM stream: power above idle, energy per byte in a sane range for HBM reads through L2.
  const ResultRow* dpower = run.find("dram_read", "power_w");
  const ResultRow* dpj = run.find("dram_read", "pj_per_byte");
  const ResultRow* dpj_above = run.find("dram_read", "pj_per_byte_above_idle");
  ASSERT_TRUE(dpower && dpj && dpj_above);
  EXPECT_GT(dpower->value, idle->value);
  EXPECT_LE(dpower->value, 1.1 * limit);
  EXPECT_GT(dpj->value, 1);
  EXPECT_LT(dpj->value, 1000);
  EXPECT_GT(dpj_above->value, 0);
  EXPECT_LT(dpj_above->value, dpj->value);
  EXPECT_GE(dpj->size_bytes, 4LL * dev.l2_bytes);

  const nlohmann::json method = energy::energy_method_json();
  EXPECT_NE(method["source"], "none");
  EXPECT_EQ(method["loads"], 2);
  EXPECT_TRUE(method["idle"]["measured"].get<bool>());
  EXPECT_EQ(method["idle"]["how"], "idle benchmark");
  EXPECT_DOUBLE_EQ(method["steady_window_s"].get<double>(), 1.0);
  if (method["source"] == "total_energy_counter") EXPECT_GT(method["counter_update_interval_ms"].get<double>(), 0);
}

TEST(GpuEnergy, WithoutTheIdleBenchmarkTheBaselineIsMeasuredFirst) {
  REQUIRE_GPU(dev);
  energy::run_record() = energy::RunRecord{};  // as in a fresh run
  const EnergyRun run = run_energy(dev, "^energy/shared_read$", 0.5);
  SKIP_WITHOUT_NVML_ENERGY(run);
  const ResultRow* pj = run.find("shared_read", "pj_per_byte");
  const ResultRow* above = run.find("shared_read", "pj_per_byte_above_idle");
  ASSERT_TRUE(pj && above);
  EXPECT_TRUE(pj->valid) << pj->note;
  EXPECT_TRUE(above->valid) << above->note;
  EXPECT_NE(above->note.find("idle baseline measured just before this point"), std::string::npos) << above->note;
  EXPECT_GT(above->value, 0);
  EXPECT_LT(above->value, pj->value);
  EXPECT_LT(pj->value, 100);  // on-chip: far below a DRAM byte
  EXPECT_TRUE(energy::run_record().idle_measured);
}

}  // namespace
}  // namespace tcb
