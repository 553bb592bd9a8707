// One kernel template serves latency and throughput for every register-operand atom:
// each warp runs ILP independent accumulator chains of `steps` dependent mma steps.
//   latency    : 1 block, 1 warp, ILP 1, two chain lengths (the difference cancels overhead)
//   throughput : every SM busy, warps per SM x ILP swept
// Step t uses B for even t and Bneg for odd t (see families/mma/operands.hpp), so float values stay
// bounded; the final accumulators are always stored, so the compiler cannot drop the work.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <type_traits>
#include "families/mma/registry.hpp"

namespace tcb::kern {

template <class T, int N>
__device__ __forceinline__ void load_regs(T (&r)[N], const void* base, int lane) {
  const T* p = static_cast<const T*>(base) + lane * N;
#pragma unroll
  for (int i = 0; i < N; ++i) r[i] = p[i];
}

// Sparse atoms (mma.sp) declare `static constexpr bool sparse = true` and take one metadata
// register after C; dense atoms take none.
template <class Atom, class = void>
struct is_sparse : std::false_type {};
template <class Atom>
struct is_sparse<Atom, std::void_t<decltype(Atom::sparse)>> : std::bool_constant<Atom::sparse> {};

template <class Atom, int ILP>
__device__ __forceinline__ void chain_step(typename Atom::DRegs (&acc)[ILP], typename Atom::ARegs const& a,
                                           typename Atom::BRegs const& b, uint32_t meta) {
#pragma unroll
  for (int i = 0; i < ILP; ++i) {
    if constexpr (is_sparse<Atom>::value) Atom::fma(acc[i], a, b, acc[i], meta);
    else Atom::fma(acc[i], a, b, acc[i]);
  }
}

// ptxas emulates some PTX instructions (fp8, s4/u4, b1 XOR and f16 m8n8k4 on sm_90) with
// conversions plus other MMAs or scalar code, then hoists loop-invariant parts and shares
// products between chains that use the same A and B: with plain operands the first H100 run
// timed FADDs instead of products. For such instructions the runner asks for opaque operands:
// each chain XORs B with a run-time zero that changes every step and differs per chain, so every
// product must really be computed. Native instructions run the plain loop (one HMMA/IMMA/... per
// step and nothing else), because the extra LOP3s shift their latency by a cycle or two.
template <class T>
__device__ __forceinline__ T xor_bits(T x, uint32_t z) {
  if constexpr (sizeof(T) == 8) {
    return __longlong_as_double(__double_as_longlong(x) ^ ((static_cast<long long>(z) << 32) | z));
  } else {
    return x ^ z;
  }
}

template <class Atom, int ILP, bool Opaque>
__device__ __forceinline__ void run_step(typename Atom::DRegs (&acc)[ILP], typename Atom::ARegs const& a,
                                         typename Atom::BRegs const& b, uint32_t meta, uint32_t& z) {
  if constexpr (Opaque) {
    z = __funnelshift_l(z, z, 1);
#pragma unroll
    for (int i = 0; i < ILP; ++i) {
      typename Atom::BRegs bt;
      const uint32_t zi = __funnelshift_l(z, z, i);
#pragma unroll
      for (int r = 0; r < int(sizeof(bt) / sizeof(bt[0])); ++r) bt[r] = xor_bits(b[r], zi);
      if constexpr (is_sparse<Atom>::value) Atom::fma(acc[i], a, bt, acc[i], meta);
      else Atom::fma(acc[i], a, bt, acc[i]);
    }
  } else {
    chain_step<Atom, ILP>(acc, a, b, meta);
  }
}

// The timed loop: `steps` steps alternating B and Bneg, unrolled by 8.
template <class Atom, int ILP, bool Opaque>
__device__ __forceinline__ void run_chains(typename Atom::DRegs (&acc)[ILP], typename Atom::ARegs const& a,
                                           typename Atom::BRegs const& b, typename Atom::BRegs const& bneg,
                                           uint32_t meta, long steps, uint32_t z) {
  long s = 0;
#pragma unroll 1
  for (; s + 8 <= steps; s += 8) {
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      run_step<Atom, ILP, Opaque>(acc, a, b, meta, z);
      run_step<Atom, ILP, Opaque>(acc, a, bneg, meta, z);
    }
  }
#pragma unroll 1
  for (; s + 2 <= steps; s += 2) {
    run_step<Atom, ILP, Opaque>(acc, a, b, meta, z);
    run_step<Atom, ILP, Opaque>(acc, a, bneg, meta, z);
  }
  if (s < steps) run_step<Atom, ILP, Opaque>(acc, a, b, meta, z);
}

template <class Atom, int ILP>
__global__ void __launch_bounds__(1024) mma_chain(ChainLaunch p) {
  using DR = typename Atom::DReg;
  constexpr int ND = Atom::info.d_regs;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;

  typename Atom::ARegs a;
  typename Atom::BRegs b, bneg;
  typename Atom::DRegs acc[ILP];
  load_regs(a, block_operand(p.a_regs, p.block_stride_a, blockIdx.x), lane);
  load_regs(b, block_operand(p.b_regs, p.block_stride_b, blockIdx.x), lane);
  load_regs(bneg, block_operand(p.b_neg_regs, p.block_stride_b, blockIdx.x), lane);
  uint32_t meta = 0;
  if constexpr (is_sparse<Atom>::value) meta = static_cast<const uint32_t*>(p.e_regs)[lane];
#pragma unroll
  for (int i = 0; i < ILP; ++i) load_regs(acc[i], block_operand(p.c_regs, p.block_stride_c, blockIdx.x), lane);

  __syncthreads();
  unsigned long long c0 = clock64(), t0 = global_ns();

  if (p.opaque_operands) run_chains<Atom, ILP, true>(acc, a, b, bneg, meta, p.steps, p.opaque_zero);
  else run_chains<Atom, ILP, false>(acc, a, b, bneg, meta, p.steps, p.opaque_zero);

  __syncthreads();
  unsigned long long c1 = clock64(), t1 = global_ns();

  DR* out = static_cast<DR*>(p.d_out) + (size_t(blockIdx.x * p.warps_per_block + warp) * ILP) * 32 * ND;
#pragma unroll
  for (int i = 0; i < ILP; ++i)
#pragma unroll
    for (int r = 0; r < ND; ++r) out[(size_t(i) * 32 + lane) * ND + r] = acc[i][r];

  if (threadIdx.x == 0) {
    unsigned long long* t = p.timing + size_t(blockIdx.x) * kTimingWords;
    t[0] = c0; t[1] = c1; t[2] = t0; t[3] = t1; t[4] = sm_id();
  }
}

// Type-erased entry points for the registry.
template <class Atom, int... ILPs>
struct ChainEntry {
  template <int I>
  static bool try_launch(const ChainLaunch& p, cudaStream_t s, cudaError_t* err) {
    if (p.ilp != I) return false;
    mma_chain<Atom, I><<<p.blocks, p.warps_per_block * 32, 0, s>>>(p);
    *err = cudaGetLastError();
    return true;
  }
  static cudaError_t launch(const ChainLaunch& p, cudaStream_t s) {
    cudaError_t err = cudaErrorInvalidValue;  // ILP not compiled
    (try_launch<ILPs>(p, s, &err) || ...);
    return err;
  }
  static const void* kernel(int ilp) {
    const void* k = nullptr;
    ((ilp == ILPs ? (k = reinterpret_cast<const void*>(&mma_chain<Atom, ILPs>), true) : false) || ...);
    return k;
  }
  static Benchmark benchmark() {
    Benchmark b;
    b.info = Atom::info;
    b.ilps = {ILPs...};
    b.launch = &launch;
    b.kernel = &kernel;
    return b;
  }
};

}  // namespace tcb::kern
