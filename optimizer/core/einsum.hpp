// A tensor expression as the optimizer reads it: opt_einsum subscripts with an explicit "->"
// (no ellipsis) and one shape per operand ("64x128", "()" for a rank-0 operand).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcb::opt {

// Bad expression or shapes: what() names the operand or position and what is wrong.
class ExpressionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Expression {
  std::vector<std::string> inputs;  // subscripts of each operand, e.g. {"ab", "bc"}
  std::string output;               // e.g. "ac"
  std::map<char, std::int64_t> size;

  std::string text() const;  // "ab,bc->ac"
  std::vector<std::int64_t> shape_of(const std::string& subscripts) const;
  double elements(const std::string& subscripts) const;
};

// Throws ExpressionError. Subscripts are ASCII letters; an index repeated within one operand (a
// trace or diagonal) is refused, as are output indices absent from the inputs or repeated.
Expression parse_expression(const std::string& expr, const std::string& shapes);
// "64x128,128x32,()" -> {{64,128},{128,32},{}}
std::vector<std::vector<std::int64_t>> parse_shapes(const std::string& shapes);

}  // namespace tcb::opt
