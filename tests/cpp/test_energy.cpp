// The energy family without a GPU: its registration, the arithmetic of a reading with known
// numbers, the closed-form checksums of its movement kernels, its config setting, and the rows'
// reason where NVML cannot read energy.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

#include "families/energy/energy.hpp"
#include "families/energy/energy_math.hpp"
#include "families/energy/family.hpp"
#include "families/energy/load.hpp"
#include "families/energy/stream_kernels.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/benchmark.hpp"
#include "harness/core/config.hpp"
#include "harness/device/nvml.hpp"

namespace tcb::energy {
namespace {

std::vector<const core::Benchmark*> energy_benchmarks() {
  std::vector<const core::Benchmark*> out;
  for (const auto& b : core::benchmarks())
    if (b.family() == "energy") out.push_back(&b);
  return out;
}

// ---- registration -------------------------------------------------------------------------------

TEST(EnergyFamily, RegistersIdleFirstThenInstructionsThenPaths) {
  const auto names = core::family_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "energy"), names.end());
  // Its own sweep: a config that names no family does not run it.
  const auto defaults = core::default_family_names();
  EXPECT_EQ(std::find(defaults.begin(), defaults.end(), "energy"), defaults.end());
  const std::vector<std::string> unnamed = SweepConfig{}.families;
  EXPECT_EQ(std::find(unnamed.begin(), unnamed.end(), "energy"), unnamed.end());
  EXPECT_FALSE(unnamed.empty());
  const auto benches = energy_benchmarks();
  ASSERT_EQ(benches.size(), 1 + representative_atoms().size() + 3);
  EXPECT_EQ(benches.front()->name(), "idle");
  std::set<std::string> seen;
  for (const auto* b : benches) {
    EXPECT_EQ(b->table, "energy") << b->name();
    EXPECT_EQ(b->selection_tag, "energy/" + b->name());
    EXPECT_TRUE(b->unsupported) << b->name();
    EXPECT_TRUE(b->run) << b->name();
    EXPECT_TRUE(seen.insert(b->name()).second) << b->name() << " twice";
  }
  EXPECT_EQ(benches[benches.size() - 3]->name(), "dram_read");
  EXPECT_EQ(benches[benches.size() - 2]->name(), "l2_read");
  EXPECT_EQ(benches.back()->name(), "shared_read");
  EXPECT_EQ(benches.back()->sass_opcodes, "^LDS");
}

// The instruction family an atom name belongs to, from its spelling (families/mma tables).
Family family_of_name(const std::string& n) {
  if (n.find("WMMA") != std::string::npos) return Family::wmma;
  if (n.find("_SPARSE_SEL") != std::string::npos) return Family::mma_sp;
  if (n.rfind("SM90_64x", 0) == 0 || n.rfind("SM90_SPARSE_", 0) == 0) return Family::wgmma;
  return Family::mma_sync;
}

// A misspelt name would silently become a skipped row: every representative of a family this
// build has must be in the atom registry.
TEST(EnergyFamily, EveryRepresentativeOfABuiltFamilyIsARegisteredAtom) {
  std::set<Family> built;
  for (const auto& b : registry()) built.insert(b.info.family);
  ASSERT_FALSE(built.empty());
  int checked = 0;
  for (const std::string& name : representative_atoms()) {
    if (!built.count(family_of_name(name))) continue;
    const auto it = std::find_if(registry().begin(), registry().end(),
                                 [&](const Benchmark& b) { return b.info.name == name; });
    ASSERT_NE(it, registry().end()) << name << " is not a registered atom";
    EXPECT_EQ(it->info.family, family_of_name(name)) << name;
    EXPECT_GT(instruction_chain_steps(name), 0) << name;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// Integer chains accumulate: the chosen length must leave s8 operands their full range
// (families/mma/operands.cpp halves it once steps x k x 128 x 128 exceeds INT32_MAX - 2^20).
TEST(EnergyFamily, IntegerChainsKeepFullRangeOperands) {
  for (const auto& b : registry()) {
    if (std::find(representative_atoms().begin(), representative_atoms().end(), b.info.name) ==
        representative_atoms().end())
      continue;
    if (dtype_is_float(b.info.d)) {
      EXPECT_GE(instruction_chain_steps(b.info.name), 2045) << b.info.name;
      continue;
    }
    const long long steps = instruction_chain_steps(b.info.name);
    EXPECT_EQ(steps % 2, 1) << b.info.name << ": chains are odd";
    EXPECT_LE(steps * b.info.k * 128LL * 128LL, (long long)INT_MAX - (1LL << 20)) << b.info.name;
  }
}

// Where NVML cannot read energy (this machine has no driver), every row is skipped saying why.
TEST(EnergyFamily, WithoutNvmlEveryBenchmarkSaysWhy) {
  if (Nvml::instance().available()) GTEST_SKIP() << "NVML has a device open here";
  DeviceInfo dev;
  dev.sm = 90;
  for (const auto* b : energy_benchmarks()) {
    const std::string why = b->unsupported(dev);
    EXPECT_NE(why.find("NVML"), std::string::npos) << b->name() << ": " << why;
    EXPECT_NE(why.find("board energy cannot be read"), std::string::npos) << b->name() << ": " << why;
  }
}

TEST(EnergyFamily, UnavailableReasons) {
  EXPECT_EQ(energy_unavailable_reason(true, true, true, false), "");
  EXPECT_EQ(energy_unavailable_reason(true, true, false, true), "");
  EXPECT_NE(energy_unavailable_reason(false, false, false, false).find("NVML is not available"), std::string::npos);
  EXPECT_NE(energy_unavailable_reason(true, false, false, false).find("no handle"), std::string::npos);
  EXPECT_NE(energy_unavailable_reason(true, true, false, false).find("neither"), std::string::npos);
}

TEST(EnergyFamily, MethodJsonDescribesTheSampling) {
  const nlohmann::json j = energy_method_json();
  for (const char* k : {"source", "poll_period_ms", "ramp_discarded_s", "steady_window_s", "tail_discarded_s", "idle",
                        "per_operation", "above_idle", "covers"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_DOUBLE_EQ(j["ramp_discarded_s"].get<double>(), kRampS);
  EXPECT_DOUBLE_EQ(j["poll_period_ms"].get<double>(), kPollPeriodS * 1e3);
  if (!Nvml::instance().available()) {
    EXPECT_EQ(j["source"], "none");
    EXPECT_NE(j["unavailable_reason"].get<std::string>().find("NVML"), std::string::npos);
  }
}

// ---- arithmetic ---------------------------------------------------------------------------------

TEST(EnergyMath, TrapezoidOfConstantAndRampingPower) {
  const std::vector<TimedValue> flat = {{0, 100}, {1, 100}, {2, 100}};
  EXPECT_DOUBLE_EQ(trapezoid_joules(flat, 0, 2), 200);
  EXPECT_DOUBLE_EQ(trapezoid_joules(flat, 0.25, 1.75), 150);
  const std::vector<TimedValue> ramp = {{0, 0}, {1, 100}};  // 0 -> 100 W over a second
  EXPECT_DOUBLE_EQ(trapezoid_joules(ramp, 0, 1), 50);
  EXPECT_DOUBLE_EQ(trapezoid_joules(ramp, 0.5, 1), 37.5);  // edges interpolated: 50 W -> 100 W
  const std::vector<TimedValue> step = {{0, 100}, {1, 100}, {1.5, 300}, {3, 300}};
  EXPECT_DOUBLE_EQ(trapezoid_joules(step, 0, 3), 100 + 100 + 450);
  EXPECT_TRUE(std::isnan(trapezoid_joules(flat, -1, 1)));  // outside the samples
  EXPECT_TRUE(std::isnan(trapezoid_joules(flat, 1, 3)));
}

TEST(EnergyMath, CounterStaircaseBecomesUpdateInstants) {
  // Polled every 10 ms, a counter that steps by 2 J every 20 ms (100 W): the update instants
  // are placed midway between the polls around each step.
  std::vector<TimedValue> polls;
  for (int i = 0; i <= 10; ++i) polls.push_back({0.010 * i, 2.0 * ((i + 1) / 2)});
  const auto u = counter_updates(polls);
  ASSERT_EQ(u.size(), 6u);  // the first reading, then the five steps
  EXPECT_DOUBLE_EQ(u[0].t_s, 0);
  EXPECT_DOUBLE_EQ(u[0].value, 0);
  EXPECT_NEAR(u[1].t_s, 0.005, 1e-12);
  EXPECT_DOUBLE_EQ(u[1].value, 2);
  EXPECT_NEAR(u[5].t_s, 0.085, 1e-12);
  EXPECT_DOUBLE_EQ(u[5].value, 10);
  EXPECT_NEAR(median_interval_s(u), 0.020, 1e-12);
  // 100 W between the instants: 0.03 s -> 3 J, interpolated inside a step.
  EXPECT_NEAR(counter_joules(u, 0.015, 0.045), 3.0, 1e-9);
  EXPECT_NEAR(counter_joules(u, 0.010, 0.080), 7.0, 1e-9);  // 70 ms at 100 W
  EXPECT_TRUE(std::isnan(counter_joules(u, 0.0, 0.2)));
}

TEST(EnergyMath, PicojoulesPerWorkAndAboveIdle) {
  EXPECT_DOUBLE_EQ(picojoules_per(1.0, 1e12), 1.0);           // 1 J over 1e12 FMA
  EXPECT_DOUBLE_EQ(picojoules_per(700, 5e14), 1.4);           // 700 W for 1 s at 500 TFMA/s
  // 700 J in 1 s above a 100 W idle: 600 J over 5e14 FMA.
  EXPECT_DOUBLE_EQ(above_idle_joules(700, 100, 1), 600);
  EXPECT_DOUBLE_EQ(picojoules_per(above_idle_joules(700, 100, 1), 5e14), 1.2);
  EXPECT_TRUE(std::isnan(picojoules_per(1, 0)));
}

TEST(EnergyMath, HostTimelineSplitsTheSlack) {
  // Three 10 ms launches 1 ms apart on the GPU clock; the host saw 40 ms around them.
  const std::vector<GpuSpan> gpu = {{1e9, 1e9 + 10e6}, {1e9 + 11e6, 1e9 + 21e6}, {1e9 + 22e6, 1e9 + 32e6}};
  EXPECT_NEAR(placement_slack_s(gpu, 5.0, 5.040), 0.008, 1e-12);
  const auto h = host_timeline(gpu, 5.0, 5.040);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_NEAR(h[0].start_s, 5.004, 1e-9);  // half the 8 ms slack before
  EXPECT_NEAR(h[0].end_s, 5.014, 1e-9);
  EXPECT_NEAR(h[2].start_s, 5.026, 1e-9);
  EXPECT_NEAR(h[2].end_s, 5.036, 1e-9);
}

TEST(EnergyMath, SteadyPartsSkipRampAndTailAndTileTheWindow) {
  std::vector<HostSpan> spans;
  for (int i = 0; i < 60; ++i) spans.push_back({0.1 * i, 0.1 * i + 0.099});  // 6 s of 100 ms launches
  // Ramp and tail chosen off the launch boundaries (no equality for rounding to decide).
  const auto parts = steady_parts(spans, 0.95, 0.45, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts.front().first, 10);               // the first to start after 0.95 s
  EXPECT_EQ(parts.back().last, 54);                 // the last to end before 5.999 - 0.45 s
  for (size_t p = 1; p < parts.size(); ++p) {
    EXPECT_EQ(parts[p].first, parts[p - 1].last + 1);
    EXPECT_DOUBLE_EQ(parts[p].start_s, parts[p - 1].end_s);  // tiled: each gap belongs to a part
  }
  int launches = 0;
  for (const auto& p : parts) launches += p.launches();
  EXPECT_EQ(launches, 45);
  for (const auto& p : parts) EXPECT_EQ(p.launches(), 15);
  for (const auto& p : parts) EXPECT_NEAR(p.seconds(), 1.5, 0.002);
  // Fewer launches than parts: one part each. None in the window: no part.
  EXPECT_EQ(steady_parts({{0, 1}, {1, 2}, {2, 3}, {3, 4}}, 1.0, 1.0, 5).size(), 2u);
  EXPECT_TRUE(steady_parts({{0, 1}, {1, 2}}, 1.0, 1.0, 3).empty());
}

TEST(EnergyMath, LaunchCountsAndParts) {
  EXPECT_EQ(launches_for(0.5, 1.0, 3.5, 0.5), 10);
  EXPECT_EQ(launches_for(0.3, 1.0, 3.5, 0.5), 17);  // rounded up: the window is never short
  EXPECT_EQ(launches_for(10.0, 1.0, 3.5, 0.5), 3);
  EXPECT_EQ(launches_for(0, 1.0, 3.5, 0.5), 3);
  EXPECT_EQ(parts_for(3.5), 3);
  EXPECT_EQ(parts_for(1.0), 1);
  EXPECT_EQ(parts_for(0.5), 1);
}

TEST(EnergyMath, NvmlSamplePeriodIsTheMedianInterval) {
  EXPECT_DOUBLE_EQ(Nvml::median_interval_ms({1000, 21000, 41000, 61000, 200000}), 20.0);
  EXPECT_DOUBLE_EQ(Nvml::median_interval_ms({5}), 0.0);
}

// ---- the movement kernels' closed forms -----------------------------------------------------------

TEST(EnergyKernels, StreamChecksumMatchesTheWordsSummed) {
  for (size_t n : {size_t(1), size_t(2), size_t(7), size_t(1000), size_t(4096)}) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum += i * kFillMultiplier + (i == 0 ? 1 : 0);
    EXPECT_EQ(expected_stream_sum(n, 1), sum) << n;
    EXPECT_EQ(expected_stream_sum(n, 3), 3 * sum) << n;
  }
  // Odd per pass: no number of passes below 2^64 sums to zero, and fewer passes differ.
  const size_t gib_words = (size_t(1) << 30) / 8;
  EXPECT_EQ(expected_stream_sum(gib_words, 1) % 2, 1u);
  EXPECT_NE(expected_stream_sum(gib_words, 64), expected_stream_sum(gib_words, 32));
}

TEST(EnergyKernels, SharedChecksumIsOddAndScalesWithIterations) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < 512u * kSharedVectorsPerThread * 4; ++i) s += shared_word(i);
  EXPECT_EQ(expected_shared_sum(512, 1), s);
  EXPECT_EQ(s % 2, 1u);
  EXPECT_EQ(expected_shared_sum(512, 77777), uint32_t(s * 77777u));
  EXPECT_NE(expected_shared_sum(512, 77777), expected_shared_sum(512, 77776));
  EXPECT_EQ(shared_stream_bytes(512), 512u * kSharedVectorsPerThread * 16);
}

// ---- the config setting ---------------------------------------------------------------------------

TEST(EnergyConfig, WindowSecondsAreReadAndBounded) {
  EXPECT_DOUBLE_EQ(load_config_text("name: x\n", "t").energy_window_s, 3.5);
  EXPECT_DOUBLE_EQ(load_config_text("families: [energy]\nenergy:\n  window_s: 1.25\n", "t").energy_window_s, 1.25);
  auto error_of = [](const std::string& yaml) -> ConfigError {
    try {
      load_config_text(yaml, "cfg.yaml");
    } catch (const ConfigError& e) {
      return e;
    }
    ADD_FAILURE() << "no error for " << yaml;
    return ConfigError("", 0, "", "");
  };
  for (const char* bad : {"0.1", "61", ".nan", "-1", "x"}) {
    const ConfigError e = error_of(std::string("name: x\nenergy:\n  window_s: ") + bad + "\n");
    EXPECT_EQ(e.field, "energy.window_s") << bad;
    EXPECT_EQ(e.line, 3) << bad;
    EXPECT_EQ(e.file, "cfg.yaml");
  }
  EXPECT_NE(std::string(error_of("energy:\n  window_s: 0.1\n").what()).find("between 0.5 and 60"), std::string::npos);
  EXPECT_EQ(error_of("energy:\n  windows: 1\n").field, "energy.windows");
  EXPECT_EQ(error_of("energy: 3\n").field, "energy");
}

// Adding configs/energy.yaml shifted the config fuzz test's cases onto a text yaml-cpp 0.7's
// LoadAll never finishes (a document beginning with ','): the loader must refuse it, not hang.
TEST(EnergyConfig, AStrayCommaIsASyntaxErrorNotAnEndlessParse) {
  for (const char* yaml : {",name: x\nwarmup: 2\n", "--- !tag\n,name: x\n", "&a ,\n"}) {
    try {
      load_config_text(yaml, "cfg.yaml");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("YAML syntax error"), std::string::npos) << e.what();
      EXPECT_EQ(e.line, 1) << e.what();
    }
  }
  // A real second document is still named as one.
  try {
    load_config_text("name: x\n---\n,\n", "cfg.yaml");
    ADD_FAILURE() << "accepted two documents";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("second YAML document"), std::string::npos) << e.what();
    EXPECT_EQ(e.line, 2);
  }
}

TEST(EnergyConfig, ShippedEnergySweepParses) {
  const SweepConfig c = load_config_file(std::string(TCB_SOURCE_DIR) + "/configs/energy.yaml");
  EXPECT_EQ(c.name, "energy");
  EXPECT_EQ(c.families, std::vector<std::string>{"energy"});
  EXPECT_EQ(c.data, DataMode::random);
  EXPECT_DOUBLE_EQ(c.energy_window_s, 3.5);
}

}  // namespace
}  // namespace tcb::energy
