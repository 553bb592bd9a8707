// The off-chip half of the movement family as the registry sees it (no GPU): registered, named
// completely and uniquely, each benchmark saying what it issues, where its rows and SASS are, and
// refusing GPUs without the bulk copy engine with the reason; the DRAM datasheet table and the
// memory-clock bandwidth it is checked against; the plan of the bulk-copy pipeline.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "families/movement/movement.hpp"
#include "families/movement/off_chip.hpp"
#include "families/movement/off_chip_kernels.hpp"
#include "harness/core/benchmark.hpp"
#include "harness/core/regex.hpp"
#include "harness/device/device_info.hpp"
#include "harness/device/peaks.hpp"

namespace tcb {
namespace {

const std::vector<core::Benchmark>& off_chip() {
  static const std::vector<core::Benchmark> list = movement::off_chip_benchmarks();
  return list;
}

const char* const kNames[] = {"global.chase.ca", "global.chase.cg", "l2.chase.partition", "l2.read", "l2.write",
                              "l2.copy", "dram.read", "dram.write", "dram.copy", "tma.bulk.latency",
                              "tma.bulk.bandwidth", "tma.tensor2d.latency", "tma.tensor2d.bandwidth",
                              "launch.stream", "launch.graph"};

bool is_tma(const std::string& name) { return name.rfind("tma.", 0) == 0; }

TEST(MovementOffChipRegistry, EveryOffChipBenchmarkIsRegisteredOnce) {
  std::multiset<std::string> registered;
  for (const auto& b : core::benchmarks())
    if (b.family() == "movement") registered.insert(b.name());
  std::set<std::string> names;
  for (const auto& b : off_chip()) {
    EXPECT_TRUE(names.insert(b.name()).second) << "duplicate " << b.name();
    EXPECT_EQ(registered.count(b.name()), 1u) << b.name() << " registered " << registered.count(b.name()) << " times";
  }
  for (const char* want : kNames) EXPECT_TRUE(names.count(want)) << want << " missing";
  EXPECT_EQ(names.size(), std::size(kNames));
}

TEST(MovementOffChipRegistry, EveryBenchmarkSaysWhatItIssuesAndWhereItsRowsAndSassAre) {
  for (const auto& b : off_chip()) {
    SCOPED_TRACE(b.name());
    EXPECT_EQ(b.family(), "movement");
    EXPECT_EQ(b.table, "movement");
    EXPECT_FALSE(b.row.ptx.empty());
    EXPECT_TRUE(b.unsupported != nullptr);
    EXPECT_TRUE(b.run != nullptr);
    EXPECT_FALSE(b.sass_kernel.empty());
    EXPECT_FALSE(b.sass_opcodes.empty());
    EXPECT_EQ(regex_problem(b.sass_opcodes), "") << b.sass_opcodes;
  }
}

TEST(MovementOffChipRegistry, TheBulkCopyNamesItsInstructionsAndOpcodes) {
  for (const auto& b : off_chip()) {
    if (!is_tma(b.name())) continue;
    SCOPED_TRACE(b.name());
    const bool tensor = b.name().find("tensor2d") != std::string::npos;
    EXPECT_EQ(b.row.ptx, tensor ? "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                                : "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes");
    EXPECT_TRUE(Regex(b.sass_opcodes).search(tensor ? "UTMALDG.2D" : "UBLKCP.S.G"));
    EXPECT_FALSE(Regex(b.sass_opcodes).search("LDG.E.128"));
  }
}

// The bulk copy engine is sm_90's: older GPUs get a skipped row that says so (without touching
// CUDA: the architecture is refused before any kernel is looked up).
TEST(MovementOffChipRegistry, BulkCopyRefusesPreHopperWithTheReason) {
  for (int sm : {70, 75, 80, 86, 89}) {
    DeviceInfo d;
    d.sm = sm;
    for (const auto& b : off_chip()) {
      if (!is_tma(b.name())) continue;
      const std::string why = b.unsupported(d);
      EXPECT_NE(why.find("sm_90"), std::string::npos) << b.name() << " on sm_" << sm << ": " << why;
    }
  }
}

TEST(MovementOffChipRegistry, ConfigRegexesCanPickEachPart) {
  auto picked = [](const std::string& re) {
    std::set<std::string> out;
    const Regex r(re);
    for (const auto& b : off_chip())
      if (r.search(b.name())) out.insert(b.name());
    return out;
  };
  EXPECT_EQ(picked("^global[.]chase").size(), 2u);
  EXPECT_EQ(picked("^dram[.]").size(), 3u);
  EXPECT_EQ(picked("^l2[.]").size(), 4u);  // read, write, copy and the partition probe
  EXPECT_EQ(picked("^tma[.]").size(), 4u);
  EXPECT_EQ(picked("^launch[.]").size(), 2u);
}

TEST(MovementOffChipPeaks, DatasheetDramBandwidthByModel) {
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA H200"), 4800);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA H200 NVL"), 4800);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA H100 80GB HBM3"), 3350);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA H100 PCIe"), 2000);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA H100 NVL"), 3900);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA GH200 480GB"), 4000);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA A100-SXM4-80GB"), 2039);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA A100 80GB PCIe"), 1935);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA A100-SXM4-40GB"), 1555);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA A100-PCIE-40GB"), 1555);
  EXPECT_EQ(datasheet_dram_gbs("Tesla V100-SXM2-16GB"), 900);
  EXPECT_EQ(datasheet_dram_gbs("Tesla V100S-PCIE-32GB"), 1134);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA L40S"), 864);
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA L4"), 300);
  EXPECT_EQ(datasheet_dram_gbs("Tesla T4"), 320);
}

// A model name inside another word is not that model.
TEST(MovementOffChipPeaks, DatasheetMatchesWholeWordsOnly) {
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA RTX A4000"), 0);  // not an A40
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA RTX A1000"), 0);  // not an A10
  EXPECT_EQ(datasheet_dram_gbs("NVIDIA GeForce RTX 4090"), 0);
  EXPECT_EQ(datasheet_dram_gbs(""), 0);
}

TEST(MovementOffChipPeaks, TheoreticalDramBandwidthIsDoubleDataRateTimesBusWidth) {
  // The clocks and widths CUDA reports for these boards give their datasheet figures.
  EXPECT_NEAR(theoretical_dram_gbs(3201000, 6144), 4916.7, 0.1);  // H200
  EXPECT_NEAR(theoretical_dram_gbs(2619000, 5120), 3352.3, 0.1);  // H100 SXM5
  EXPECT_NEAR(theoretical_dram_gbs(1215000, 5120), 1555.2, 0.1);  // A100 40 GB
  EXPECT_NEAR(theoretical_dram_gbs(877000, 4096), 898.0, 0.1);    // V100
  EXPECT_EQ(theoretical_dram_gbs(0, 5120), 0);
  EXPECT_EQ(theoretical_dram_gbs(2619000, 0), 0);
}

TEST(MovementOffChipPeaks, TheDramBoundIsTheLargerFigure) {
  DeviceInfo d;
  d.name = "NVIDIA H200";
  d.mem_clock_khz = 3201000;
  d.mem_bus_width_bits = 6144;
  const auto b = movement::offchip::dram_bound(d);
  EXPECT_EQ(b.datasheet_gbs, 4800);
  EXPECT_NEAR(b.gbs, 4916.7, 0.1);
  d.mem_bus_width_bits = 0;  // not reported: the datasheet alone
  EXPECT_EQ(movement::offchip::dram_bound(d).gbs, 4800);
  d.name = "unknown board";  // neither: no bound (the row then says plausibility unchecked)
  EXPECT_EQ(movement::offchip::dram_bound(d).gbs, 0);
}

// The L2 ceiling: every SM's 128 B/clk data path at the highest clock the device or a sample shows.
TEST(MovementOffChipPeaks, TheL2CeilingIsTheSmsDataPaths) {
  DeviceInfo d;
  d.sm_count = 132;
  d.clock_khz = 1980000;
  EXPECT_NEAR(movement::offchip::l2_ceiling_gbs(d, {}, 1), 132 * 128 * 1.98, 1e-6);
  EXPECT_NEAR(movement::offchip::l2_ceiling_gbs(d, {}, 2), 2 * 132 * 128 * 1.98, 1e-6);
  EXPECT_NEAR(movement::offchip::l2_ceiling_gbs(d, {{1.0, 2000.0, false}}, 1), 132 * 128 * 2.0, 1e-6);
}

// The stages of the bulk-copy ring: a power of two holding 128 KiB of tiles (at least 2), consumer
// warps dividing them (each stage has one consumer: its parity waits cannot skip a phase), and
// the whole fitting sm_90's 227 KiB of shared memory per block.
TEST(MovementOffChipBulkPlan, StagesConsumersAndSharedMemory) {
  for (uint32_t tile : {1024u, 4096u, 16384u, 65536u}) {
    SCOPED_TRACE(tile);
    const auto p = movement::offchip::plan_bulk_stream(tile, 1024, 1, 132);
    EXPECT_GE(p.stages, 2);
    EXPECT_LE(p.stages, 128);
    EXPECT_EQ(p.stages & (p.stages - 1), 0);
    EXPECT_EQ(size_t(p.stages) * tile, 128u * 1024u);
    EXPECT_GE(p.consumers, 1);
    EXPECT_LE(p.consumers, 8);
    EXPECT_EQ(p.stages % p.consumers, 0);
    EXPECT_LE(p.smem_bytes(), 227u * 1024u);
    EXPECT_GE(p.smem_bytes(), size_t(p.stages) * tile + 16u * p.stages);
  }
}

TEST(MovementOffChipHelpers, SizeText) {
  using movement::offchip::size_text;
  EXPECT_EQ(size_text(16 * 1024), "16KiB");
  EXPECT_EQ(size_text(20ll << 20), "20MiB");
  EXPECT_EQ(size_text(2ll << 30), "2GiB");
  EXPECT_EQ(size_text(1000), "1000B");
}

}  // namespace
}  // namespace tcb
