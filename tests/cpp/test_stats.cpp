#include <gtest/gtest.h>

#include <cmath>

#include "harness/core/stats.hpp"

using tcb::summarize;

TEST(Stats, EmptyInputHasNoSamples) {
  const tcb::Summary s = summarize({});
  EXPECT_EQ(s.samples, 0);
  EXPECT_EQ(s.median, 0);
  EXPECT_EQ(s.cv, 0);
}

TEST(Stats, SingleSample) {
  const tcb::Summary s = summarize({42});
  EXPECT_EQ(s.samples, 1);
  EXPECT_DOUBLE_EQ(s.median, 42);
  EXPECT_DOUBLE_EQ(s.q1, 42);
  EXPECT_DOUBLE_EQ(s.q3, 42);
  EXPECT_DOUBLE_EQ(s.iqr, 0);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
  EXPECT_DOUBLE_EQ(s.cv, 0);
}

TEST(Stats, OddCountUnsortedInput) {
  // Sorted: 1 2 3 4 5 -> q1 at position 1, q3 at position 3 (type 7).
  const tcb::Summary s = summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(s.samples, 5);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.q1, 2);
  EXPECT_DOUBLE_EQ(s.q3, 4);
  EXPECT_DOUBLE_EQ(s.iqr, 2);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.5));  // sample stddev: sum of squares 10 / (n - 1)
  EXPECT_DOUBLE_EQ(s.cv, std::sqrt(2.5) / 3);
}

TEST(Stats, EvenCountInterpolates) {
  // Matches numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = 1.75, 2.5, 3.25.
  const tcb::Summary s = summarize({4, 3, 2, 1});
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.q1, 1.75);
  EXPECT_DOUBLE_EQ(s.q3, 3.25);
  EXPECT_DOUBLE_EQ(s.iqr, 1.5);
}

TEST(Stats, ZeroMeanGivesZeroCv) {
  const tcb::Summary s = summarize({-1, 1});
  EXPECT_DOUBLE_EQ(s.mean, 0);
  EXPECT_GT(s.stddev, 0);
  EXPECT_EQ(s.cv, 0);
}
