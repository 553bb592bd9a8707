#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/core/config.hpp"

#ifndef TCB_SOURCE_DIR
#define TCB_SOURCE_DIR "."
#endif

using tcb::ConfigError;
using tcb::SweepConfig;

namespace {

const char* kFile = "configs/x.yaml";

// The error that loading `yaml` (named configs/x.yaml) raises.
ConfigError error_of(const std::string& yaml) {
  try {
    tcb::load_config_text(yaml, kFile);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for:\n" << yaml;
  return ConfigError("", 0, "", "");
}

#define EXPECT_CONFIG_ERROR(yaml, line_, field_)              \
  do {                                                        \
    const ConfigError e = error_of(yaml);                     \
    EXPECT_EQ(e.file, kFile) << e.what();                     \
    EXPECT_EQ(e.line, line_) << e.what();                     \
    EXPECT_EQ(e.field, field_) << e.what();                   \
  } while (0)

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool same(const SweepConfig& a, const SweepConfig& b) {
  return a.name == b.name && a.include == b.include && a.exclude == b.exclude && a.families == b.families &&
         a.data == b.data && a.repetitions == b.repetitions && a.warmup == b.warmup && a.latency == b.latency &&
         a.latency_steps == b.latency_steps && a.throughput == b.throughput && a.warps_per_sm == b.warps_per_sm &&
         a.ilp == b.ilp && a.throughput_steps == b.throughput_steps && a.clock_tolerance == b.clock_tolerance;
}

}  // namespace

// ---- good input -------------------------------------------------------------------------------

TEST(Config, OneSettingKeepsTheOtherDefaults) {
  const SweepConfig c = tcb::load_config_text("repetitions: 5\n", "one.yaml");
  EXPECT_TRUE(same(c, SweepConfig{}));
  EXPECT_EQ(c.source, "one.yaml");
}

TEST(Config, EveryKey) {
  const SweepConfig c = tcb::load_config_text(R"(
name: mine
families: [mma.sync, wgmma]
include: ["^SM80_", "f16"]
exclude: [tf32]
data: exact
repetitions: 3
warmup: 0
latency: {enabled: false, steps: [100, 300]}
throughput:
  enabled: true
  warps_per_sm: [2, 64]
  ilp: [8, 1]
  steps: 2
clock_tolerance: 1
)",
                                              kFile);
  EXPECT_EQ(c.name, "mine");
  EXPECT_EQ(c.families, (std::vector<std::string>{"mma.sync", "wgmma"}));
  EXPECT_EQ(c.include, (std::vector<std::string>{"^SM80_", "f16"}));
  EXPECT_EQ(c.exclude, (std::vector<std::string>{"tf32"}));
  EXPECT_EQ(c.data, tcb::DataMode::exact);
  EXPECT_EQ(c.repetitions, 3);
  EXPECT_EQ(c.warmup, 0);
  EXPECT_FALSE(c.latency);
  EXPECT_EQ(c.latency_steps, (std::vector<long>{100, 300}));
  EXPECT_TRUE(c.throughput);
  EXPECT_EQ(c.warps_per_sm, (std::vector<int>{2, 64}));
  EXPECT_EQ(c.ilp, (std::vector<int>{8, 1}));
  EXPECT_EQ(c.throughput_steps, 2);
  EXPECT_EQ(c.clock_tolerance, 1.0);
  EXPECT_EQ(c.source, kFile);
}

TEST(Config, ShippedConfigsParse) {
  const std::string dir = std::string(TCB_SOURCE_DIR) + "/configs/";
  const SweepConfig d = tcb::load_config_file(dir + "default.yaml");
  EXPECT_EQ(d.name, "default");
  EXPECT_EQ(d.warps_per_sm, (std::vector<int>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(d.ilp, (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(d.repetitions, 5);
  EXPECT_EQ(d.warmup, 1);
  EXPECT_EQ(d.latency_steps, (std::vector<long>{256, 1024}));
  EXPECT_EQ(d.throughput_steps, 512);
  EXPECT_EQ(d.data, tcb::DataMode::random);

  const SweepConfig f = tcb::load_config_file(dir + "full.yaml");
  EXPECT_EQ(f.name, "full");
  EXPECT_EQ(f.warps_per_sm, (std::vector<int>{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64}));
  EXPECT_EQ(f.ilp, (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(f.repetitions, 11);
}

TEST(Config, DefaultFileEqualsEmbedded) {
  const std::string path = std::string(TCB_SOURCE_DIR) + "/configs/default.yaml";
  // The build may drop the final newline; nothing else may differ.
  EXPECT_EQ(rtrim(tcb::embedded_default_config()), rtrim(read(path)));
  EXPECT_TRUE(same(tcb::load_config_text(tcb::embedded_default_config(), "<embedded>"), tcb::load_config_file(path)));
  // The built-in struct defaults agree with the shipped default too.
  EXPECT_TRUE(same(tcb::load_config_file(path), SweepConfig{}));
}

TEST(Config, NameDefaultsToFileStem) {
  const std::string path = testing::TempDir() + "tcb_config_stem_test.yaml";
  std::ofstream(path) << "repetitions: 3\n";
  EXPECT_EQ(tcb::load_config_file(path).name, "tcb_config_stem_test");
  std::remove(path.c_str());
}

// ---- bad input: every error names file, line and field ------------------------------------------

TEST(ConfigErrors, MessageFormat) {
  const ConfigError e = error_of("repetitions: 7\nthroughput:\n  ilp: [1, 2, 3]\n");
  EXPECT_STREQ(e.what(), "configs/x.yaml:3: field 'throughput.ilp[2]': 3 is not one of 1, 2, 4, 8");
}

TEST(ConfigErrors, UnknownKey) {
  EXPECT_CONFIG_ERROR("name: a\nrepetition: 3\n", 2, "repetition");
  EXPECT_CONFIG_ERROR("throughput:\n  enabled: true\n  ilps: [1]\n", 3, "throughput.ilps");
  EXPECT_CONFIG_ERROR("latency:\n  step: [1, 2]\n", 2, "latency.step");
}

TEST(ConfigErrors, DuplicateKey) { EXPECT_CONFIG_ERROR("warmup: 1\nwarmup: 2\n", 2, "warmup"); }

TEST(ConfigErrors, WrongType) {
  EXPECT_CONFIG_ERROR("repetitions: many\n", 1, "repetitions");
  EXPECT_CONFIG_ERROR("repetitions: 2.5\n", 1, "repetitions");
  EXPECT_CONFIG_ERROR("repetitions: [3]\n", 1, "repetitions");
  EXPECT_CONFIG_ERROR("name: x\nfamilies: mma.sync\n", 2, "families");
  EXPECT_CONFIG_ERROR("latency: true\n", 1, "latency");
  EXPECT_CONFIG_ERROR("latency:\n  enabled: maybe\n", 2, "latency.enabled");
  EXPECT_CONFIG_ERROR("latency:\n  enabled:\nwarmup: 1\n", 2, "latency.enabled");  // empty value: the key's line
  EXPECT_CONFIG_ERROR("name: a\nthroughput:\n", 2, "throughput");
  EXPECT_CONFIG_ERROR("clock_tolerance: high\n", 1, "clock_tolerance");
  EXPECT_CONFIG_ERROR("throughput:\n  warps_per_sm: [1, two]\n", 2, "throughput.warps_per_sm[1]");
  EXPECT_CONFIG_ERROR("- a\n- b\n", 1, "");
}

TEST(ConfigErrors, OutOfRange) {
  EXPECT_CONFIG_ERROR("repetitions: 0\n", 1, "repetitions");
  EXPECT_CONFIG_ERROR("warmup: -1\n", 1, "warmup");
  EXPECT_CONFIG_ERROR("throughput:\n  warps_per_sm:\n    - 1\n    - 65\n", 4, "throughput.warps_per_sm[1]");
  EXPECT_CONFIG_ERROR("throughput:\n  warps_per_sm: [0]\n", 2, "throughput.warps_per_sm[0]");
  EXPECT_CONFIG_ERROR("throughput:\n  steps: 1\n", 2, "throughput.steps");
  EXPECT_CONFIG_ERROR("clock_tolerance: 0\n", 1, "clock_tolerance");
  EXPECT_CONFIG_ERROR("clock_tolerance: 1.5\n", 1, "clock_tolerance");
  EXPECT_CONFIG_ERROR("families: [mma.sync, mma.foo]\n", 1, "families[1]");
  EXPECT_CONFIG_ERROR("data: ones\n", 1, "data");
  EXPECT_CONFIG_ERROR("throughput:\n  warps_per_sm: []\n", 2, "throughput.warps_per_sm");
  EXPECT_CONFIG_ERROR("throughput:\n  warps_per_sm: [4, 4]\n", 2, "throughput.warps_per_sm[1]");
}

TEST(ConfigErrors, BadIlp) {
  EXPECT_CONFIG_ERROR("throughput:\n  ilp: [1, 2, 3]\n", 2, "throughput.ilp[2]");
  EXPECT_CONFIG_ERROR("throughput:\n  ilp: [16]\n", 2, "throughput.ilp[0]");
  EXPECT_CONFIG_ERROR("throughput:\n  ilp: [2, 2]\n", 2, "throughput.ilp[1]");
}

TEST(ConfigErrors, BadRegex) {
  EXPECT_CONFIG_ERROR("include: [\"ok\"]\nexclude:\n  - f16\n  - \"(unclosed\"\n", 4, "exclude[1]");
  EXPECT_CONFIG_ERROR("include: [\"[a-\"]\n", 1, "include[0]");
}

TEST(ConfigErrors, Steps) {
  EXPECT_CONFIG_ERROR("latency:\n  steps: [1024, 256]\n", 2, "latency.steps[1]");  // not ascending
  EXPECT_CONFIG_ERROR("latency:\n  steps: [256, 256]\n", 2, "latency.steps[1]");   // not distinct
  EXPECT_CONFIG_ERROR("latency:\n  steps: [0, 256]\n", 2, "latency.steps[0]");     // not positive
  EXPECT_CONFIG_ERROR("latency:\n  steps: [256]\n", 2, "latency.steps");           // not two
  EXPECT_CONFIG_ERROR("latency:\n  steps: [1, 2, 3]\n", 2, "latency.steps");
}

TEST(ConfigErrors, SyntaxError) {
  const ConfigError e = error_of("name: a\nthroughput:\n  ilp: [1, 2\nwarmup: 1\n");
  EXPECT_EQ(e.file, kFile);
  EXPECT_GE(e.line, 3) << e.what();  // the parser reports where it gave up
  EXPECT_EQ(e.field, "");
  EXPECT_NE(std::string(e.what()).find("syntax"), std::string::npos) << e.what();

  EXPECT_CONFIG_ERROR("name: a\n  bad: indent\n", 2, "");
}

TEST(ConfigErrors, MissingFile) {
  try {
    tcb::load_config_file("/nonexistent_tcb/none.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file, "/nonexistent_tcb/none.yaml");
    EXPECT_EQ(e.line, 0);
  }
}

// ---- issue #11: configs that used to be accepted silently ------------------------------------

static std::string message_of(const std::string& yaml) { return error_of(yaml).what(); }

// Item 6: an empty config ran the default sweep without a word.
TEST(ConfigErrors, EmptyConfigIsRefused) {
  for (const char* yaml : {"", "\n\n", "# only a comment\n", "---\n", "---", "--- # nothing\n...\n", "{}", "{}\n# x\n"}) {
    const ConfigError e = error_of(yaml);
    EXPECT_EQ(e.file, kFile) << yaml;
    EXPECT_EQ(e.field, "") << yaml;
    EXPECT_NE(std::string(e.what()).find("holds no settings"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("leave out --config"), std::string::npos) << e.what();
  }
}

// Item 6: a second document was ignored; half of what was written would not run.
TEST(ConfigErrors, SecondDocumentIsRefused) {
  EXPECT_CONFIG_ERROR("name: a\n---\nrepetitions: 3\n", 2, "");  // the line of the separator
  EXPECT_NE(message_of("name: a\n---\nrepetitions: 3\n").find("second YAML document"), std::string::npos);
  EXPECT_CONFIG_ERROR("---\nname: a\n---\n", 3, "");  // even an empty second document
}

// Item 6: a directory read as an empty file, so `--config DIR` ran the default sweep.
TEST(ConfigErrors, DirectoryIsRefused) {
  const std::string dir = testing::TempDir();
  try {
    tcb::load_config_file(dir);
    FAIL() << "a directory loaded as a config";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file, dir);
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

// Item 8: every numeric field has both bounds, and the message gives both and the value.
TEST(ConfigErrors, RangeMessagesGiveBothBoundsAndTheValue) {
  EXPECT_EQ(message_of("repetitions: 2147483648\n"),
            "configs/x.yaml:1: field 'repetitions': must be between 1 and 1000 (got 2147483648)");
  EXPECT_EQ(message_of("throughput:\n  ilp: [99999999999999999999]\n"),
            "configs/x.yaml:2: field 'throughput.ilp[0]': must be between 1 and 8 (got 99999999999999999999)");
  EXPECT_EQ(message_of("throughput:\n  ilp: [-5]\n"),
            "configs/x.yaml:2: field 'throughput.ilp[0]': must be between 1 and 8 (got -5)");
  EXPECT_EQ(message_of("clock_tolerance: 1.5\n"),
            "configs/x.yaml:1: field 'clock_tolerance': must be between 0 (exclusive) and 1 (got 1.5)");
  struct Field { std::string yaml_prefix, yaml_suffix, field; tcb::FieldRange range; int line; };
  const Field fields[] = {
      {"repetitions: ", "", "repetitions", tcb::kRepetitionsRange, 1},
      {"warmup: ", "", "warmup", tcb::kWarmupRange, 1},
      {"latency:\n  steps: [1, ", "]", "latency.steps[1]", tcb::kLatencyStepsRange, 2},
      {"throughput:\n  steps: ", "", "throughput.steps", tcb::kThroughputStepsRange, 2},
      {"throughput:\n  warps_per_sm: [", "]", "throughput.warps_per_sm[0]", tcb::kWarpsPerSmRange, 2},
  };
  for (const Field& f : fields) {
    const std::string bounds =
        "must be between " + std::to_string(f.range.min) + " and " + std::to_string(f.range.max) + " (got ";
    for (long long bad : {f.range.max + 1, f.range.min - 1, 2147483648LL, -2147483649LL}) {
      const std::string yaml = f.yaml_prefix + std::to_string(bad) + f.yaml_suffix + "\n";
      EXPECT_CONFIG_ERROR(yaml, f.line, f.field);
      EXPECT_NE(message_of(yaml).find(bounds + std::to_string(bad) + ")"), std::string::npos) << message_of(yaml);
    }
    // The largest value is accepted (latency.steps[1] pairs it with 1).
    EXPECT_NO_THROW(tcb::load_config_text(f.yaml_prefix + std::to_string(f.range.max) + f.yaml_suffix + "\n", kFile))
        << f.field;
  }
  // The upper bounds keep a typo from starting a sweep that never ends.
  EXPECT_LE(tcb::kRepetitionsRange.max, 1000);
  EXPECT_LE(tcb::kWarmupRange.max, 1000);
  EXPECT_LE(tcb::kLatencyStepsRange.max, 1 << 20);
  EXPECT_LE(tcb::kThroughputStepsRange.max, 1 << 20);
}

// Item 15: both lengths run 257 steps; their difference is zero and the latency infinite.
TEST(ConfigErrors, LatencyStepsThatRoundToOneChainAreRefused) {
  EXPECT_CONFIG_ERROR("latency:\n  steps: [256, 257]\n", 2, "latency.steps[1]");
  const std::string m = message_of("latency:\n  steps: [256, 257]\n");
  EXPECT_NE(m.find("both run chains of 257 steps"), std::string::npos) << m;
  EXPECT_NE(m.find("granularity of 2"), std::string::npos) << m;
  EXPECT_CONFIG_ERROR("latency: {steps: [2, 3]}\n", 1, "latency.steps[1]");
  // Lengths one apart that round to different chains are fine.
  EXPECT_EQ(tcb::load_config_text("latency: {steps: [255, 256]}\n", kFile).latency_steps, (std::vector<long>{255, 256}));
  EXPECT_NO_THROW(tcb::load_config_text("latency: {steps: [256, 258]}\n", kFile));
}

// Item 7: patterns are judged by RE2, the engine that matches them: one that std::regex took
// (a backreference, which needs backtracking) is refused with RE2's reason.
TEST(ConfigErrors, RegexesAreRe2Syntax) {
  EXPECT_CONFIG_ERROR("include: ['(f16)\\1']\n", 1, "include[0]");
  EXPECT_NE(message_of("include: ['(f16)\\1']\n").find("invalid regular expression '(f16)\\1'"), std::string::npos)
      << message_of("include: ['(f16)\\1']\n");
  EXPECT_CONFIG_ERROR("exclude: ['(?=f16)']\n", 1, "exclude[0]");  // lookahead
  // RE2 syntax std::regex lacked is accepted.
  EXPECT_NO_THROW(tcb::load_config_text("include: ['(?i)F16', '\\pL']\n", kFile));
}
