#include "harness/core/regex.hpp"

#include <re2/re2.h>

namespace tcb {
namespace {

std::shared_ptr<const re2::RE2> compile(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);  // the error goes into the exception, not onto stderr
  return std::make_shared<const re2::RE2>(pattern, options);
}

}  // namespace

Regex::Regex(const std::string& pattern) : pattern_(pattern), re_(compile(pattern)) {
  if (!re_->ok()) throw RegexError("invalid regular expression '" + pattern + "': " + re_->error());
}

bool Regex::search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool Regex::search(std::string_view text, std::string* group1) const {
  group1->clear();
  if (re_->NumberOfCapturingGroups() < 1) return search(text);
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_, group1);
}

bool Regex::full_match(std::string_view text) const {
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

std::string regex_problem(const std::string& pattern) {
  const auto re = compile(pattern);
  return re->ok() ? std::string() : re->error();
}

}  // namespace tcb
