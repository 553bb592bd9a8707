// The numerics validation's random cases: deterministic, in range, every kind present, and
// written in the `tcbench model` text format.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "families/mma/numerics_cases.hpp"
#include "families/mma/operands.hpp"
#include "ptx/mma_sync.hpp"

namespace tcb {
namespace {

TEST(NumericsCases, DeterministicForASeedAndDifferentAcrossSeeds) {
  const AtomInfo& a = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  auto x = random_cases(a, 1, 50), y = random_cases(a, 1, 50), z = random_cases(a, 2, 50);
  ASSERT_EQ(x.size(), 50u);
  int same = 0;
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(x[i].dot.a, y[i].dot.a);
    EXPECT_EQ(x[i].dot.c, y[i].dot.c);
    same += x[i].dot.a == z[i].dot.a;
  }
  EXPECT_LT(same, 5);
}

TEST(NumericsCases, FloatCasesCoverEveryKindAndStayInTheirFormats) {
  const AtomInfo& a = atoms::SM80_16x8x8_F32TF32TF32F32_TN::info;
  std::map<CaseKind, int> kinds;
  int raw_low_bits = 0, nonfinite = 0;
  for (const auto& g : random_cases(a, 7, 4000)) {
    ++kinds[g.kind];
    ASSERT_EQ(g.dot.a.size(), size_t(a.k));
    for (size_t i = 0; i < g.dot.a.size(); ++i) {
      EXPECT_LE(g.dot.a[i], 0xffffffffULL);
      if (g.dot.a[i] & 0x1fff) {
        ++raw_low_bits;
        EXPECT_EQ(g.dot.a.size(), size_t(a.k));
        EXPECT_EQ(int(g.kind), int(CaseKind::raw_tf32)) << "only raw-fp32 cases set tf32's low 13 bits";
      }
      nonfinite += !std::isfinite(decode_value(DType::f32, g.dot.a[i] | 0));
      if (g.kind != CaseKind::special) EXPECT_TRUE(std::isfinite(decode_value(a.a, g.dot.a[i] & ~0x1fffULL)));
    }
  }
  for (CaseKind k : {CaseKind::wide, CaseKind::narrow, CaseKind::cancel, CaseKind::subnormal, CaseKind::short_k,
                     CaseKind::raw_tf32, CaseKind::special})
    EXPECT_GT(kinds[k], 40) << case_kind_name(k);
  EXPECT_GT(raw_low_bits, 0);
  EXPECT_GT(nonfinite, 0);
}

TEST(NumericsCases, IntegerCasesPushTheAccumulatorToItsLimits) {
  const AtomInfo& a = atoms::SM80_16x8x32_S32S8S8S32_TN::info;
  int near_max = 0;
  for (const auto& g : random_cases(a, 3, 400)) {
    EXPECT_EQ(int(g.kind), int(CaseKind::int_full));
    for (uint64_t v : g.dot.a) EXPECT_LE(v, 0xffULL);
    near_max += g.dot.c >= 0x7fff0000ULL && g.dot.c <= 0x7fffffffULL;
  }
  EXPECT_GT(near_max, 50);
}

TEST(NumericsCases, CaseLineHasTheModelsFieldsAndWidths) {
  const AtomInfo& a = atoms::SM89_16x8x32_F16E4M3E5M2F16_TN::info;
  DotCase c;
  c.a = {0x38, 0x01};
  c.b = {0x3c};
  c.c = 0x3c00;
  std::istringstream in(case_line(a, c));
  std::vector<std::string> f;
  for (std::string s; in >> s;) f.push_back(s);
  ASSERT_EQ(f.size(), size_t(2 * a.k + 1));
  EXPECT_EQ(f[0], "38");
  EXPECT_EQ(f[1], "01");
  EXPECT_EQ(f[2], "00");
  EXPECT_EQ(f[a.k], "3c");
  EXPECT_EQ(f.back(), "3c00");
  EXPECT_EQ(hex_width(DType::tf32), 8);
  EXPECT_EQ(hex_width(DType::s4), 1);
}

}  // namespace
}  // namespace tcb
