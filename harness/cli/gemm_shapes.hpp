// The GEMM shapes `tcbench gemm-algos` measures (configs/gemm_algos.csv): one per CSV row, in the
// terms of InfiniTensor's MatMul operator, row-major C[b][m][n] = op(A)[b][m][k] x op(B)[b][k][n]
// with op(X) = X transposed when trans_x is 1 (docs/exporters/infinitensor.md).
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace tcb {

// The element types InfiniTensor's cuBLAS MatMul takes (and a tensor core serves).
enum class GemmDType { f16, f32 };
const char* gemm_dtype_name(GemmDType t);
int gemm_dtype_bytes(GemmDType t);

struct GemmShape {
  std::string name;
  GemmDType dtype = GemmDType::f16;
  int b = 1, m = 1, n = 1, k = 1;
  bool trans_a = false, trans_b = false;
  int line = 0;  // in the shapes file
};

// The header a shapes file starts with.
constexpr const char* kGemmShapeColumns = "name,dtype,b,m,n,k,trans_a,trans_b";

// Malformed input: the message names "<file>:<line>: <field>: <problem>".
struct GemmShapesError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The shapes of a shapes file's text (`file` names it in messages); throws GemmShapesError.
std::vector<GemmShape> parse_gemm_shapes(const std::string& text, const std::string& file);
// The same, read from `path`; a file that cannot be read is a GemmShapesError too.
std::vector<GemmShape> read_gemm_shapes(const std::string& path);

}  // namespace tcb
