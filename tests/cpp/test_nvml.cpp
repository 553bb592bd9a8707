#include <gtest/gtest.h>

#include "harness/device/nvml.hpp"

using tcb::Nvml;

TEST(Nvml, DescribeReasons) {
  EXPECT_EQ(Nvml::describe_reasons(0), "none");
  EXPECT_EQ(Nvml::describe_reasons(0x1), "gpu_idle");
  EXPECT_EQ(Nvml::describe_reasons(0x4 | 0x8), "sw_power_cap|hw_slowdown");
  EXPECT_EQ(Nvml::describe_reasons(0x20 | 0x40 | 0x80), "sw_thermal_slowdown|hw_thermal_slowdown|hw_power_brake_slowdown");
  EXPECT_EQ(Nvml::describe_reasons(0x2 | 0x10 | 0x100), "applications_clocks_setting|sync_boost|display_clock_setting");
  EXPECT_EQ(Nvml::describe_reasons(0x1000), "other(0x1000)");
}

TEST(Nvml, IsThrottling) {
  EXPECT_FALSE(Nvml::is_throttling(0));
  EXPECT_FALSE(Nvml::is_throttling(0x1));          // idle
  EXPECT_FALSE(Nvml::is_throttling(0x2 | 0x100));  // clock settings, not a slowdown
  for (uint64_t bit : {0x4, 0x8, 0x10, 0x20, 0x40, 0x80}) EXPECT_TRUE(Nvml::is_throttling(bit)) << bit;
}

TEST(Nvml, QueriesFailCleanlyWithoutADevice) {
  Nvml& n = Nvml::instance();
  EXPECT_FALSE(n.open_device_by_pci_bus_id("0000:ff:1f.7"));  // no such bus id anywhere
  if (n.available()) GTEST_SKIP() << "a device was opened earlier in this process";
  unsigned u = 0;
  double w = 0;
  uint64_t mask = 0;
  EXPECT_FALSE(n.sm_clock_mhz(&u));
  EXPECT_FALSE(n.max_sm_clock_mhz(&u));
  EXPECT_FALSE(n.mem_clock_mhz(&u));
  EXPECT_FALSE(n.power_limit_w(&w));
  EXPECT_FALSE(n.power_usage_w(&w));
  EXPECT_FALSE(n.temperature_c(&u));
  EXPECT_FALSE(n.throttle_reasons(&mask));
  EXPECT_EQ(n.uuid(), "");
  if (!n.loaded()) {  // machines without NVML (CI, this host)
    EXPECT_EQ(n.driver_version(), "");
  }
}
