// Registers the structured-sparse wgmma.mma_async.sp atoms with e4m3/e5m2 inputs (default N set;
// every N with -DTCB_WGMMA_ALL_N=1; none with -DTCB_WGMMA_SPARSE=0). Apart from the dense ones
// so the build compiles them in parallel.
#include "families/mma/kernels/wgmma_chain.cuh"
#define TCB_WGMMA_GROUP_FP8  // define only this family's atoms
#include "ptx/wgmma_atoms.hpp"

#if TCB_WGMMA_SPARSE
namespace {
TCB_WGMMA_SPARSE_ATOMS_FP8(TCB_WGMMA_REGISTER)
}  // namespace
#endif
