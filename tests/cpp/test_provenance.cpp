#include <gtest/gtest.h>

#include <regex>

#include "harness/io/provenance.hpp"

TEST(Provenance, GitShaIsHexOrUnknown) {
  const tcb::GitState g = tcb::git_state();
  EXPECT_TRUE(std::regex_match(g.sha, std::regex("[0-9a-f]{40}")) || g.sha == "unknown") << g.sha;
  if (g.sha == "unknown") {
    EXPECT_FALSE(g.dirty);
  }
}

TEST(Provenance, UtcTimestampFormat) {
  const std::string t = tcb::utc_now_iso8601();
  EXPECT_TRUE(std::regex_match(t, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)"))) << t;
}

TEST(Provenance, HostnameNotEmpty) { EXPECT_FALSE(tcb::hostname().empty()); }
