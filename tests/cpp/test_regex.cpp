// harness/core/regex.hpp: the one regular-expression engine (RE2) behind --filter, config
// include/exclude and the SASS checks (issue #11 item 7).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "harness/core/regex.hpp"

namespace {

TEST(Regex, SearchFullMatchAndGroup) {
  const tcb::Regex re("k(8|16)\\b");
  EXPECT_TRUE(re.search("m16n8k16.row"));
  EXPECT_FALSE(re.search("m16n8k32"));
  EXPECT_TRUE(tcb::Regex("^-?[0-9]+[uUlL]*$").full_match("-42UL"));
  EXPECT_FALSE(tcb::Regex("[0-9]+").full_match("42x"));
  std::string group;
  EXPECT_TRUE(tcb::Regex("tcb::atoms::([A-Za-z_][A-Za-z0-9_]*)").search("void f<tcb::atoms::SM80_x>()", &group));
  EXPECT_EQ(group, "SM80_x");
  EXPECT_TRUE(tcb::Regex("HMMA").search("HMMA.16816", &group));  // no group: empty
  EXPECT_EQ(group, "");
  const tcb::Regex copy = re;  // cheap copies share the compiled pattern
  EXPECT_EQ(copy.pattern(), "k(8|16)\\b");
  EXPECT_TRUE(copy.search("k8"));
}

TEST(Regex, InvalidPatternsNameThePatternAndTheReason) {
  for (const char* bad : {"(", "[a-", "(f16)\\1", "(?=x)", "*"}) {
    EXPECT_FALSE(tcb::regex_problem(bad).empty()) << bad;
    try {
      tcb::Regex re(bad);
      ADD_FAILURE() << bad << " compiled";
    } catch (const tcb::RegexError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("invalid regular expression '") + bad + "': ", 0), 0u)
          << e.what();
    }
  }
  EXPECT_EQ(tcb::regex_problem("(?i)^sm80_.*f16"), "");
}

// std::regex backtracked exponentially on these; RE2 is linear in the text.
TEST(Regex, PathologicalPatternsMatchInLinearTime) {
  const std::string text(20000, 'a');
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(tcb::Regex("((.*)*)*x").search(text));
  EXPECT_FALSE(tcb::Regex("(a|aa)*b").search(text));
  EXPECT_FALSE(tcb::Regex("(a*)*$x").search(text));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.0);
}

}  // namespace
