// The cuBLAS call InfiniTensor's CUDA MatMul kernel makes, on operands whose product the CPU can
// check (`tcbench gemm-algos`; docs/exporters/infinitensor.md).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/cli/cublas_api.hpp"
#include "harness/cli/gemm_shapes.hpp"
#include "harness/device/device_buffer.hpp"

namespace tcb {

// InfiniTensor's tuner tries exactly these (matmul.cc: ALGOS[24] = CUBLAS_GEMM_ALGO0..23).
constexpr int kInfiniTensorAlgos = 24;

// One operand in the GPU's element format, with its values readable on the host.
struct HostMatrix {
  GemmDType dtype = GemmDType::f16;
  std::vector<uint8_t> bytes;
  double at(size_t index) const;
};

// Whether C holds the product: a sample of its entries against the CPU.
struct OutputCheck {
  bool ok = false;
  int entries = 0;
  std::string mismatch;  // the first entry outside the tolerance, "" when ok
};

// One shape's operands on the GPU and InfiniTensor's call for it (src/kernels/cuda/matmul.cc,
// matmulCublas::do_compute, at 5cb7c1fc):
//  * row-major C = op(A) op(B) as column-major C^T = op(B)^T op(A)^T, i.e. cuBLAS gets
//    (opB, opA, n, m, k, B, ldb, A, lda, C, ldc) with lda = trans_a ? m : k, ldb = trans_b ? k : n,
//    ldc = n;
//  * cublasGemmEx when b == 1, else cublasGemmStridedBatchedEx with strides m*k, n*k, m*n (both
//    operands batched; InfiniTensor's zero-stride broadcast of a rank-2 operand is not measured);
//  * CUBLAS_COMPUTE_32F_FAST_16F for f16, CUBLAS_COMPUTE_32F for f32 (its "default" compute type);
//  * alpha = 1, beta = 0 as float, the scale type of both compute types. (InfiniTensor passes half
//    scalars for f16; a float is what cuBLAS reads.)
class InfiniTensorGemm {
 public:
  // Allocates and fills the operands (values in {-1, -0.5, 0, 0.5, 1} from `seed`); throws when
  // the GPU cannot hold them.
  InfiniTensorGemm(cublasHandle_t handle, const GemmShape& shape, uint64_t seed);
  cublasStatus_t call(int algo) const;
  const char* api() const { return shape_.b == 1 ? "cublasGemmEx" : "cublasGemmStridedBatchedEx"; }
  const char* compute_type() const;
  // C = NaN, so that an algorithm that writes nothing fails the check.
  void poison_output(cudaStream_t stream) const;
  OutputCheck check_output() const;  // call after the GPU finished

 private:
  double reference(long long batch, int i, int j, double* magnitude) const;
  double output_at(long long batch, int i, int j) const;
  cublasHandle_t handle_;
  GemmShape shape_;
  HostMatrix a_, b_;
  DeviceBuffer da_, db_, dc_;
};

// Per-call times of `algo` on `gemm`: 10 untimed calls (InfiniTensor's warm-up), then `reps`
// repetitions of `calls_per_rep` back-to-back calls between two CUDA events; each repetition
// gives the events' elapsed time / calls_per_rep, in ms. Stops at a call that fails.
struct CallTimes {
  cublasStatus_t status = CUBLAS_STATUS_SUCCESS;
  std::vector<double> per_call_ms;
};
constexpr int kWarmupCalls = 10;
CallTimes time_calls(const InfiniTensorGemm& gemm, int algo, int reps, int calls_per_rep, cudaStream_t stream);

}  // namespace tcb
