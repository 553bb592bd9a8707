// Block-scaled mma.sync chains (ptx/blackwell_atoms.hpp, sm_120a / sm_120f): one warp, all-ones
// operands and unit scale factors, D fed back as C `steps` times; every D element must be steps x K.
#include "families/blackwell/kernels.hpp"
#include "ptx/blackwell_atoms.hpp"

namespace tcb::blackwell {
namespace {

template <class Atom>
__global__ void __launch_bounds__(32) block_scale_chain(int steps, ChainResult* out) {
  const uint32_t one = Atom::one + (threadIdx.x >> 5);  // not a compile-time constant to ptxas
  const uint32_t a[4] = {one, one, one, one}, b[2] = {one, one};
  float d[4] = {0, 0, 0, 0};
  const long long t0 = clock64();
  for (int s = 0; s < steps; ++s) Atom::fma(d, a, b, Atom::scale_one, Atom::scale_one);
  const long long t1 = clock64();
  unsigned bad = 0;
  for (float v : d) bad += v != static_cast<float>(steps * Atom::K);
  if (threadIdx.x == 0) {
    out->cycles = t1 - t0;
    out->first = d[0];
  }
  if (bad) atomicAdd(&out->mismatches, bad);
}

template <class Atom>
cudaError_t launch(int steps, ChainResult* out, cudaStream_t stream) {
  block_scale_chain<Atom><<<1, 32, 0, stream>>>(steps, out);
  return cudaGetLastError();
}

template <class Atom>
constexpr KernelEntry entry(const char* name) {
  return {name, reinterpret_cast<const void*>(&block_scale_chain<Atom>), &launch<Atom>};
}

}  // namespace

const KernelEntry kBlockScaleKernels[] = {
    entry<SM120_16x8x32_F32E4M3E4M3F32_UE8M0>("SM120_16x8x32_F32E4M3E4M3F32_UE8M0"),
    entry<SM120_16x8x64_F32E2M1E2M1F32_UE8M0>("SM120_16x8x64_F32E2M1E2M1F32_UE8M0"),
    entry<SM120_16x8x64_F32E2M1E2M1F32_UE4M3>("SM120_16x8x64_F32E2M1E2M1F32_UE4M3"),
};
const int kBlockScaleKernelCount = sizeof(kBlockScaleKernels) / sizeof(kBlockScaleKernels[0]);

}  // namespace tcb::blackwell
