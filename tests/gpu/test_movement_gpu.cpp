// The on-chip movement benchmarks on a real GPU (label "gpu"; skipped without one): one
// `tcbench run --family movement` over the on-chip paths with the default config, then its
// movement.csv: every row measured, verified and valid, latencies physically sane, bank-conflict
// bandwidth falling with the ways and under its 128/ways ceiling, the run within its time budget.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "harness/device/device_info.hpp"
#include "harness/sass/sass.hpp"
#include "tests/cpp/csv_rows.hpp"
#include "tests/cpp/family_run.hpp"
#include "tests/cpp/run_tcbench.hpp"
#include "tests/cpp/test_support.hpp"

#ifndef TCB_BINARY
#define TCB_BINARY "build/tcbench"
#endif

namespace tcb {
namespace {

using Row = test::CsvRow;

double num(const Row& r, const char* column) { return test::csv_number(r, column); }

// The one run every test below reads.
using OnChipRun = test::FamilyRun;

const OnChipRun& on_chip_run() {
  static const OnChipRun run =
      test::run_family("movement", "^(smem|ldmatrix|stmatrix|cp[.]async[.]c[ag][.]|dsmem)", "movement", "tcb_movement");
  return run;
}

#define REQUIRE_RUN(run)                                        \
  const OnChipRun& run = on_chip_run();                         \
  if (!run.have_gpu) GTEST_SKIP() << "no GPU: " << run.why_not; \
  ASSERT_FALSE(run.rows.empty()) << run.result.out

std::string describe(const Row& r) {
  return r.at("atom") + " " + r.at("metric") + " [" + r.at("params") + "] = " + r.at("value") + " " + r.at("unit") +
         ": " + r.at("note");
}

// The measured value of the one row with this atom, metric and params.
double value_of(const std::vector<Row>& rows, const std::string& atom, const std::string& metric,
                const std::string& params) {
  for (const auto& r : rows)
    if (r.at("atom") == atom && r.at("metric") == metric && r.at("params") == params) return num(r, "value");
  ADD_FAILURE() << "no row " << atom << " " << metric << " [" << params << "]";
  return std::nan("");
}

TEST(MovementGpu, RunSucceedsAndEveryRowIsVerifiedAndValid) {
  REQUIRE_RUN(run);
  EXPECT_EQ(run.result.code, 0) << run.result.out;
  std::set<std::string> measured;
  for (const auto& r : run.rows) {
    if (r.at("metric") == "skipped") {
      // Only the impossible conflict degrees (16-/32-way at 128 bits, 32-way at 64 bits) on sm_90.
      if (run.device.sm >= 90) EXPECT_NE(r.at("note").find("at most"), std::string::npos) << describe(r);
      continue;
    }
    EXPECT_EQ(r.at("verified"), "true") << describe(r);
    EXPECT_EQ(r.at("valid"), "true") << describe(r);
    EXPECT_GT(num(r, "value"), 0) << describe(r);
    EXPECT_GE(std::atoi(r.at("samples").c_str()), 1) << describe(r);
    if (run.sass_inspected) {
      EXPECT_EQ(r.at("native"), "true") << describe(r);
      EXPECT_FALSE(r.at("sass_opcodes").empty()) << describe(r);
    }
    if (r.at("metric") == "bytes_per_clk_sm") EXPECT_EQ(num(r, "bound"), 128) << describe(r);
    measured.insert(r.at("atom"));
  }
  if (run.device.sm >= 90) EXPECT_EQ(measured.size(), 23u) << "every on-chip benchmark measured on sm_90";
}

TEST(MovementGpu, OnChipSweepFitsItsTimeBudget) {
  REQUIRE_RUN(run);
  ASSERT_TRUE(run.run_json.contains("family_seconds")) << run.run_json.dump();
  const double seconds = run.run_json["family_seconds"].value("movement", -1.0);
  std::printf("on-chip movement benchmarks: %.2f s\n", seconds);
  EXPECT_GT(seconds, 0);
  EXPECT_LE(seconds, 3.0);
}

TEST(MovementGpu, LatenciesArePhysicallySane) {
  REQUIRE_RUN(run);
  if (run.device.sm < 90) GTEST_SKIP() << "ranges are for sm_90";
  const auto& rows = run.rows;
  const double lds = value_of(rows, "smem.load.b32", "latency_cycles", "width=32");
  EXPECT_GE(lds, 20);
  EXPECT_LE(lds, 40);
  for (const char* w : {"64", "128"}) {
    const double v = value_of(rows, std::string("smem.load.b") + w, "latency_cycles", std::string("width=") + w);
    EXPECT_GE(v, lds - 2) << w;
    EXPECT_LE(v, 50) << w;
  }
  for (const char* shape : {"x1", "x2", "x4", "x1.trans", "x2.trans", "x4.trans"}) {
    const double ldsm = value_of(rows, std::string("ldmatrix.") + shape, "latency_cycles", "");
    EXPECT_GE(ldsm, 20) << shape;
    EXPECT_LE(ldsm, 80) << shape;
    const bool trans = std::string(shape).find("trans") != std::string::npos;
    const double round_trip = value_of(rows, std::string("stmatrix.") + shape, "latency_cycles",
                                       trans ? "pair=ldmatrix" : "pair=ldmatrix.trans");
    EXPECT_GT(round_trip, 20) << shape;  // one ldmatrix latency and the store before it
    EXPECT_LE(round_trip, 250) << shape;
  }
  for (const char* op : {"cp.async.ca.4", "cp.async.ca.8", "cp.async.ca.16", "cp.async.cg.16"}) {
    const double l2 = value_of(rows, op, "latency_cycles", "src=l2");
    EXPECT_GE(l2, 150) << op;  // an L2 hit takes ~200+ cycles on GH100
    EXPECT_LE(l2, 2000) << op;
    if (std::string(op).find(".ca.") == std::string::npos) continue;
    const double l1 = value_of(rows, op, "latency_cycles", "src=l1");
    EXPECT_LT(l1, l2) << op;
    EXPECT_GE(l1, 20) << op;
  }
  const double remote = value_of(rows, "dsmem.load", "latency_cycles", "cluster=2;target=remote");
  EXPECT_GE(remote, 50);
  EXPECT_LE(remote, 1000);
  const double self = value_of(rows, "dsmem.load", "latency_cycles", "cluster=2;target=self");
  EXPECT_GE(self, 10);
  EXPECT_LE(self, 1000);
}

// latency_ns is latency_cycles at the measured clock: the two rows must agree.
TEST(MovementGpu, LatencyInNsMatchesCyclesAtTheMeasuredClock) {
  REQUIRE_RUN(run);
  int pairs = 0;
  for (const auto& c : run.rows) {
    if (c.at("metric") != "latency_cycles") continue;
    for (const auto& n : run.rows)
      if (n.at("metric") == "latency_ns" && n.at("atom") == c.at("atom") && n.at("params") == c.at("params")) {
        const double expect_ns = num(c, "value") / num(c, "sm_clock_mhz") * 1e3;
        EXPECT_NEAR(num(n, "value"), expect_ns, 0.05 * expect_ns) << describe(c) << " vs " << describe(n);
        ++pairs;
      }
  }
  EXPECT_GT(pairs, 20);
}

TEST(MovementGpu, BankConflictsCutBandwidthByTheirWays) {
  REQUIRE_RUN(run);
  if (run.device.sm < 70) GTEST_SKIP();
  for (const char* op : {"smem.load", "smem.store"})
    for (int bits : {32, 64, 128}) {
      const std::string atom = std::string(op) + ".b" + std::to_string(bits);
      const int max_ways = 128 / (bits / 8);
      double previous = 0, conflict_free = 0;
      for (int ways = 1; ways <= max_ways; ways *= 2) {
        const double v = value_of(run.rows, atom, "bytes_per_clk_sm",
                                  "width=" + std::to_string(bits) + ";ways=" + std::to_string(ways));
        SCOPED_TRACE(atom + " ways=" + std::to_string(ways));
        EXPECT_LE(v, 128.0 / ways * 1.02);  // only 32/ways banks work
        if (ways == 1) {
          conflict_free = v;
          EXPECT_GE(v, 64);  // at least half the banks' peak without conflicts
        } else {
          EXPECT_LT(v, previous * 1.02);  // more ways never faster
        }
        previous = v;
      }
      EXPECT_LT(previous, conflict_free / 2) << atom << ": the worst conflict must cost at least half";
    }
}

TEST(MovementGpu, ThroughputsAreUnderTheSharedMemoryPortAndNotTrivial) {
  REQUIRE_RUN(run);
  if (run.device.sm < 90) GTEST_SKIP() << "ranges are for sm_90";
  for (const auto& r : run.rows) {
    if (r.at("metric") != "bytes_per_clk_sm") continue;
    EXPECT_LE(num(r, "value"), 128) << describe(r);
    const std::string& params = r.at("params");
    const size_t ways = params.find("ways=");
    const bool conflicted = ways != std::string::npos && std::atoi(params.c_str() + ways + 5) > 1;
    if (!conflicted) EXPECT_GE(num(r, "value"), 4) << describe(r);
  }
  for (const char* shape : {"x1", "x2", "x4", "x1.trans", "x2.trans", "x4.trans"})
    for (const char* op : {"ldmatrix.", "stmatrix."})
      EXPECT_GE(value_of(run.rows, std::string(op) + shape, "bytes_per_clk_sm", ""), 32) << op << shape;
  // L1 feeds cp.async.ca faster than L2 does.
  EXPECT_GT(value_of(run.rows, "cp.async.ca.16", "bytes_per_clk_sm", "src=l1"),
            value_of(run.rows, "cp.async.ca.16", "bytes_per_clk_sm", "src=l2"));
}

}  // namespace
}  // namespace tcb
