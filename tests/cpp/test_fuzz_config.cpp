// Fuzz test of the config loader (issue #11): seeded random mutations of the shipped
// configs/*.yaml. Every mutant must either load into a config that keeps the documented bounds,
// or raise ConfigError naming the file, a line inside it and (for a bad value) the field; never
// another exception, never a crash. Deterministic: case i of seed S is always the same text, and
// a failure prints both and the text.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <dirent.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "harness/core/chain_length.hpp"
#include "harness/core/config.hpp"

namespace {

constexpr unsigned kSeed = 20261204;
constexpr int kCases = 20000;
constexpr double kBudgetSeconds = 8;  // a guard for slow machines; normally done in ~1-2 s
const char* kName = "fuzz.yaml";

std::vector<std::string> shipped_configs() {
  const std::string dir = std::string(TCB_SOURCE_DIR) + "/configs/";
  std::vector<std::string> texts;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) {
        std::ifstream in(dir + name);
        std::stringstream s;
        s << in.rdbuf();
        texts.push_back(s.str());
      }
    }
    ::closedir(d);
  }
  std::sort(texts.begin(), texts.end());  // directory order is not deterministic
  return texts;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string text_of(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// One random edit of the kinds that matter to YAML and to the validator.
class Mutator {
 public:
  explicit Mutator(unsigned seed) : rng_(seed) {}

  std::string mutate(std::string text) {
    const int edits = 1 + pick(3);
    for (int i = 0; i < edits; ++i) text = edit(text);
    return text;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  template <class T>
  const T& any(const std::vector<T>& v) { return v[size_t(pick(int(v.size())))]; }

  std::string edit(const std::string& text) {
    std::vector<std::string> lines = lines_of(text);
    if (lines.empty()) lines.push_back("");
    const size_t at = size_t(pick(int(lines.size())));
    std::string& line = lines[at];
    static const std::string kSyntax = ":-[]{},#'\"\n \t!&*|>%@`?\\0123456789.";
    static const std::vector<std::string> kValues = {
        "0", "-1", "1", "2", "3", "7", "8", "64", "65", "257", "1000", "1001", "16384", "16385", "2147483647",
        "2147483648", "-2147483649", "99999999999999999999", "1e3", "0x10", "0.5", "1.5", ".nan", ".inf", "-.inf",
        "true", "false", "~", "null", "''", "\"\"", "[]", "{}", "[1, 2]", "[256, 257]", "[2, 2]", "[1, 3]",
        "[mma.sync, foo]", "['(']", "['((.*)*)*x']", "['(a)\\1']", "random", "ones", "&a 1", "*a", "!!str 5",
        "|\n  text", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
    static const std::vector<std::string> kKeys = {
        "name", "families", "include", "exclude", "data", "repetitions", "warmup", "latency", "throughput",
        "clock_tolerance", "enabled", "steps", "warps_per_sm", "ilp", "unknown", "<<", "? complex"};
    switch (pick(12)) {
      case 0:  // delete a character
        if (!line.empty()) line.erase(size_t(pick(int(line.size()))), 1);
        break;
      case 1:  // insert a character YAML cares about
        line.insert(size_t(pick(int(line.size()) + 1)), 1, kSyntax[size_t(pick(int(kSyntax.size())))]);
        break;
      case 2: {  // replace the value after a colon
        const size_t colon = line.find(':');
        if (colon != std::string::npos) line = line.substr(0, colon + 1) + " " + any(kValues);
        break;
      }
      case 3:  // replace a key
        line = std::string(size_t(pick(3)) * 2, ' ') + any(kKeys) + ": " + any(kValues);
        break;
      case 4:  // duplicate a line
        lines.insert(lines.begin() + long(at), line);
        break;
      case 5:  // delete a line
        lines.erase(lines.begin() + long(at));
        break;
      case 6:  // swap two lines
        std::swap(line, lines[size_t(pick(int(lines.size())))]);
        break;
      case 7:  // change the indentation
        line = (pick(2) ? std::string(size_t(pick(5)), ' ') : std::string()) +
               line.substr(std::min(line.size(), line.find_first_not_of(' ')));
        break;
      case 8:  // a document marker or directive
        lines.insert(lines.begin() + long(at), any(std::vector<std::string>{"---", "...", "%YAML 1.2", "--- !tag"}));
        break;
      case 9:  // cut the text short
        return text.substr(0, size_t(pick(int(text.size()) + 1)));
      case 10:  // a control or non-ASCII byte
        line.insert(size_t(pick(int(line.size()) + 1)), 1, char(pick(2) ? pick(32) : 128 + pick(128)));
        break;
      default:  // deep nesting, which recursive parsers can die of
        line += " " + std::string(size_t(50 + pick(2000)), '[');
        break;
    }
    return text_of(lines);
  }

  std::mt19937 rng_;
};

// What a loaded config must hold, whatever text it came from.
void expect_within_bounds(const tcb::SweepConfig& c, const std::string& text) {
  auto in = [](long long v, tcb::FieldRange r) { return v >= r.min && v <= r.max; };
  EXPECT_TRUE(in(c.repetitions, tcb::kRepetitionsRange)) << text;
  EXPECT_TRUE(in(c.warmup, tcb::kWarmupRange)) << text;
  ASSERT_EQ(c.latency_steps.size(), 2u) << text;
  EXPECT_TRUE(in(c.latency_steps[0], tcb::kLatencyStepsRange) && in(c.latency_steps[1], tcb::kLatencyStepsRange))
      << text;
  EXPECT_LT(tcb::chain_length(c.latency_steps[0]), tcb::chain_length(c.latency_steps[1])) << text;
  EXPECT_TRUE(in(c.throughput_steps, tcb::kThroughputStepsRange)) << text;
  EXPECT_FALSE(c.warps_per_sm.empty()) << text;
  for (int w : c.warps_per_sm) EXPECT_TRUE(in(w, tcb::kWarpsPerSmRange)) << text;
  for (int i : c.ilp) EXPECT_TRUE(i == 1 || i == 2 || i == 4 || i == 8) << text;
  for (const auto& f : c.families)
    EXPECT_NE(std::find(tcb::known_families().begin(), tcb::known_families().end(), f), tcb::known_families().end());
  EXPECT_TRUE(c.clock_tolerance > 0 && c.clock_tolerance <= 1) << text;
  EXPECT_FALSE(c.name.empty()) << text;
}

void expect_good_error(const tcb::ConfigError& e, const std::string& text) {
  const std::string what = e.what();
  EXPECT_EQ(e.file, kName) << what;
  EXPECT_EQ(what.rfind(kName, 0), 0u) << what;
  // A line inside the text (or one past its end, where a parser gives up); 0 only for a config
  // with no settings at all, which has no line to point at.
  const int lines = int(lines_of(text).size());
  EXPECT_GE(e.line, 0) << what;
  EXPECT_LE(e.line, lines + 1) << what << "\n--- text:\n" << text;
  if (e.line == 0) EXPECT_NE(what.find("holds no settings"), std::string::npos) << what << "\n--- text:\n" << text;
  if (!e.field.empty()) EXPECT_NE(what.find("field '" + e.field + "'"), std::string::npos) << what;
}

TEST(FuzzConfig, MutantsLoadOrFailWithFileLineAndField) {
  const std::vector<std::string> configs = shipped_configs();
  ASSERT_GE(configs.size(), 3u) << "configs/*.yaml not found under " << TCB_SOURCE_DIR;
  const auto t0 = std::chrono::steady_clock::now();
  int loaded = 0, refused = 0, done = 0;
  for (; done < kCases; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > kBudgetSeconds) break;
    Mutator m(kSeed + unsigned(done));
    const std::string text = m.mutate(configs[size_t(done) % configs.size()]);
    SCOPED_TRACE("seed " + std::to_string(kSeed) + " case " + std::to_string(done) + ", text:\n" + text);
    try {
      expect_within_bounds(tcb::load_config_text(text, kName), text);
      ++loaded;
    } catch (const tcb::ConfigError& e) {
      expect_good_error(e, text);
      ++refused;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a ConfigError: " << e.what();
    } catch (...) {
      ADD_FAILURE() << "a non-standard exception";
    }
    if (HasFailure()) break;  // one reproducible case is enough
  }
  EXPECT_GE(done, 1000) << "too few cases in the time budget";
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
  std::printf("config fuzz: %d cases, %d loaded, %d refused\n", done, loaded, refused);
}

}  // namespace
