// `tcbench model` text input and output. See batch_io.hpp for the format.
#include "model/batch_io.hpp"

#include <cctype>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace tcb::model {

namespace {

// A field as quoted in a message: long ones cut short, so one bad field cannot flood the terminal.
std::string quoted(const std::string& field) {
  constexpr size_t kMax = 40;
  return "'" + (field.size() <= kMax ? field : field.substr(0, kMax) + "...") + "'";
}

// Reads one line (without its '\n') into *line. false at the end of the input. A line longer
// than `max` characters is not kept: *too_long is set, so `--in /dev/zero` cannot take all memory.
bool read_line(std::istream& in, size_t max, std::string* line, bool* too_long) {
  line->clear();
  *too_long = false;
  char ch;
  bool any = false;
  while (in.get(ch)) {
    any = true;
    if (ch == '\n') return true;
    if (line->size() == max) return *too_long = true, true;
    line->push_back(ch);
  }
  return any;
}

}  // namespace

bool parse_hex_field(const std::string& field, Fmt f, uint64_t* bits, std::string* why) {
  std::string digits = field;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits = digits.substr(2);
  for (char ch : digits) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) {
      *why = quoted(field) + " is not hexadecimal";
      return false;
    }
  }
  const int width = fmt_hex_digits(f);
  if (int(digits.size()) != width) {
    *why = quoted(field) + " has " + std::to_string(digits.size()) + " hex digits; a ." + fmt_name(f) +
           " pattern has exactly " + std::to_string(width);
    return false;
  }
  // Exactly `width` digits of a `4 * width`-bit format: every such pattern is in range.
  *bits = std::stoull(digits, nullptr, 16);
  return true;
}

std::string format_hex(Fmt f, uint64_t bits) {
  static const char* kDigits = "0123456789abcdef";
  const int width = fmt_hex_digits(f);
  std::string s(size_t(width), '0');
  for (int i = width - 1; i >= 0; --i, bits >>= 4) s[size_t(i)] = kDigits[bits & 0xf];
  return s;
}

bool run_batch(const PathParams& p, int k, std::istream& in, std::ostream& out, BatchError* err) {
  if (k < 1 || k > kMaxK)
    throw std::invalid_argument("k must be between 1 and " + std::to_string(kMaxK) + " (got " + std::to_string(k) + ")");
  const size_t expected = 2 * size_t(k) + 1;  // no overflow: k <= kMaxK
  // Room for every field at its widest with a 0x prefix and generous spacing; comments included.
  const size_t max_line = 64 * expected + 65536;
  std::string line;
  bool too_long = false;
  std::vector<uint64_t> a, b;  // sized on the first good line, so empty input holds nothing
  for (long lineno = 1; read_line(in, max_line, &line, &too_long); ++lineno) {
    if (too_long) {
      *err = {lineno, "line longer than " + std::to_string(max_line) + " characters (" + std::to_string(expected) +
                          " fields were expected)"};
      return false;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::vector<std::string> f;
    size_t found = 0;  // fields beyond `expected` are counted, not kept
    for (std::string t; fields >> t; ++found)
      if (found < expected) f.push_back(std::move(t));
    if (f.empty() || f[0][0] == '#') continue;
    if (found != expected) {
      *err = {lineno, "expected " + std::to_string(expected) + " fields (" + std::to_string(k) + " a, " +
                          std::to_string(k) + " b, 1 c), found " + std::to_string(found)};
      return false;
    }
    a.resize(size_t(k));
    b.resize(size_t(k));
    uint64_t c = 0;
    for (size_t i = 0; i < expected; ++i) {
      const bool is_a = i < size_t(k), is_b = !is_a && i < 2 * size_t(k);
      const Fmt fmt = is_a ? p.a : is_b ? p.b : p.c;
      const std::string name = is_a ? "a" + std::to_string(i) : is_b ? "b" + std::to_string(i - k) : "c";
      uint64_t v;
      std::string why;
      if (!parse_hex_field(f[i], fmt, &v, &why)) {
        *err = {lineno, "field " + std::to_string(i + 1) + " (" + name + "): " + why};
        return false;
      }
      (is_a ? a[i] : is_b ? b[i - size_t(k)] : c) = v;
    }
    out << format_hex(p.d, dot(p, a.data(), b.data(), k, c)) << '\n';
  }
  return true;
}

}  // namespace tcb::model
