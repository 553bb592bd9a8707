// The off-chip movement benchmarks on a real GPU (label "gpu"; skipped without one): one
// `tcbench run --family movement` over the off-chip paths with the default config, then its
// movement.csv: every row measured, verified and valid; the chase orders the levels (L1 < L2 <
// DRAM); DRAM read bandwidth within 50-100% of the datasheet; L2 faster than DRAM; the bulk copy
// engine and launch figures physically sane; the whole set within its 4 s share of the sweep.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/device/device_info.hpp"
#include "harness/device/peaks.hpp"
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

using test::csv_number;
using test::CsvRow;

constexpr long long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

// The one run every test below reads.
using OffChipRun = test::FamilyRun;

const OffChipRun& off_chip_run() {
  static const OffChipRun run = test::run_family("movement", "^(global[.]chase|l2[.]|dram[.]|tma[.]|launch[.])",
                                                 "movement", "tcb_movement_offchip");
  return run;
}

#define REQUIRE_RUN(run)                                        \
  const OffChipRun& run = off_chip_run();                       \
  if (!run.have_gpu) GTEST_SKIP() << "no GPU: " << run.why_not; \
  ASSERT_FALSE(run.rows.empty()) << run.result.out

std::string describe(const CsvRow& r) {
  return r.at("atom") + " " + r.at("metric") + " " + r.at("size_bytes") + " B [" + r.at("params") + "] = " +
         r.at("value") + " " + r.at("unit") + ": " + r.at("note");
}

// The value of the one row with this atom, metric and size whose params contain `params`.
double value_of(const std::vector<CsvRow>& rows, const std::string& atom, const std::string& metric,
                long long size_bytes, const std::string& params = "") {
  for (const auto& r : rows)
    if (r.at("atom") == atom && r.at("metric") == metric && std::atoll(r.at("size_bytes").c_str()) == size_bytes &&
        r.at("params").find(params) != std::string::npos)
      return csv_number(r, "value");
  ADD_FAILURE() << "no row " << atom << " " << metric << " " << size_bytes << " B [" << params << "]";
  return std::nan("");
}

TEST(MovementOffChipGpu, RunSucceedsAndEveryRowIsVerifiedAndValid) {
  REQUIRE_RUN(run);
  EXPECT_EQ(run.result.code, 0) << run.result.out;
  std::set<std::string> measured;
  for (const auto& r : run.rows) {
    if (r.at("metric") == "skipped") {
      // Only the bulk copy engine before sm_90, a working set a small GPU cannot hold, or a
      // partition class no line fell in.
      if (run.device.sm >= 90 && run.device.global_mem_bytes >= 32 * GiB && r.at("atom") != "l2.chase.partition")
        ADD_FAILURE() << describe(r);
      continue;
    }
    EXPECT_EQ(r.at("verified"), "true") << describe(r);
    EXPECT_EQ(r.at("valid"), "true") << describe(r);
    EXPECT_GT(csv_number(r, "value"), 0) << describe(r);
    EXPECT_GE(std::atoi(r.at("samples").c_str()), 1) << describe(r);
    if (run.sass_inspected) {
      EXPECT_EQ(r.at("native"), "true") << describe(r);
      EXPECT_FALSE(r.at("sass_opcodes").empty()) << describe(r);
    }
    if (r.at("metric") == "bandwidth_gbs") {
      EXPECT_GT(csv_number(r, "bound"), 0) << describe(r);
    }
    measured.insert(r.at("atom"));
  }
  if (run.device.sm >= 90) {
    EXPECT_EQ(measured.size(), 15u) << "every off-chip benchmark measured on sm_90";
  }
}

TEST(MovementOffChipGpu, OffChipSetFitsItsTimeBudget) {
  REQUIRE_RUN(run);
  ASSERT_TRUE(run.run_json.contains("family_seconds")) << run.run_json.dump();
  const double seconds = run.run_json["family_seconds"].value("movement", -1.0);
  std::printf("off-chip movement benchmarks: %.2f s\n", seconds);
  EXPECT_GT(seconds, 0);
  EXPECT_LE(seconds, 4.0);
}

TEST(MovementOffChipGpu, TheChaseOrdersTheLevels) {
  REQUIRE_RUN(run);
  const auto& rows = run.rows;
  const double l1 = value_of(rows, "global.chase.ca", "latency_cycles", 16 * KiB);
  const double l2 = value_of(rows, "global.chase.cg", "latency_cycles", 16 * KiB);
  const double dram = value_of(rows, "global.chase.cg", "latency_cycles", 256 * MiB);
  EXPECT_LT(l1, l2);
  EXPECT_LT(l2, dram);
  EXPECT_LT(l1, value_of(rows, "global.chase.ca", "latency_cycles", 8 * MiB));
  if (run.device.sm >= 90) {
    EXPECT_GE(l1, 15);
    EXPECT_LE(l1, 80);
    EXPECT_GE(l2, 150);
    EXPECT_LE(l2, 800);
    const double dram_ns = value_of(rows, "global.chase.cg", "latency_ns", 256 * MiB);
    EXPECT_GE(dram_ns, 300);
    EXPECT_LE(dram_ns, 3000);
  }
  // Past the L1, latency never falls by more than noise as the working set grows.
  double previous = 0;
  for (long long ws : {16 * KiB, 128 * KiB, 1 * MiB, 8 * MiB, 20 * MiB, 40 * MiB, 256 * MiB, 2 * GiB}) {
    const double v = value_of(rows, "global.chase.cg", "latency_cycles", ws);
    EXPECT_GE(v, previous * 0.95) << ws << " B";
    previous = v;
  }
}

// latency_ns is latency_cycles at the measured clock: the two rows must agree.
TEST(MovementOffChipGpu, LatencyInNsMatchesCyclesAtTheMeasuredClock) {
  REQUIRE_RUN(run);
  int pairs = 0;
  for (const auto& c : run.rows) {
    if (c.at("metric") != "latency_cycles") continue;
    for (const auto& n : run.rows)
      if (n.at("metric") == "latency_ns" && n.at("atom") == c.at("atom") && n.at("params") == c.at("params") &&
          n.at("size_bytes") == c.at("size_bytes")) {
        const double expect_ns = csv_number(c, "value") / csv_number(c, "sm_clock_mhz") * 1e3;
        EXPECT_NEAR(csv_number(n, "value"), expect_ns, 0.03 * expect_ns) << describe(c) << " vs " << describe(n);
        ++pairs;
      }
  }
  EXPECT_GE(pairs, 16);
}

TEST(MovementOffChipGpu, DramBandwidthAgainstTheDatasheet) {
  REQUIRE_RUN(run);
  const double datasheet = datasheet_dram_gbs(run.device.name);
  if (datasheet <= 0) GTEST_SKIP() << run.device.name << " is not in the datasheet table";
  const double read = value_of(run.rows, "dram.read", "bandwidth_gbs", 1 * GiB);
  std::printf("DRAM read %.0f GB/s = %.1f%% of the datasheet's %.0f\n", read, 100 * read / datasheet, datasheet);
  EXPECT_GE(read, 0.5 * datasheet);
  EXPECT_LE(read, 1.0 * datasheet);
  for (const char* atom : {"dram.write", "dram.copy"}) {
    const double v = value_of(run.rows, atom, "bandwidth_gbs", 1 * GiB);
    EXPECT_GE(v, 0.3 * datasheet) << atom;
    EXPECT_LE(v, 1.0 * datasheet) << atom;
  }
  // Each DRAM row names the datasheet figure the report divides by.
  for (const auto& r : run.rows) {
    if (r.at("atom").rfind("dram.", 0) == 0 && r.at("metric") == "bandwidth_gbs") {
      EXPECT_NE(r.at("params").find("datasheet_gbs="), std::string::npos) << describe(r);
    }
  }
}

TEST(MovementOffChipGpu, TheL2IsFasterThanDram) {
  REQUIRE_RUN(run);
  const double l2 = value_of(run.rows, "l2.read", "bandwidth_gbs", 8 * MiB);
  const double dram = value_of(run.rows, "dram.read", "bandwidth_gbs", 1 * GiB);
  EXPECT_GT(l2, 1.2 * dram);
}

TEST(MovementOffChipGpu, BulkCopyEngineIsSane) {
  REQUIRE_RUN(run);
  if (run.device.sm < 90) GTEST_SKIP() << "the bulk copy engine is sm_90's";
  const double datasheet = datasheet_dram_gbs(run.device.name);
  for (const char* kind : {"bulk", "tensor2d"}) {
    const std::string latency = std::string("tma.") + kind + ".latency";
    const std::string bandwidth = std::string("tma.") + kind + ".bandwidth";
    double previous = 0;
    for (long long tile : {1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB}) {
      SCOPED_TRACE(std::string(kind) + " " + std::to_string(tile));
      const double cycles = value_of(run.rows, latency, "latency_cycles", tile);
      EXPECT_GE(cycles, 200);  // an L2 round trip at least
      EXPECT_LE(cycles, 20000);
      EXPECT_GE(cycles, previous * 0.95);  // a larger tile never lands sooner
      previous = cycles;
      if (tile < 16 * KiB) continue;
      const double from_l2 = value_of(run.rows, bandwidth, "bandwidth_gbs", tile, "source=l2");
      const double from_dram = value_of(run.rows, bandwidth, "bandwidth_gbs", tile, "source=dram");
      EXPECT_GT(from_l2, from_dram);
      if (datasheet > 0) {
        EXPECT_GE(from_dram, 0.4 * datasheet);
      }
    }
  }
}

TEST(MovementOffChipGpu, LaunchFiguresArePhysicallySane) {
  REQUIRE_RUN(run);
  const double stream = value_of(run.rows, "launch.stream", "launch_overhead_us", 0);
  const double graph = value_of(run.rows, "launch.graph", "kernel_time_us", 0);
  std::printf("launch: %.2f us per kernel on a stream, %.2f us per kernel in a graph\n", stream, graph);
  EXPECT_GE(stream, 0.2);
  EXPECT_LE(stream, 50);
  EXPECT_GE(graph, 0.2);
  EXPECT_LE(graph, 20);
}

TEST(MovementOffChipGpu, NearLinesAreNotSlowerThanFarLines) {
  REQUIRE_RUN(run);
  double near = -1, far = -1;
  for (const auto& r : run.rows) {
    if (r.at("atom") != "l2.chase.partition" || r.at("metric") != "latency_cycles") continue;
    if (r.at("params").find("class=near") != std::string::npos) near = csv_number(r, "value");
    if (r.at("params").find("class=far") != std::string::npos) far = csv_number(r, "value");
  }
  if (near < 0 || far < 0) GTEST_SKIP() << "a class was empty on this GPU (see the skipped row)";
  std::printf("L2 chase from one SM: near lines %.1f cycles, far lines %.1f cycles\n", near, far);
  EXPECT_LE(near, far * 1.03);
  EXPECT_GE(near, 100);
}

}  // namespace
}  // namespace tcb
