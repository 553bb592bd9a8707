// tcgen05.mma chains (ptx/blackwell_atoms.hpp): one CTA of 4 warps; warp 0 allocates 128 columns
// of tensor memory, thread 0 issues the dependent MMAs and commits them to an mbarrier, every
// warp reads its 32 lanes of D back with tcgen05.ld and checks them.
#include "families/blackwell/kernels.hpp"
#include "ptx/blackwell_atoms.hpp"

namespace tcb::blackwell {
namespace {

constexpr int kThreads = 128;
constexpr int kTileBytes = 128 * 32;  // M (or N) = 128 rows x 32 bytes of K per instruction

template <class Atom>
__global__ void __launch_bounds__(kThreads) tcgen05_chain(int steps, ChainResult* out) {
  __shared__ alignas(1024) uint32_t a_tile[kTileBytes / 4], b_tile[kTileBytes / 4];
  __shared__ alignas(8) uint64_t mbar;
  __shared__ uint32_t tmem_base;
  for (int i = threadIdx.x; i < kTileBytes / 4; i += kThreads) a_tile[i] = b_tile[i] = Atom::one;
  const uint32_t mbar_addr = static_cast<uint32_t>(__cvta_generic_to_shared(&mbar));
  if (threadIdx.x == 0)
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(mbar_addr) : "memory");
  // Ordinary stores, read by the tensor cores through the async proxy.
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  if (threadIdx.x / 32 == 0) tmem_alloc(static_cast<uint32_t>(__cvta_generic_to_shared(&tmem_base)), 128);
  tcgen05_fence_before();
  __syncthreads();
  tcgen05_fence_after();
  const uint32_t d_tmem = tmem_base;

  // No swizzle, K-major: core matrices of 8 rows x 16 B; the next one along K is 128 B on, the
  // next 8-row group 256 B on (2 core matrices of K = 32 B per row).
  const uint64_t a_desc = tcgen05_smem_desc(static_cast<uint32_t>(__cvta_generic_to_shared(a_tile)), 128, 256);
  const uint64_t b_desc = tcgen05_smem_desc(static_cast<uint32_t>(__cvta_generic_to_shared(b_tile)), 128, 256);
  long long t0 = 0;
  if (threadIdx.x == 0) {
    t0 = clock64();
    for (int s = 0; s < steps; ++s) Atom::fma(d_tmem, a_desc, b_desc, s > 0 ? 1u : 0u);
    tcgen05_commit(mbar_addr);
  }
  // Wait for phase 0 of the mbarrier: the commit arrives when every MMA above has completed.
  asm volatile(
      "{\n\t.reg .pred done;\n"
      "wait_%=:\n\t"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], 0;\n\t"
      "@!done bra wait_%=;\n\t}" ::"r"(mbar_addr)
      : "memory");
  tcgen05_fence_after();
  if (threadIdx.x == 0) out->cycles = clock64() - t0;

  const uint32_t warp = threadIdx.x / 32;
  unsigned bad = 0;
  for (int col = 0; col < Atom::N; col += 8) {
    uint32_t r[8];
    tmem_ld_32x32b_x8(d_tmem + ((warp * 32) << 16) + col, r);
    for (int j = 0; j < 8; ++j) {
      const bool is_int = Atom::idesc >> 4 & 2;  // c_format s32
      const float v = is_int ? static_cast<float>(static_cast<int>(r[j])) : __uint_as_float(r[j]);
      if (v != static_cast<float>(steps * Atom::K)) ++bad;
      if (threadIdx.x == 0 && col == 0 && j == 0) out->first = v;
    }
  }
  if (bad) atomicAdd(&out->mismatches, bad);
  tcgen05_fence_before();
  __syncthreads();
  if (warp == 0) tmem_dealloc(d_tmem, 128);
}

template <class Atom>
cudaError_t launch(int steps, ChainResult* out, cudaStream_t stream) {
  tcgen05_chain<Atom><<<1, kThreads, 0, stream>>>(steps, out);
  return cudaGetLastError();
}

template <class Atom>
constexpr KernelEntry entry(const char* name) {
  return {name, reinterpret_cast<const void*>(&tcgen05_chain<Atom>), &launch<Atom>};
}

}  // namespace

const KernelEntry kTcgen05Kernels[] = {
    entry<SM100_128x128x16_F32F16F16_SS>("SM100_128x128x16_F32F16F16_SS"),
    entry<SM100_128x128x8_F32TF32TF32_SS>("SM100_128x128x8_F32TF32TF32_SS"),
    entry<SM100_128x128x32_F32E4M3E4M3_SS>("SM100_128x128x32_F32E4M3E4M3_SS"),
    entry<SM100_128x128x32_S32S8S8_SS>("SM100_128x128x32_S32S8S8_SS"),
};
const int kTcgen05KernelCount = sizeof(kTcgen05Kernels) / sizeof(kTcgen05Kernels[0]);

}  // namespace tcb::blackwell
