// Dense mma.sync atoms, CuTe style: one struct per row of mma_sync_table.hpp holding the
// register-array typedefs, the run-time traits and one static fma() wrapping the PTX.
// The PTX is emitted only for architectures that have the instruction; elsewhere fma()
// traps, and the host never launches it (registry checks AtomInfo::exists_on()).
#pragma once
#include <cstdint>
#include "atom_info.hpp"
#include "mma_sync_asm.hpp"
#include "mma_sync_table.hpp"

#if defined(__CUDA_ARCH__)
#define TCB_ARCH_IN(MIN, MAX) (__CUDA_ARCH__ >= (MIN) * 10 && ((MAX) == 0 || __CUDA_ARCH__ <= (MAX) * 10))
#else
#define TCB_ARCH_IN(MIN, MAX) 0
#endif

#if !defined(__CUDACC__) && !defined(__device__)
#define __device__
#define __forceinline__ inline
#endif

namespace tcb::atoms {

#define TCB_DEFINE_MMA_SYNC_ATOM(NAME, PTX, M, N, K, D, A, B, C, ND, NA, NB, NC, DT, DCON, AT, ACON, \
                                 MIN, MAX, SASS, LAYOUT, MMAS, BITOP)                                 \
  struct NAME {                                                                                      \
    using DReg = DT;                                                                                 \
    using ABReg = AT;                                                                                \
    using DRegs = DT[ND];                                                                            \
    using ARegs = AT[NA];                                                                            \
    using BRegs = AT[NB];                                                                            \
    using CRegs = DT[NC];                                                                            \
    static constexpr AtomInfo info{#NAME, PTX, Family::mma_sync, M, N, K,                            \
                                   DType::D, DType::A, DType::B, DType::C, ND, NA, NB, NC,           \
                                   int(sizeof(DT)), int(sizeof(AT)), MIN, MAX, SASS,                 \
                                   FragLayout::LAYOUT, MMAS, BitOp::BITOP};                          \
    __device__ static __forceinline__ void fma(DRegs& d, ARegs const& a, BRegs const& b,             \
                                               CRegs const& c) {                                     \
      if constexpr (TCB_ARCH_IN(MIN, MAX)) {                                                         \
        TCB_ASM_D##ND##_A##NA##_B##NB##_C##NC(PTX, DCON, ACON);                                      \
      } else {                                                                                       \
        tcb_atom_unavailable();                                                                      \
      }                                                                                              \
    }                                                                                                \
  };

#if defined(__CUDA_ARCH__)
__device__ __forceinline__ void tcb_atom_unavailable() { __trap(); }
#else
inline void tcb_atom_unavailable() {}
#endif

TCB_MMA_SYNC_ATOMS(TCB_DEFINE_MMA_SYNC_ATOM)
#undef TCB_DEFINE_MMA_SYNC_ATOM

}  // namespace tcb::atoms
