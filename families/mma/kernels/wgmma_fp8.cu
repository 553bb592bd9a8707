// Registers the wgmma atoms with e4m3/e5m2 inputs (all four A/B combinations; f16 and f32
// accumulators)
// with the chain kernel (families/mma/kernels/wgmma_chain.cuh): 128B swizzle, ILP 1 (and 2 where it
// fits), the default N sets of scripts/gen_wgmma.py. Build switches: -DTCB_WGMMA_ALL_N=1 every
// N. Sparse atoms: wgmma_fp8_sparse.cu. One translation unit per type family so the build
// compiles them in parallel.
#include "families/mma/kernels/wgmma_chain.cuh"
#define TCB_WGMMA_GROUP_FP8  // define only this family's atoms
#include "ptx/wgmma_atoms.hpp"

namespace {
TCB_WGMMA_ATOMS_FP8(TCB_WGMMA_REGISTER)
}  // namespace
