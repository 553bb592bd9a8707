// A benchmark's verification verdict: the first problem found and how many there were, so that a
// row's note names one concrete failure ("launch 3: checksum 0x1, expected 0x2 (and 7 more)")
// instead of thousands.
#pragma once
#include <fmt/format.h>

#include <string>

namespace tcb::core {

struct Check {
  bool ok = true;
  std::string detail;
  long problems = 0;
  void fail(const std::string& what) {
    if (ok) detail = what;
    ok = false;
    ++problems;
  }
  // "" when ok, else the first problem and the count of the others.
  std::string note() const {
    if (ok) return "";
    return problems > 1 ? fmt::format("{} (and {} more)", detail, problems - 1) : detail;
  }
};

}  // namespace tcb::core
