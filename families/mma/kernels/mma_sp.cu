// Registers every sparse mma.sp atom with the chain kernel (ILP 1, 2, 4, 8); the kernel loads one
// metadata register per lane from ChainLaunch::e_regs (families/mma/sparse_operands.hpp fills it).
#include "families/mma/kernels/mma_chain.cuh"
#include "ptx/mma_sp.hpp"

namespace tcb::kern {
namespace {
#define TCB_REGISTER_CHAIN(NAME, ...) \
  const Registrar reg_##NAME{ChainEntry<atoms::NAME, 1, 2, 4, 8>::benchmark()};
TCB_MMA_SP_ATOMS(TCB_REGISTER_CHAIN)
#undef TCB_REGISTER_CHAIN
}  // namespace
}  // namespace tcb::kern
