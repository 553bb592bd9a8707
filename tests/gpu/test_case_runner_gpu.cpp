// GPU tests of the numerics case runner: hand-made dot products through every numerics path
// come back where they were put, with exact sums where the sum is exactly representable.
#include <gtest/gtest.h>

#include <cmath>

#include "families/mma/case_runner.hpp"
#include "harness/device/device_info.hpp"
#include "families/mma/operands.hpp"
#include "families/mma/registry.hpp"

namespace tcb {
namespace {

// Small integers: every product and sum is exact in every float format (e4m3 holds 1..8).
DotCase exact_case(const AtomInfo& a, int seed, double* expect) {
  DotCase c;
  double sum = 0;
  for (int i = 0; i < a.k; ++i) {
    const bool neg_a = (i + seed) % 2 && (dtype_is_float(a.a) || dtype_is_signed_int(a.a));
    const bool neg_b = (i + 2 * seed) % 3 == 0 && (dtype_is_float(a.b) || dtype_is_signed_int(a.b));
    const double x = double((seed + i) % 3 + 1) * (neg_a ? -1 : 1);
    const double y = double((seed * 7 + i) % 2 + 1) * (neg_b ? -1 : 1);
    c.a.push_back(encode_value(a.a, x));
    c.b.push_back(encode_value(a.b, y));
    sum += x * y;
  }
  const double cv = double(seed % 5) - 2;
  c.c = encode_value(a.c, cv);
  *expect = sum + cv;
  return c;
}

TEST(GpuCaseRunner, CasesComeBackInOrderWithExactSumsOnEveryDensePath) {
  DeviceInfo dev;
  std::string why;
  if (!query_device(0, &dev, &why)) GTEST_SKIP() << "no GPU: " << why;
  int paths = 0;
  for (const Benchmark& b : registry()) {
    const AtomInfo& a = b.info;
    if (b.work != Work::mma || is_sparse(a) || a.a == DType::b1 || !a.exists_on(dev.sm)) continue;
    if (a.family == Family::wgmma && a.n != 64) continue;
    SCOPED_TRACE(a.name);
    CaseRunner runner(b);
    std::vector<DotCase> cases;
    std::vector<double> expect;
    for (int i = 0; i < runner.cases_per_launch() + 3; ++i) {  // a full launch and a partial one
      double e;
      cases.push_back(exact_case(a, i, &e));
      expect.push_back(e);
    }
    const auto d = runner.run(cases);
    ASSERT_EQ(d.size(), cases.size());
    for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(decode_value(a.d, d[i]), expect[i]) << "case " << i;
    ++paths;
  }
  EXPECT_GT(paths, 40);
}

}  // namespace
}  // namespace tcb
