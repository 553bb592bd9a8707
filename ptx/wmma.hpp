// Legacy WMMA atoms (nvcuda::wmma), CuTe style: one struct per row of wmma_table.hpp holding the
// run-time traits (`info`) and, in CUDA compilations, the fragment typedefs and device helpers
// load_a / load_b / load_c / mma / store_d. Operands live in memory as the microbenchmarks lay
// them out: A m x k row-major (ldm = k), B n x k col-major (ldm = k), C and D m x n row-major
// (ldm = n); sub-byte and b1 element counts are in elements, as <mma.h> wants them.
//
// A fragment type exists only in the compilation passes whose architecture has it (<mma.h>
// guards bf16/tf32/f64 by sm_80, s8/u8 by sm_72, s4/u4/b1 by sm_73). Helpers are templates so
// the wmma calls are instantiated only where `compiled` holds (__CUDA_ARCH__ >= min_sm * 10);
// elsewhere they trap, and kernels must keep fragment variables inside `if constexpr (compiled)`.
// Host-only translation units (no nvcc) see `info` alone.
#pragma once
#include <cstdint>
#include "atom_info.hpp"
#include "wmma_table.hpp"

#if defined(__CUDACC__)
#include <mma.h>
#endif

namespace tcb::atoms {

// wmma fragments are opaque: no lane/register map exists (operands travel as matrices,
// OperandForm::matrices). atom_info.hpp has no "opaque" value yet; m16n8 stands in and must
// not be used to pack registers.
inline constexpr FragLayout kWmmaFragLayout = FragLayout::m16n8;

#if defined(__CUDACC__)
namespace wmma_detail {
namespace w = nvcuda::wmma;

struct unavailable;  // element type of a fragment this compilation pass does not have

// Fragment element type and memory element type per DType.
template <DType T> struct elem { using type = unavailable; using mem = unavailable; };
template <> struct elem<DType::f16> { using type = __half; using mem = __half; };
template <> struct elem<DType::f32> { using type = float; using mem = float; };
template <> struct elem<DType::s32> { using type = int; using mem = int; };
template <> struct elem<DType::s8> { using type = signed char; using mem = signed char; };
template <> struct elem<DType::u8> { using type = unsigned char; using mem = unsigned char; };
template <> struct elem<DType::bf16> { using type = __nv_bfloat16; using mem = __nv_bfloat16; };
template <> struct elem<DType::f64> { using type = double; using mem = double; };
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 730
template <> struct elem<DType::s4> { using type = w::experimental::precision::s4; using mem = void; };
template <> struct elem<DType::u4> { using type = w::experimental::precision::u4; using mem = void; };
template <> struct elem<DType::b1> { using type = w::experimental::precision::b1; using mem = void; };
#endif
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
template <> struct elem<DType::tf32> { using type = w::precision::tf32; using mem = float; };
#endif

// D = A*B + C: mma_sync, or bmma_sync with the bit op for b1 (declared only where it exists).
template <BitOp OP>
struct mma_op {
  template <class D, class A, class B>
  __device__ static __forceinline__ void run(D& d, const A& a, const B& b, const D& c) { w::mma_sync(d, a, b, c); }
};
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 730
template <>
struct mma_op<BitOp::xor_popc> {
  template <class D, class A, class B>
  __device__ static __forceinline__ void run(D& d, const A& a, const B& b, const D& c) {
    w::bmma_sync(d, a, b, c, w::experimental::bmmaBitOpXOR, w::experimental::bmmaAccumulateOpPOPC);
  }
};
#endif
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
template <>
struct mma_op<BitOp::and_popc> {
  template <class D, class A, class B>
  __device__ static __forceinline__ void run(D& d, const A& a, const B& b, const D& c) {
    w::bmma_sync(d, a, b, c, w::experimental::bmmaBitOpAND, w::experimental::bmmaAccumulateOpPOPC);
  }
};
#endif

#if defined(__CUDA_ARCH__)
__device__ __forceinline__ void unavailable_trap() { __trap(); }
#else
inline void unavailable_trap() {}
#endif

template <int M, int N, int K, DType A, DType B, DType C, BitOp OP, int MIN_SM>
struct Ops {
#if defined(__CUDA_ARCH__)
  static constexpr bool compiled = __CUDA_ARCH__ >= MIN_SM * 10;
#else
  static constexpr bool compiled = false;  // the host pass never runs device code
#endif
  using AElem = typename elem<A>::type;
  using BElem = typename elem<B>::type;
  using CElem = typename elem<C>::type;
  using AMem = typename elem<A>::mem;  // pointer element types of the matrices in memory
  using BMem = typename elem<B>::mem;
  using CMem = typename elem<C>::mem;
  using FragA = w::fragment<w::matrix_a, M, N, K, AElem, w::row_major>;
  using FragB = w::fragment<w::matrix_b, M, N, K, BElem, w::col_major>;
  using FragC = w::fragment<w::accumulator, M, N, K, CElem>;  // C and D

  // ldm in elements: k for A (row-major) and B (col-major), n for C/D (row-major).
  // CUDA 13.0 emits .shared wmma.load/store for shared pointers only for f16, s8/u8, s4/u4, b1
  // and s32/f32 C/D of the sm_70/72 shapes; bf16 and tf32 A/B, m16n16k8 f32 C/D and all f64
  // fragments stay generic (SASS LD.E/ST.E, no LDSM), a cost the C++ API really has.
  template <class F>
  __device__ static __forceinline__ void load_a(F& f, const void* p) {
    if constexpr (compiled) w::load_matrix_sync(f, static_cast<const AMem*>(p), K);
    else unavailable_trap();
  }
  template <class F>
  __device__ static __forceinline__ void load_b(F& f, const void* p) {
    if constexpr (compiled) w::load_matrix_sync(f, static_cast<const BMem*>(p), K);
    else unavailable_trap();
  }
  template <class F>
  __device__ static __forceinline__ void load_c(F& f, const void* p) {
    if constexpr (compiled) w::load_matrix_sync(f, static_cast<const CMem*>(p), N, w::mem_row_major);
    else unavailable_trap();
  }
  template <class F>
  __device__ static __forceinline__ void store_d(void* p, const F& f) {
    if constexpr (compiled) w::store_matrix_sync(static_cast<CMem*>(p), f, N, w::mem_row_major);
    else unavailable_trap();
  }
  template <class F, class FA, class FB>
  __device__ static __forceinline__ void mma(F& d, const FA& a, const FB& b, const F& c) {
    if constexpr (compiled) mma_op<OP>::run(d, a, b, c);
    else unavailable_trap();
  }
};
}  // namespace wmma_detail
#define TCB_WMMA_OPS_BASE(M, N, K, A, B, C, BITOP, MIN) \
  : wmma_detail::Ops<M, N, K, DType::A, DType::B, DType::C, BitOp::BITOP, MIN>
#else
#define TCB_WMMA_OPS_BASE(M, N, K, A, B, C, BITOP, MIN)
#endif

#define TCB_DEFINE_WMMA_ATOM(NAME, PTX, M, N, K, D, A, B, C, ND, NA, NB, NC, CDB, ABB, MIN, SASS, BITOP) \
  struct NAME TCB_WMMA_OPS_BASE(M, N, K, A, B, C, BITOP, MIN) {                                          \
    static constexpr AtomInfo info{#NAME, PTX, Family::wmma, M, N, K,                                    \
                                   DType::D, DType::A, DType::B, DType::C, ND, NA, NB, NC,               \
                                   CDB, ABB, MIN, 0, SASS, kWmmaFragLayout, 1, BitOp::BITOP};           \
  };

TCB_WMMA_ATOMS(TCB_DEFINE_WMMA_ATOM)
#undef TCB_DEFINE_WMMA_ATOM
#undef TCB_WMMA_OPS_BASE

}  // namespace tcb::atoms
