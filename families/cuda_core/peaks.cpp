// The CUDA-core FMA table of peaks.hpp.
#include "families/cuda_core/peaks.hpp"

namespace tcb::cuda_core {
namespace {

struct Peak {
  int sm;
  double f32, f16, bf16, f64;  // multiply-add results per clock per SM; 0: none / unknown
};

// Source: CUDA C++ Programming Guide (CUDA 12.x), "Arithmetic Instructions", table "Throughput of
// Native Arithmetic Instructions (Number of Results per Clock Cycle per Multiprocessor)", rows
// "16-bit floating-point add, multiply, multiply-add" (results, so an f16x2 FMA counts two),
// "32-bit ..." and "64-bit ...", with its footnotes "128 for __nv_bfloat16" (8.0, 8.6) and
// "2 for compute capability 7.5 GPUs" (64-bit, 7.x column). The same table is in the CUDA C++
// Best Practices Guide ("Throughput of Native Arithmetic Instructions").
// Cross-checks against the whitepapers' non-tensor TFLOPS (FLOPS = 2 x results x SMs x boost clock):
//   A100 SXM4 (108 SMs, 1410 MHz): FP32 19.5 -> 64; FP64 9.7 -> 32; FP16 78 -> 256; BF16 39 -> 128
//     (NVIDIA H100 Tensor Core GPU Architecture whitepaper, Table 3, A100 column).
//   H100 SXM5 (132 SMs, 1980 MHz): FP32 66.9 -> 128; FP64 33.5 -> 64; FP16 and BF16 133.8 -> 256
//     (same table, H100 SXM5 column). The H200 is the same GH100 SM.
//   GA10x and AD10x have 2 FP64 units per SM (GA102 and Ada whitepapers: FP64 at 1/64 of FP32).
// sm_70, sm_75, sm_86 and sm_89 are the guide's columns alone (not cross-checked); sm_72, sm_87,
// sm_100 and sm_120 are left out (unknown: plausibility unchecked there).
constexpr Peak kPeaks[] = {
    {70, 64, 128, 0, 32},    // V100: no bf16 arithmetic before sm_80
    {75, 64, 128, 0, 2},     // T4 / Turing
    {80, 64, 256, 128, 32},  // A100
    {86, 128, 256, 128, 2},  // GA10x
    {89, 128, 128, 128, 2},  // Ada
    {90, 128, 256, 256, 64}, // H100 / H200
};

}  // namespace

double fma_results_per_clk_sm(int sm, DType t) {
  for (const Peak& p : kPeaks) {
    if (p.sm != sm) continue;
    switch (t) {
      case DType::f32: return p.f32;
      case DType::f16: return p.f16;
      case DType::bf16: return p.bf16;
      case DType::f64: return p.f64;
      default: return 0;
    }
  }
  return 0;
}

}  // namespace tcb::cuda_core
