#include "optimizer/core/einsum.hpp"

#include <fmt/format.h>

#include <cctype>
#include <set>

namespace tcb::opt {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

std::string strip(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::int64_t parse_dim(const std::string& text, size_t operand) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos)
    throw ExpressionError(fmt::format("shape {}: '{}' is not a positive integer dimension", operand + 1, text));
  const std::int64_t v = std::stoll(text);
  if (v < 1) throw ExpressionError(fmt::format("shape {}: dimension {} must be >= 1", operand + 1, v));
  return v;
}

}  // namespace

std::vector<std::vector<std::int64_t>> parse_shapes(const std::string& shapes) {
  if (strip(shapes).empty()) throw ExpressionError("--shapes is empty (one shape per operand, e.g. 64x128,128x32)");
  std::vector<std::vector<std::int64_t>> out;
  for (const std::string& raw : split(shapes, ',')) {
    const std::string s = strip(raw);
    std::vector<std::int64_t> dims;
    if (s != "()")
      for (const std::string& d : split(s, 'x')) dims.push_back(parse_dim(strip(d), out.size()));
    out.push_back(dims);
  }
  return out;
}

std::string Expression::text() const {
  std::string s;
  for (size_t i = 0; i < inputs.size(); ++i) s += (i ? "," : "") + inputs[i];
  return s + "->" + output;
}

std::vector<std::int64_t> Expression::shape_of(const std::string& subscripts) const {
  std::vector<std::int64_t> out;
  for (char c : subscripts) out.push_back(size.at(c));
  return out;
}

double Expression::elements(const std::string& subscripts) const {
  double e = 1;
  for (char c : subscripts) e *= double(size.at(c));
  return e;
}

Expression parse_expression(const std::string& expr_text, const std::string& shapes_text) {
  std::string expr;
  for (char c : expr_text)
    if (c != ' ') expr += c;
  const size_t arrow = expr.find("->");
  if (arrow == std::string::npos)
    throw ExpressionError(fmt::format("expression '{}': an explicit '->' and output subscripts are required", expr_text));
  if (expr.find("...") != std::string::npos)
    throw ExpressionError(fmt::format("expression '{}': ellipsis ('...') is not supported", expr_text));
  Expression e;
  e.output = expr.substr(arrow + 2);
  e.inputs = split(expr.substr(0, arrow), ',');
  for (size_t i = 0; i < e.inputs.size(); ++i) {
    std::set<char> seen;
    for (char c : e.inputs[i]) {
      if (!std::isalpha(static_cast<unsigned char>(c)))
        throw ExpressionError(fmt::format("expression '{}': operand {} has '{}'; subscripts are letters a-z, A-Z",
                                          expr_text, i + 1, c));
      if (!seen.insert(c).second)
        throw ExpressionError(fmt::format("expression '{}': operand {} repeats '{}' (a trace or diagonal); "
                                          "not supported", expr_text, i + 1, c));
    }
  }
  std::set<char> out_seen;
  for (char c : e.output) {
    if (!std::isalpha(static_cast<unsigned char>(c)))
      throw ExpressionError(fmt::format("expression '{}': output has '{}'; subscripts are letters", expr_text, c));
    if (!out_seen.insert(c).second)
      throw ExpressionError(fmt::format("expression '{}': output repeats '{}'", expr_text, c));
    bool found = false;
    for (const std::string& in : e.inputs) found = found || in.find(c) != std::string::npos;
    if (!found) throw ExpressionError(fmt::format("expression '{}': output index '{}' is in no operand", expr_text, c));
  }
  const auto shapes = parse_shapes(shapes_text);
  if (shapes.size() != e.inputs.size())
    throw ExpressionError(fmt::format("expression '{}' has {} operands but --shapes gives {}", expr_text,
                                      e.inputs.size(), shapes.size()));
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (shapes[i].size() != e.inputs[i].size())
      throw ExpressionError(fmt::format("shape {} has rank {} but operand {} ('{}') has {} indices", i + 1,
                                        shapes[i].size(), i + 1, e.inputs[i], e.inputs[i].size()));
    for (size_t d = 0; d < shapes[i].size(); ++d) {
      const char c = e.inputs[i][d];
      auto [it, fresh] = e.size.emplace(c, shapes[i][d]);
      if (!fresh && it->second != shapes[i][d])
        throw ExpressionError(fmt::format("index '{}' is {} in an earlier operand but {} in operand {}", c, it->second,
                                          shapes[i][d], i + 1));
    }
  }
  return e;
}

}  // namespace tcb::opt
