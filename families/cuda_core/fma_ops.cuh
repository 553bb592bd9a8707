// The four CUDA-core FMA instructions as atoms (CUTLASS style: one struct per instruction,
// named for the first architecture the suite runs it on, the SASS it becomes and the types):
// the register a chain lives in, one step of the chain (x <- fma(x, x, c), the PTX in an asm
// volatile, on registers that only the kernel's arguments fill, so that nothing can fold it). The
// host twin of a step is reference.hpp's step_value for the atom's type.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "ptx/dtype.hpp"

namespace tcb::cuda_core {

struct FfmaF32 {
  using Reg = uint32_t;  // the register's bits
  static constexpr const char* atom = "SM70_FFMA_F32";
  static constexpr const char* ptx = "fma.rn.f32";
  static constexpr const char* sass = "^FFMA";
  static constexpr DType type = DType::f32;
  static constexpr int min_sm = 70;
#ifdef __CUDACC__
  static __device__ __forceinline__ Reg fma(Reg x, Reg c) {
    float v = __uint_as_float(x);
    asm volatile("fma.rn.f32 %0, %0, %0, %1;" : "+f"(v) : "f"(__uint_as_float(c)));
    return __float_as_uint(v);
  }
#endif
};

struct Hfma2F16 {
  using Reg = uint32_t;  // two f16, the low half first
  static constexpr const char* atom = "SM70_HFMA2_F16";
  static constexpr const char* ptx = "fma.rn.f16x2";
  // ptxas issues half of a chain's HFMA2 on the FMA pipe and half as HFMA2.MMA (the MMA pipe).
  static constexpr const char* sass = "^HFMA2";
  static constexpr DType type = DType::f16;
  static constexpr int min_sm = 70;
#ifdef __CUDACC__
  static __device__ __forceinline__ Reg fma(Reg x, Reg c) {
    asm volatile("fma.rn.f16x2 %0, %0, %0, %1;" : "+r"(x) : "r"(c));
    return x;
  }
#endif
};

struct Hfma2BF16 {
  using Reg = uint32_t;  // two bf16, the low half first
  static constexpr const char* atom = "SM80_HFMA2_BF16";
  static constexpr const char* ptx = "fma.rn.bf16x2";
  // HFMA2.BF16_V2 and, on sm_90, HFMA2.MMA.BF16_V2 (half of them, on the MMA pipe).
  static constexpr const char* sass = "^HFMA2(\\.MMA)?\\.BF16";
  static constexpr DType type = DType::bf16;
  static constexpr int min_sm = 80;
#ifdef __CUDACC__
  static __device__ __forceinline__ Reg fma(Reg x, Reg c) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
    asm volatile("fma.rn.bf16x2 %0, %0, %0, %1;" : "+r"(x) : "r"(c));
#else
    __trap();  // no bf16x2 arithmetic before sm_80 (the benchmark refuses such GPUs)
#endif
    return x;
  }
#endif
};

struct DfmaF64 {
  using Reg = uint64_t;  // the register pair's bits
  static constexpr const char* atom = "SM70_DFMA_F64";
  static constexpr const char* ptx = "fma.rn.f64";
  static constexpr const char* sass = "^DFMA";
  static constexpr DType type = DType::f64;
  static constexpr int min_sm = 70;
#ifdef __CUDACC__
  static __device__ __forceinline__ Reg fma(Reg x, Reg c) {
    double v = __longlong_as_double(static_cast<long long>(x));
    asm volatile("fma.rn.f64 %0, %0, %0, %1;" : "+d"(v) : "d"(__longlong_as_double(static_cast<long long>(c))));
    return static_cast<Reg>(__double_as_longlong(v));
  }
#endif
};

}  // namespace tcb::cuda_core
