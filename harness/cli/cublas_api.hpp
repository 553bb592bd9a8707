// cuBLAS, loaded at run time (dlopen) by the one command that calls it, `tcbench gemm-algos`.
// Linked in, its libraries (~600 MB with cuBLASLt) would be mapped by every tcbench command: the
// CPU-only `tcbench model` must start in 100 MB of address space, and machines without cuBLAS
// still run everything else. Only cublas_v2.h is needed at build time, for the types.
#pragma once
#include <cublas_v2.h>

namespace tcb {

struct CublasApi {
  cublasStatus_t (*create)(cublasHandle_t*) = nullptr;
  cublasStatus_t (*destroy)(cublasHandle_t) = nullptr;
  cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t) = nullptr;
  cublasStatus_t (*get_version)(cublasHandle_t, int*) = nullptr;
  const char* (*status_name)(cublasStatus_t) = nullptr;
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
                            const void*, cudaDataType, int, const void*, cudaDataType, int, const void*, void*,
                            cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t) = nullptr;
  cublasStatus_t (*gemm_strided_batched_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                            const void*, const void*, cudaDataType, int, long long, const void*,
                                            cudaDataType, int, long long, const void*, void*, cudaDataType, int,
                                            long long, int, cublasComputeType_t, cublasGemmAlgo_t) = nullptr;
};

// The loaded library's functions (libcublas.so.<major of the headers built against>, from the
// loader's search path, else the CUDA toolkit's library folder); the first call loads it. Throws
// std::runtime_error naming the library when it or a function is missing.
const CublasApi& cublas_api();

}  // namespace tcb
