// A contraction path lowered to a program: the ops the GPU runs (permute copies, sums, batched
// GEMMs, free reshapes), in the JSON format optimizer/contractions/program.py executes. The rules
// are those of optimizer/contractions/lower.py (the tests check both give the same program for
// every suite expression), so every plan, ours or a baseline's, is lowered and run alike:
//   each pairwise step sums away the indices only one operand has and nothing later needs, takes
//   as A the operand whose layout needs fewer permuted elements, lays A out as [batch, free,
//   contracted] or its transpose and B as [batch, contracted, free] or its transpose (else a
//   permute copy), and runs one (batched) GEMM whose result is [batch, free A, free B]; a final
//   permute puts the output's indices in order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "optimizer/core/dtype.hpp"
#include "optimizer/core/einsum.hpp"

namespace tcb::opt {

// opt_einsum's contract_path convention: each step names positions in the current operand list;
// those operands leave it and the result is appended.
using Path = std::vector<std::vector<int>>;

struct Op {
  enum class Kind { permute, sum, gemm };
  Kind kind = Kind::gemm;
  int in = -1, a = -1, b = -1, out = -1;
  std::vector<int> perm, axes;                  // permute / sum
  std::int64_t batch = 1, m = 1, n = 1, k = 1;  // gemm
  bool a_trans = false, b_trans = false;
  std::vector<std::int64_t> out_shape;
  double elements_in = 0, elements_out = 0;     // permute / sum: what the kernel reads and writes
  int step = -1;                                // the path step it belongs to (-1: the final permute)
};

struct LoweredStep {
  std::string equation;  // "abc,cd->abd": the step's operands and result, as the program holds them
  std::int64_t batch = 1, m = 1, n = 1, k = 1;
  bool has_gemm = false;
};

struct Program {
  std::string expression;
  Dtype dtype = Dtype::f16;
  std::vector<std::vector<std::int64_t>> input_shapes;
  std::vector<Op> ops;
  int output = -1;
  std::vector<std::int64_t> output_shape;
  Path path;
  std::vector<LoweredStep> steps;  // aligned with path
  std::string to_json() const;     // program.py's format, with "path"
};

// The index order and the ops of one pairwise step, before any buffer exists: what the planner
// costs and what lower() emits. `needed`: indices the output or a later operand still holds.
struct StepShape {
  std::string a_sum, b_sum;            // A and B after summing away (the input order, fewer indices)
  std::string a_plain, b_plain;        // the layouts the GEMM takes (trans: the other order)
  bool swapped = false;                // the second operand became A
  bool a_permute = false, b_permute = false, a_trans = false, b_trans = false;
  std::string batch, contracted, free_a, free_b, out;
};
StepShape shape_step(const std::string& ia, const std::string& ib, const std::string& needed, const Expression& e);

// Throws ExpressionError when the path is not one for this expression (a position out of range,
// a step of more than two operands, operands left over).
Program lower(const Expression& e, const Path& path, Dtype dtype);

// "[[0, 1], [0, 1]]"
std::string path_text(const Path& p);
// Parses path_text's format; throws ExpressionError naming the position.
Path parse_path(const std::string& text);

}  // namespace tcb::opt
