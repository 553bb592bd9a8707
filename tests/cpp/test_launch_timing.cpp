// A launch's clock from its per-block timing records (core::summarise_launch).
#include <gtest/gtest.h>

#include <vector>

#include "harness/core/state.hpp"
#include "harness/core/timing.cuh"

namespace {

using tcb::core::summarise_launch;

// One block's record: clock64 start/end, %globaltimer start/end (ns), SM id.
void add_block(std::vector<unsigned long long>* t, unsigned long long cycles, unsigned long long ns, unsigned sm) {
  const unsigned long long c0 = 1000, n0 = 5000;
  t->insert(t->end(), {c0, c0 + cycles, n0, n0 + ns, sm});
  static_assert(tcb::kTimingWords == 5, "record layout: 5 words per block");
}

TEST(LaunchTiming, ClockIsTheWorkingBlocksNotAQuickExit) {
  // A 2-block cluster: block 0 chases for 100 us at 1980 MHz; block 1 only waits and leaves after
  // 256 ns, in which %globaltimer's coarse steps read 981 cycles: 3832 "MHz".
  std::vector<unsigned long long> t;
  add_block(&t, 198000, 100000, 0);
  add_block(&t, 981, 256, 1);
  const auto s = summarise_launch(t.data(), 2, 132);
  EXPECT_NEAR(s.sm_clock_mhz, 1980.0, 0.5);
  EXPECT_EQ(s.sms, 2);
}

TEST(LaunchTiming, ClockIsTheMedianOverBlocksOfSimilarLength) {
  std::vector<unsigned long long> t;
  add_block(&t, 170000, 100000, 0);  // 1700 MHz
  add_block(&t, 180000, 100000, 1);  // 1800
  add_block(&t, 190000, 100000, 2);  // 1900
  const auto s = summarise_launch(t.data(), 3, 132);
  EXPECT_NEAR(s.sm_clock_mhz, 1800.0, 0.5);
  EXPECT_DOUBLE_EQ(s.cycles, 170000.0);  // block 0's own span
  EXPECT_DOUBLE_EQ(s.ns, 100000.0);
}

}  // namespace
