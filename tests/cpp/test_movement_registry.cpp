// The on-chip half of the movement family as the registry sees it (no GPU): it is registered,
// its names are unique and complete, every benchmark says what it issues, where its rows go and
// where its SASS is, and it refuses the architectures it cannot run on with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "families/movement/movement.hpp"
#include "harness/core/benchmark.hpp"
#include "harness/core/regex.hpp"
#include "harness/device/device_info.hpp"

namespace tcb {
namespace {

const std::vector<core::Benchmark>& on_chip() {
  static const std::vector<core::Benchmark> list = movement::on_chip_benchmarks();
  return list;
}

DeviceInfo device_of_sm(int sm) {
  DeviceInfo d;
  d.sm = sm;
  d.sm_count = 132;
  return d;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(MovementRegistry, TheFamilyIsRegisteredWithItsOnChipBenchmarks) {
  const auto families = core::family_names();
  ASSERT_NE(std::find(families.begin(), families.end(), "movement"), families.end());
  std::set<std::string> registered;
  for (const auto& b : core::benchmarks())
    if (b.family() == "movement") registered.insert(b.name());
  for (const auto& b : on_chip()) EXPECT_TRUE(registered.count(b.name())) << b.name() << " not in the registry";
}

TEST(MovementRegistry, OnChipNamesAreUniqueAndComplete) {
  std::set<std::string> names;
  for (const auto& b : on_chip()) EXPECT_TRUE(names.insert(b.name()).second) << "duplicate " << b.name();
  for (const char* want :
       {"smem.load.b32",     "smem.load.b64",     "smem.load.b128",    "smem.store.b32", "smem.store.b64",
        "smem.store.b128",   "ldmatrix.x1",       "ldmatrix.x2",       "ldmatrix.x4",    "ldmatrix.x1.trans",
        "ldmatrix.x2.trans", "ldmatrix.x4.trans", "stmatrix.x1",       "stmatrix.x2",    "stmatrix.x4",
        "stmatrix.x1.trans", "stmatrix.x2.trans", "stmatrix.x4.trans", "cp.async.ca.4",  "cp.async.ca.8",
        "cp.async.ca.16",    "cp.async.cg.16",    "dsmem.load"})
    EXPECT_TRUE(names.count(want)) << want << " missing";
  EXPECT_EQ(names.size(), 23u);
}

TEST(MovementRegistry, EveryBenchmarkSaysWhatItIssuesAndWhereItsRowsAndSassAre) {
  for (const auto& b : on_chip()) {
    SCOPED_TRACE(b.name());
    EXPECT_EQ(b.family(), "movement");
    EXPECT_EQ(b.table, "movement");
    EXPECT_FALSE(b.row.ptx.empty());
    EXPECT_TRUE(b.unsupported != nullptr);
    EXPECT_TRUE(b.run != nullptr);
    EXPECT_FALSE(b.sass_kernel.empty());
    ASSERT_FALSE(b.sass_opcodes.empty());
    EXPECT_EQ(regex_problem(b.sass_opcodes), "");
  }
}

TEST(MovementRegistry, PtxNamesTheInstructionOfEachPath) {
  for (const auto& b : on_chip()) {
    SCOPED_TRACE(b.name());
    const std::string& p = b.row.ptx;
    if (starts_with(b.name(), "smem.load")) EXPECT_TRUE(starts_with(p, "ld.shared"));
    if (starts_with(b.name(), "smem.store")) EXPECT_TRUE(starts_with(p, "st.shared"));
    if (starts_with(b.name(), "ldmatrix")) EXPECT_TRUE(starts_with(p, "ldmatrix.sync.aligned.m8n8"));
    if (starts_with(b.name(), "stmatrix")) EXPECT_TRUE(starts_with(p, "stmatrix.sync.aligned.m8n8"));
    if (starts_with(b.name(), "cp.async")) EXPECT_TRUE(starts_with(p, "cp.async.c"));
    if (b.name().find(".trans") != std::string::npos) EXPECT_NE(p.find(".trans"), std::string::npos);
  }
}

// The SASS opcodes each regex must accept and refuse: LDS.128 is not LDSM, .cg is the BYPASS form.
TEST(MovementRegistry, SassRegexesTellTheAccessesApart) {
  auto regex_of = [](const std::string& name) {
    for (const auto& b : on_chip())
      if (b.name() == name) return Regex(b.sass_opcodes);
    ADD_FAILURE() << name << " missing";
    return Regex("^$");
  };
  EXPECT_TRUE(regex_of("smem.load.b32").search("LDS"));
  EXPECT_FALSE(regex_of("smem.load.b32").search("LDSM.16.M88.4"));
  EXPECT_FALSE(regex_of("smem.load.b32").search("LDS.128"));
  EXPECT_TRUE(regex_of("smem.load.b128").search("LDS.128"));
  EXPECT_TRUE(regex_of("smem.store.b64").search("STS.64"));
  EXPECT_TRUE(regex_of("ldmatrix.x4.trans").search("LDSM.16.MT88.4"));
  EXPECT_TRUE(regex_of("stmatrix.x2").search("STSM.16.M88.2"));
  EXPECT_TRUE(regex_of("cp.async.cg.16").search("LDGSTS.E.BYPASS.128"));
  EXPECT_FALSE(regex_of("cp.async.ca.16").search("LDGSTS.E.BYPASS.128"));
  EXPECT_TRUE(regex_of("cp.async.ca.16").search("LDGSTS.E.128"));
  EXPECT_TRUE(regex_of("cp.async.ca.4").search("LDGSTS.E"));
  EXPECT_TRUE(regex_of("dsmem.load").search("LD.E.128"));
  EXPECT_FALSE(regex_of("dsmem.load").search("LDS.128"));
}

// sm_90 instructions (stmatrix, clusters) are refused on sm_80 with the reason; everything else
// is not refused for its architecture (without a GPU or without an image for sm_80 in this
// build the reason may name the missing kernel image, never the architecture).
TEST(MovementRegistry, UnsupportedNamesTheArchitectureItNeeds) {
  const DeviceInfo ampere = device_of_sm(80), hopper = device_of_sm(90), turing = device_of_sm(75);
  for (const auto& b : on_chip()) {
    SCOPED_TRACE(b.name());
    const bool needs_hopper = starts_with(b.name(), "stmatrix") || starts_with(b.name(), "dsmem");
    const std::string on_ampere = b.unsupported(ampere);
    if (needs_hopper) {
      EXPECT_NE(on_ampere.find("needs sm_90+; this GPU is sm_80"), std::string::npos) << on_ampere;
    } else {
      EXPECT_EQ(on_ampere.find("needs sm_"), std::string::npos) << on_ampere;
    }
    EXPECT_EQ(b.unsupported(hopper).find("needs sm_"), std::string::npos) << b.unsupported(hopper);
    if (starts_with(b.name(), "cp.async"))
      EXPECT_NE(b.unsupported(turing).find("needs sm_80+"), std::string::npos) << b.unsupported(turing);
  }
}

}  // namespace
}  // namespace tcb
