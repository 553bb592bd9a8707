// Sparse (2:4, 1:2 for tf32, pairwise 4:8 for 4-bit) mma.sp atoms, CuTe style: one struct per
// row of mma_sp_table.hpp. Like the dense atoms (mma_sync.hpp), plus the metadata register `e`
// after C and the sparsity selector baked in as an immediate. ARegs hold the compressed A
// (m x k/2 kept values); the layouts live in families/mma/sparse_operands.hpp.
#pragma once
#include <cstdint>
#include "atom_info.hpp"
#include "mma_sp_asm.hpp"
#include "mma_sp_table.hpp"
#include "mma_sync.hpp"  // TCB_ARCH_IN, tcb_atom_unavailable, host-side __device__

namespace tcb {

// How the instruction reads its metadata (PTX ISA 9.7.14.6.1).
enum class SparseForm : uint8_t {
  sp,                // mma.sp: the two indices of a chunk may come in either order
  ordered_metadata,  // mma.sp::ordered_metadata: indices ascending (PTX 8.5+)
};

}  // namespace tcb

namespace tcb::atoms {

#define TCB_DEFINE_MMA_SP_ATOM(NAME, PTX, M, N, K, D, A, B, C, ND, NA, NB, NC, DT, DCON, AT, ACON, \
                               MIN, MAX, SASS, SEL, FORM)                                           \
  struct NAME {                                                                                    \
    using DReg = DT;                                                                               \
    using ABReg = AT;                                                                              \
    using DRegs = DT[ND];                                                                          \
    using ARegs = AT[NA];                                                                          \
    using BRegs = AT[NB];                                                                          \
    using CRegs = DT[NC];                                                                          \
    static constexpr bool sparse = true;                                                           \
    static constexpr int selector = SEL;                                                           \
    static constexpr SparseForm form = SparseForm::FORM;                                           \
    static constexpr AtomInfo info{#NAME, PTX, Family::mma_sp, M, N, K,                            \
                                   DType::D, DType::A, DType::B, DType::C, ND, NA, NB, NC,         \
                                   int(sizeof(DT)), int(sizeof(AT)), MIN, MAX, SASS,               \
                                   FragLayout::m16n8, 1, BitOp::none};                             \
    __device__ static __forceinline__ void fma(DRegs& d, ARegs const& a, BRegs const& b,           \
                                               CRegs const& c, uint32_t e) {                       \
      if constexpr (TCB_ARCH_IN(MIN, MAX)) {                                                       \
        TCB_ASM_SP_D##ND##_A##NA##_B##NB##_C##NC(PTX, DCON, ACON, SEL);                            \
      } else {                                                                                     \
        (void)e;                                                                                   \
        tcb_atom_unavailable();                                                                    \
      }                                                                                            \
    }                                                                                              \
  };

TCB_MMA_SP_ATOMS(TCB_DEFINE_MMA_SP_ATOM)
#undef TCB_DEFINE_MMA_SP_ATOM

}  // namespace tcb::atoms
