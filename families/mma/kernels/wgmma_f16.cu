// Registers the wgmma atoms with f16 and bf16 inputs (f16 and f32 accumulators)
// with the chain kernel (families/mma/kernels/wgmma_chain.cuh): 128B swizzle, ILP 1 (and 2 where it
// fits), the default N sets of scripts/gen_wgmma.py. Build switches: -DTCB_WGMMA_ALL_N=1 every
// N. Sparse atoms: wgmma_f16_sparse.cu. One translation unit per type family so the build
// compiles them in parallel.
#include "families/mma/kernels/wgmma_chain.cuh"
#define TCB_WGMMA_GROUP_F16  // define only this family's atoms
#include "ptx/wgmma_atoms.hpp"

namespace {
TCB_WGMMA_ATOMS_F16(TCB_WGMMA_REGISTER)
}  // namespace

// The effect of the shared-memory layout: the N=256 f16-input SS atoms also with no, 32B and 64B
// swizzle (atoms and benchmarks suffixed _SWNONE, _SW32, _SW64; the 128B ones keep the plain
// name).
#if TCB_WGMMA_N_LO <= 256 && 256 < TCB_WGMMA_N_HI
TCB_WGMMA_REGISTER_SWIZZLE(SM90_64x256x16_F32F16F16_SS, 0, _SWNONE)
TCB_WGMMA_REGISTER_SWIZZLE(SM90_64x256x16_F32F16F16_SS, 32, _SW32)
TCB_WGMMA_REGISTER_SWIZZLE(SM90_64x256x16_F32F16F16_SS, 64, _SW64)
TCB_WGMMA_REGISTER_SWIZZLE(SM90_64x256x16_F16F16F16_SS, 0, _SWNONE)
TCB_WGMMA_REGISTER_SWIZZLE(SM90_64x256x16_F16F16F16_SS, 32, _SW32)
TCB_WGMMA_REGISTER_SWIZZLE(SM90_64x256x16_F16F16F16_SS, 64, _SW64)
#endif
