// Registers every dense mma.sync atom with the chain kernel (ILP 1, 2, 4, 8).
#include "families/mma/kernels/mma_chain.cuh"
#include "ptx/mma_sync.hpp"

namespace tcb::kern {
namespace {
#define TCB_REGISTER_CHAIN(NAME, ...) \
  const Registrar reg_##NAME{ChainEntry<atoms::NAME, 1, 2, 4, 8>::benchmark()};
TCB_MMA_SYNC_ATOMS(TCB_REGISTER_CHAIN)
#undef TCB_REGISTER_CHAIN
}  // namespace
}  // namespace tcb::kern
