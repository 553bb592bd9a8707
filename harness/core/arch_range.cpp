#include "harness/core/arch_range.hpp"

#include <cctype>
#include <fmt/format.h>

namespace tcb {

std::optional<Arch> parse_arch(const std::string& text) {
  std::string s;
  for (char c : text) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* prefix : {"sm_", "compute_"})
    if (s.rfind(prefix, 0) == 0) {
      s = s.substr(std::string(prefix).size());
      break;
    }
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i > 4) return std::nullopt;
  Arch a;
  a.sm = std::stoi(s.substr(0, i));
  if (i + 1 == s.size() && (s[i] == 'a' || s[i] == 'f')) a.suffix = s[i];
  else if (i != s.size()) return std::nullopt;
  return a;
}

std::string arch_name(const Arch& a) {
  return a.suffix ? fmt::format("sm_{}{}", a.sm, a.suffix) : fmt::format("sm_{}", a.sm);
}

std::vector<Arch> parse_arch_list(const std::string& text) {
  std::vector<Arch> out;
  std::string cur;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',' || text[i] == ';') {
      if (auto a = parse_arch(cur)) out.push_back(*a);
      cur.clear();
    } else if (!std::isspace(static_cast<unsigned char>(text[i]))) {
      cur += text[i];
    }
  }
  return out;
}

std::string ArchRange::describe() const {
  const char* sfx = arch_specific ? "a" : "";
  if (!declared()) return "any";
  if (max_sm == 0) return fmt::format("sm_{}{}+", min_sm, sfx);
  return fmt::format("sm_{}{}..sm_{}{}", min_sm, sfx, max_sm, sfx);
}

std::string range_problem(const ArchRange& range, int sm) {
  if (!range.declared() || range.contains(sm)) return "";
  return fmt::format("needs {}; this GPU is sm_{}", range.describe(), sm);
}

std::string build_problem(const ArchRange& range, const std::string& built_archs) {
  if (!range.declared()) return "";
  for (const Arch& a : parse_arch_list(built_archs))
    if (range.built_by(a)) return "";
  return fmt::format("this build has no code for {} (built for {})", range.describe(), built_archs);
}

}  // namespace tcb
