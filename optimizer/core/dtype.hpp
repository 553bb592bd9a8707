// The precisions the optimizer plans in, and what each means in memory and on the tensor cores.
// One definition: the cost model, the planner, the CLI and the lowered programs all read it.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace tcb::opt {

// f16/bf16: A, B, D in that type, fp32 accumulation. tf32: fp32 in memory, TF32 tensor-core math.
// f32: strict fp32 on the CUDA cores (FFMA). e4m3: FP8 A and B, bf16 D, fp32 scales (GEMM only).
enum class Dtype { f16, bf16, tf32, f32, e4m3 };

inline constexpr std::array<Dtype, 5> kAllDtypes = {Dtype::f16, Dtype::bf16, Dtype::tf32, Dtype::f32, Dtype::e4m3};

struct DtypeInfo {
  std::string_view name;        // as the CLI, CSVs and programs spell it
  int a_bytes, b_bytes, d_bytes;
  std::string_view table_a_type;  // the A type of the cost table's instructions that compute it
  std::string_view table_family;  // "wgmma" (tensor cores, sm_90) or "cuda_core" (FFMA)
  int input_fraction_bits;        // significand bits the operands keep in this precision
  int output_fraction_bits;       // ... and the stored result
  bool contraction_allowed;       // e4m3 products need per-tensor scales: GEMM prediction only
};

const DtypeInfo& info(Dtype d);
inline std::string_view name(Dtype d) { return info(d).name; }
// false when the text names no dtype; the caller reports where it came from.
bool parse_dtype(std::string_view text, Dtype* out);
// "f16, bf16, tf32, f32, e4m3", for error messages.
std::string dtype_choices();

}  // namespace tcb::opt
