// Architecture names and ranges (harness/core/arch_range.hpp), and the ranges the families
// declare: Blackwell atoms exist only on their targets, wgmma needs sm_90a, and the runner's
// reason for a skip names the range and the GPU.
#include <gtest/gtest.h>

#include <string>

#include "harness/core/arch_range.hpp"
#include "harness/core/benchmark.hpp"
#include "run_tcbench.hpp"

namespace tcb {
namespace {

TEST(ArchRange, ParsesNamesWithSuffixes) {
  auto a = parse_arch("sm_90a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sm, 90);
  EXPECT_EQ(a->suffix, 'a');
  a = parse_arch("compute_100f");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sm, 100);
  EXPECT_EQ(a->suffix, 'f');
  a = parse_arch("SM_86");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sm, 86);
  EXPECT_EQ(a->suffix, 0);
  EXPECT_EQ(arch_name(*parse_arch("120f")), "sm_120f");
  EXPECT_FALSE(parse_arch("sm_"));
  EXPECT_FALSE(parse_arch("sm_90x"));
  EXPECT_FALSE(parse_arch("sm_90af"));
  EXPECT_FALSE(parse_arch("hopper"));
}

TEST(ArchRange, ParsesBuildLists) {
  const auto list = parse_arch_list("75,80;90a, 100f");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(arch_name(list[2]), "sm_90a");
  EXPECT_EQ(arch_name(list[3]), "sm_100f");
  EXPECT_EQ(parse_arch_list("bad,80").size(), 1u);
}

TEST(ArchRange, ContainsAndDescribes) {
  const ArchRange i8{100, 100, true};
  EXPECT_TRUE(i8.contains(100));
  EXPECT_FALSE(i8.contains(90));
  EXPECT_FALSE(i8.contains(103));
  EXPECT_EQ(i8.describe(), "sm_100a..sm_100a");
  const ArchRange open{80, 0, false};
  EXPECT_TRUE(open.contains(120));
  EXPECT_FALSE(open.contains(75));
  EXPECT_EQ(open.describe(), "sm_80+");
  EXPECT_EQ(ArchRange{}.describe(), "any");
  EXPECT_TRUE(ArchRange{}.contains(70) || !ArchRange{}.declared());
}

TEST(ArchRange, RangeProblemNamesRangeAndGpu) {
  EXPECT_EQ(range_problem({100, 100, true}, 90), "needs sm_100a..sm_100a; this GPU is sm_90");
  EXPECT_EQ(range_problem({100, 100, true}, 100), "");
  EXPECT_EQ(range_problem({}, 75), "");  // no range declared: every GPU
  EXPECT_EQ(range_problem({70, 89, false}, 90), "needs sm_70..sm_89; this GPU is sm_90");
}

TEST(ArchRange, BuildProblemNeedsSuffixedTargetsForArchSpecificRanges) {
  const ArchRange tcgen05{100, 103, true};
  EXPECT_EQ(build_problem(tcgen05, "100f"), "");
  EXPECT_EQ(build_problem(tcgen05, "80,90a,100a"), "");
  EXPECT_NE(build_problem(tcgen05, "80,90a"), "");
  EXPECT_NE(build_problem(tcgen05, "100"), "");  // plain sm_100 cannot hold tcgen05
  EXPECT_NE(build_problem(tcgen05, "80,90a").find("built for 80,90a"), std::string::npos);
  EXPECT_EQ(build_problem({75, 0, false}, "80"), "");
  EXPECT_NE(build_problem({90, 90, true}, "80,86"), "");
}

const core::Benchmark* find(const std::string& family, const std::string& name) {
  for (const auto& b : core::benchmarks())
    if (b.family() == family && b.name() == name) return &b;
  return nullptr;
}

TEST(ArchRange, BlackwellAtomsDeclareTheirRangeAndAreUnmeasured) {
  int n = 0;
  for (const auto& b : core::benchmarks()) {
    if (b.family() != "blackwell") continue;
    ++n;
    EXPECT_FALSE(b.measured) << b.name();
    EXPECT_TRUE(b.arch_specific) << b.name();
    EXPECT_GE(b.min_sm, 100) << b.name();
    EXPECT_NE(range_problem(b.arch_range(), 90), "") << b.name();
    EXPECT_FALSE(b.sass_opcodes.empty()) << b.name();
  }
  EXPECT_EQ(n, 7);
  const core::Benchmark* i8 = find("blackwell", "SM100_128x128x32_S32S8S8_SS");
  ASSERT_NE(i8, nullptr);
  EXPECT_EQ(range_problem(i8->arch_range(), 90), "needs sm_100a..sm_100a; this GPU is sm_90");
  EXPECT_NE(range_problem(i8->arch_range(), 103), "");  // i8 is not in the sm_100f family
  const core::Benchmark* f16 = find("blackwell", "SM100_128x128x16_F32F16F16_SS");
  ASSERT_NE(f16, nullptr);
  EXPECT_EQ(range_problem(f16->arch_range(), 103), "");
  const core::Benchmark* nvf4 = find("blackwell", "SM120_16x8x64_F32E2M1E2M1F32_UE4M3");
  ASSERT_NE(nvf4, nullptr);
  EXPECT_EQ(range_problem(nvf4->arch_range(), 120), "");
  EXPECT_NE(range_problem(nvf4->arch_range(), 100), "");
}

TEST(ArchRange, MmaAtomsCarryTheirTableRange) {
  int wgmma = 0;
  for (const auto& b : core::benchmarks()) {
    if (b.family() == "blackwell") continue;
    if (b.family() == "wgmma") {
      ++wgmma;
      EXPECT_TRUE(b.arch_specific) << b.name();
      EXPECT_EQ(b.min_sm, 90) << b.name();
      EXPECT_NE(range_problem(b.arch_range(), 80), "") << b.name();
    }
    if (b.family() == "mma.sync" || b.family() == "mma.sp" || b.family() == "wmma")
      EXPECT_GE(b.min_sm, 70) << b.name();
  }
  EXPECT_GT(wgmma, 0);
}

// `tcbench info --arch` needs no GPU: one line per benchmark, run or skip with the runner's reason.
TEST(ArchRange, InfoArchListsRunsAndSkipsWithoutAGpu) {
  const CliResult r = run_tcbench("info --arch sm_90a");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("skip  blackwell  SM100_128x128x32_S32S8S8_SS"), std::string::npos) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("needs sm_100a..sm_100a; this GPU is sm_90"), std::string::npos);
  EXPECT_NE(r.out.find("run   wgmma"), std::string::npos);
  EXPECT_NE(r.out.find("on sm_90: "), std::string::npos);
  const CliResult old = run_tcbench("info --arch sm_75");
  ASSERT_EQ(old.code, 0);
  EXPECT_NE(old.out.find("needs sm_90a..sm_90a; this GPU is sm_75"), std::string::npos);
  const CliResult bad = run_tcbench("info --arch hopper");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("expected an architecture"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace tcb
