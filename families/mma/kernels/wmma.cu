// Registers every legacy WMMA atom (ptx/wmma_table.hpp) five times: the mma chain and the
// load_a / load_b / load_c / store_d shared-memory kernels, each with ILP 1, 2, 4, 8.
#include "families/mma/kernels/wmma_chain.cuh"
#include "ptx/wmma.hpp"

namespace tcb::kern::wmma {
namespace {
#define TCB_REGISTER_WMMA(NAME, ...)                                                            \
  const Registrar reg_##NAME##_mma{Entry<atoms::NAME, Work::mma, 1, 2, 4, 8>::benchmark()};         \
  const Registrar reg_##NAME##_load_a{Entry<atoms::NAME, Work::load_a, 1, 2, 4, 8>::benchmark()};   \
  const Registrar reg_##NAME##_load_b{Entry<atoms::NAME, Work::load_b, 1, 2, 4, 8>::benchmark()};   \
  const Registrar reg_##NAME##_load_c{Entry<atoms::NAME, Work::load_c, 1, 2, 4, 8>::benchmark()};   \
  const Registrar reg_##NAME##_store_d{Entry<atoms::NAME, Work::store_d, 1, 2, 4, 8>::benchmark()};
TCB_WMMA_ATOMS(TCB_REGISTER_WMMA)
#undef TCB_REGISTER_WMMA
}  // namespace
}  // namespace tcb::kern::wmma
