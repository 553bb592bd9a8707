// The one regular-expression engine of tcbench: RE2, whose matching time is linear in the text
// whatever the pattern (std::regex backtracks: `((.*)*)*x` ran for minutes). Every user pattern
// (--filter, config include/exclude) and every internal one goes through this wrapper, so the
// syntax is the same everywhere: RE2's (https://github.com/google/re2/wiki/Syntax) — Perl-like,
// without backreferences or lookaround.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace tcb {

// An invalid pattern. what(): "invalid regular expression '<pattern>': <RE2's reason>".
struct RegexError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class Regex {
 public:
  explicit Regex(const std::string& pattern);  // throws RegexError

  // True when the pattern matches somewhere in `text` (like std::regex_search).
  bool search(std::string_view text) const;
  // As above; *group1 receives the first capture group (empty when it did not take part).
  bool search(std::string_view text, std::string* group1) const;
  // True when the pattern matches the whole of `text` (like std::regex_match).
  bool full_match(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;  // shared: a Regex is cheap to copy, RE2 is immutable
};

// "" when `pattern` is a valid regular expression, else why not (RE2's message).
std::string regex_problem(const std::string& pattern);

}  // namespace tcb
