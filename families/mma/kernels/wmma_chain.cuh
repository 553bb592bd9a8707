// Kernel templates for the legacy WMMA atoms (ptx/wmma.hpp), one per kind of work, all with the
// launch contract and timing of mma_chain.cuh: block = p.warps_per_block warps, p.blocks blocks;
// after __syncthreads thread 0 takes clock64 and %globaltimer, after the final __syncthreads
// again, and writes p.timing[block*kTimingWords + {0..4}] = {clk0, clk1, ns0, ns1, smid}.
// Operands are matrices (OperandForm::matrices): A m x k row-major at p.a_mat, B n x k
// col-major at p.b_mat, -B at p.b_neg_mat, C m x n row-major at p.c_mat (accumulator type).
// d_out holds m x n row-major accumulator matrices, one per [block][warp][chain]:
//   wmma_chain  (Work::mma)     : D after p.steps chain steps (as mma_chain.cuh)
//   wmma_load   (Work::load_a)  : A_s * B + C, A_s = the chain's last fragment loaded from shared memory
//               (Work::load_b)  : A * B_s + C            -> host checks "chain of 1 step"
//               (Work::load_c)  : C_s stored back        -> host checks "chain of 0 steps" (= C)
//   wmma_store  (Work::store_d) : the chain's shared-memory D tile read back after the timed
//                                 stores (the last one stores C) -> "chain of 0 steps" (= C)
// So the host verifies load_a/load_b as a 1-step chain and load_c/store_d as a 0-step chain,
// whatever p.steps was.
// A load error in any timed step also corrupts the result (see wmma_load), so a correct d_out
// proves every load returned the staged matrix.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <cstring>
#include "families/mma/kernels/mma_chain.cuh"  // global_ns, sm_id
#include "families/mma/registry.hpp"

namespace tcb::kern::wmma {

// Register estimate -> launch bound: 1024 threads allow 64 registers per thread. Kernels that
// need more (mostly ILP 8 with 8-word accumulators or 4+-word load fragments; the estimates below
// were checked against ptxas -v, CUDA 13.0, sm_80/sm_90a: no spills inside timed loops, at most
// the start clock values) get a bound of 512, so some large warps x ILP points cannot be
// resident; the runner's occupancy check skips them.
constexpr int max_threads_for(int regs) { return regs <= 64 ? 1024 : regs <= 128 ? 512 : 256; }

// Distinct 32-bit words one lane holds of a rows x cols operand: fragments may replicate data
// (f16 A/B), which the compiler keeps in one register. Used for the register estimates only.
constexpr int distinct_words(int rows, int cols, DType t) {
  return rows * cols * dtype_bits(t) / 1024 > 0 ? rows * cols * dtype_bits(t) / 1024 : 1;
}

template <class Atom>
constexpr int a_words() { return Atom::info.a_regs * Atom::info.ab_reg_bytes / 4; }
template <class Atom>
constexpr int b_words() { return Atom::info.b_regs * Atom::info.ab_reg_bytes / 4; }
template <class Atom>
constexpr int c_words() { return Atom::info.c_regs * Atom::info.cd_reg_bytes / 4; }

// Bytes of one operand matrix in memory (packed elements).
template <class Atom, Work W>
constexpr int operand_bytes() {
  constexpr AtomInfo i = Atom::info;
  if constexpr (W == Work::load_a) return i.m * i.k * dtype_bits(i.a) / 8;
  else if constexpr (W == Work::load_b) return i.n * i.k * dtype_bits(i.b) / 8;
  else return i.m * i.n * dtype_bits(i.c) / 8;
}

// ---- 1. mma chain ----------------------------------------------------------------------------
template <class Atom>
constexpr int chain_regs(int ilp) {  // ILP accumulators + A + B, Bneg and the per-step opaque B
  constexpr AtomInfo i = Atom::info;
  return ilp * c_words<Atom>() + distinct_words(i.m, i.k, i.a) + 3 * distinct_words(i.k, i.n, i.b) + 8;
}

// As in mma_chain.cuh: ptxas emulates s4/u4 and b1 XOR on sm_90 and may then hoist loop-invariant
// work or share products between chains with equal operands. For such instructions the runner
// sets p.opaque_operands: each chain XORs B with a run-time zero (p.opaque_zero) that rotates
// every step and differs per chain, so every product is really computed. Native instructions run
// the plain loop (one wmma per chain and step, nothing else). A stays fixed. Fragment words go
// through memcpy: copying byte/half fragments element-wise makes the compiler unpack them.
template <class F>
__device__ __forceinline__ void xor_copy(F& out, const F& in, uint32_t z) {
  constexpr int n = sizeof(in.x) / 4;
  uint32_t w[n];
  memcpy(w, in.x, sizeof(w));
#pragma unroll
  for (int j = 0; j < n; ++j) w[j] ^= z;
  memcpy(out.x, w, sizeof(w));
}

template <class Atom, int ILP, bool Opaque>
__device__ __forceinline__ void wmma_step(typename Atom::FragC (&acc)[ILP], const typename Atom::FragA& a,
                                          const typename Atom::FragB& b, uint32_t& z) {
  if constexpr (Opaque) {
    z = __funnelshift_l(z, z, 1);
#pragma unroll
    for (int i = 0; i < ILP; ++i) {
      typename Atom::FragB bt;
      xor_copy(bt, b, __funnelshift_l(z, z, i));
      Atom::mma(acc[i], a, bt, acc[i]);
    }
  } else {
#pragma unroll
    for (int i = 0; i < ILP; ++i) Atom::mma(acc[i], a, b, acc[i]);
  }
}

// The timed loop: `steps` steps alternating B and Bneg, unrolled by 8 (as mma_chain.cuh).
template <class Atom, int ILP, bool Opaque>
__device__ __forceinline__ void wmma_chains(typename Atom::FragC (&acc)[ILP], const typename Atom::FragA& a,
                                            const typename Atom::FragB& b, const typename Atom::FragB& bneg,
                                            long steps, uint32_t z) {
  long s = 0;
#pragma unroll 1
  for (; s + 8 <= steps; s += 8) {
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      wmma_step<Atom, ILP, Opaque>(acc, a, b, z);
      wmma_step<Atom, ILP, Opaque>(acc, a, bneg, z);
    }
  }
#pragma unroll 1
  for (; s + 2 <= steps; s += 2) {
    wmma_step<Atom, ILP, Opaque>(acc, a, b, z);
    wmma_step<Atom, ILP, Opaque>(acc, a, bneg, z);
  }
  if (s < steps) wmma_step<Atom, ILP, Opaque>(acc, a, b, z);
}

template <class Atom, int ILP>
__global__ void __launch_bounds__(max_threads_for(chain_regs<Atom>(ILP))) wmma_chain(ChainLaunch p) {
  if constexpr (Atom::compiled) {
    constexpr AtomInfo I = Atom::info;
    using FA = typename Atom::FragA;
    using FB = typename Atom::FragB;
    using FC = typename Atom::FragC;
    static_assert(sizeof(FA::x) == a_words<Atom>() * 4 && sizeof(FB::x) == b_words<Atom>() * 4 &&
                      sizeof(FC::x) == c_words<Atom>() * 4,
                  "wmma_table.hpp register counts disagree with <mma.h>");
    const unsigned warp = threadIdx.x >> 5;
    FA a;
    FB b, bneg;
    FC acc[ILP];
    Atom::load_a(a, block_operand(p.a_mat, p.block_stride_a, blockIdx.x));
    Atom::load_b(b, block_operand(p.b_mat, p.block_stride_b, blockIdx.x));
    Atom::load_b(bneg, block_operand(p.b_neg_mat, p.block_stride_b, blockIdx.x));
#pragma unroll
    for (int i = 0; i < ILP; ++i) Atom::load_c(acc[i], block_operand(p.c_mat, p.block_stride_c, blockIdx.x));

    __syncthreads();
    unsigned long long c0 = clock64(), t0 = global_ns();
    if (p.opaque_operands) wmma_chains<Atom, ILP, true>(acc, a, b, bneg, p.steps, p.opaque_zero);
    else wmma_chains<Atom, ILP, false>(acc, a, b, bneg, p.steps, p.opaque_zero);
    __syncthreads();
    unsigned long long c1 = clock64(), t1 = global_ns();

    constexpr size_t tile_bytes = size_t(I.m) * I.n * dtype_bits(I.d) / 8;
    char* out = static_cast<char*>(p.d_out) + size_t(blockIdx.x * p.warps_per_block + warp) * ILP * tile_bytes;
#pragma unroll
    for (int i = 0; i < ILP; ++i) Atom::store_d(out + i * tile_bytes, acc[i]);
    if (threadIdx.x == 0) {
      unsigned long long* t = p.timing + size_t(blockIdx.x) * kTimingWords;
      t[0] = c0; t[1] = c1; t[2] = t0; t[3] = t1; t[4] = sm_id();
    }
  } else {
    __trap();
  }
}

// ---- 2. loads and stores from shared memory ------------------------------------------------------
// kCopies copies of the operand sit in shared memory, 128-byte aligned; chain i uses copy i.
// The buffer is 1024-byte aligned and a multiple of 1024 bytes, so any address that differs from
// a copy's start only in bits 7..9 stays inside it (see wmma_load).
constexpr int kCopies = 8;
template <int Bytes>
constexpr int copy_stride() { return (Bytes + 127) / 128 * 128; }
template <int Bytes>
constexpr int smem_size() { return (kCopies * copy_stride<Bytes>() + 1023) / 1024 * 1024; }

// Sum of the fragment's 32-bit words plus `init` (every wmma fragment is a multiple of 4 bytes).
// A sum, not an XOR: f16 A/B fragments hold every word twice, which an XOR would cancel.
template <int N>
__device__ __forceinline__ uint32_t tree_sum(const uint32_t* w) {
  if constexpr (N == 1) return w[0];
  else return tree_sum<N / 2>(w) + tree_sum<N - N / 2>(w + N / 2);  // ptxas may linearise it
}
template <class F>
__device__ __forceinline__ uint32_t fold(const F& f, uint32_t init) {
  constexpr int n = sizeof(f.x) / 4;
  uint32_t w[n + 1];
  memcpy(w, f.x, n * 4);
  w[n] = init;
  return tree_sum<n + 1>(w);
}
template <class F>
__device__ __forceinline__ void xor_word0(F& f, uint32_t v) {
  uint32_t w0;
  memcpy(&w0, &f.x[0], 4);
  w0 ^= v;
  memcpy(&f.x[0], &w0, 4);
}

// Stage `bytes` from global into kCopies copies (whole block; bytes is a multiple of 4).
template <int Bytes>
__device__ __forceinline__ void stage_copies(unsigned char* smem, const void* src) {
  const uint32_t* s = static_cast<const uint32_t*>(src);
  for (int idx = threadIdx.x; idx < kCopies * (Bytes / 4); idx += blockDim.x) {
    const int c = idx / (Bytes / 4), j = idx % (Bytes / 4);
    reinterpret_cast<uint32_t*>(smem + c * copy_stride<Bytes>())[j] = s[j];
  }
}

template <class Atom, Work W>
struct Operand;  // the fragment a load kernel moves, and how
template <class Atom>
struct Operand<Atom, Work::load_a> {
  using Frag = typename Atom::FragA;
  __device__ static void load(Frag& f, const void* q) { Atom::load_a(f, q); }
};
template <class Atom>
struct Operand<Atom, Work::load_b> {
  using Frag = typename Atom::FragB;
  __device__ static void load(Frag& f, const void* q) { Atom::load_b(f, q); }
};
template <class Atom>
struct Operand<Atom, Work::load_c> {
  using Frag = typename Atom::FragC;
  __device__ static void load(Frag& f, const void* q) { Atom::load_c(f, q); }
};

template <class Atom, Work W>
constexpr int load_kernel_regs(int ilp) {  // ILP fragments + their d and err words
  constexpr AtomInfo i = Atom::info;
  constexpr int words = W == Work::load_a ? distinct_words(i.m, i.k, i.a)
                        : W == Work::load_b ? distinct_words(i.k, i.n, i.b) : c_words<Atom>();
  return ilp * (words + 2) + 24;
}

// Each chain i is a dependent sequence of p.steps loads: load t+1 reads from byte offset
// (i * stride) ^ (d & 0x380) with d = sum of the words of load t minus the same sum over the
// fragment loaded from global memory, which is 0 when the load is right. So ILP = fragments in
// flight per warp, the compiler can neither hoist nor merge loads, and ILP 1 on one warp gives
// load latency plus the dependency: the word sum (ptxas makes it a chain of about words/2 IADD3;
// 4 for an f16 A fragment on sm_90a) and one LOP3 + IADD3 for the address. Every d is also OR-ed into `err`, which is XOR-ed into word 0 of the result,
// so a wrong value in any timed load makes d_out wrong (and a wrong address stays in bounds).
template <class Atom, Work W, int ILP>
__global__ void __launch_bounds__(max_threads_for(load_kernel_regs<Atom, W>(ILP))) wmma_load(ChainLaunch p) {
  if constexpr (Atom::compiled) {
    constexpr AtomInfo I = Atom::info;
    using Op = Operand<Atom, W>;
    using F = typename Op::Frag;
    constexpr int bytes = operand_bytes<Atom, W>();
    constexpr int stride = copy_stride<bytes>();
    __shared__ alignas(1024) unsigned char smem[smem_size<bytes>()];
    const void* src = W == Work::load_a ? p.a_mat : W == Work::load_b ? p.b_mat : p.c_mat;
    stage_copies<bytes>(smem, src);
    const unsigned warp = threadIdx.x >> 5;

    // No fragment copies anywhere: copying byte/half arrays makes the compiler unpack them.
    uint32_t neg_ref;
    {
      F ref;
      Op::load(ref, src);
      neg_ref = 0u - fold(ref, 0u);
    }
    __syncthreads();  // copies staged
    F f[ILP];
    uint32_t d[ILP], err[ILP];
#pragma unroll
    for (int i = 0; i < ILP; ++i) {
      Op::load(f[i], smem + i * stride);  // holds the result when p.steps == 0
      d[i] = 0;
      err[i] = fold(f[i], neg_ref);
    }

    auto step = [&]() {
#pragma unroll
      for (int i = 0; i < ILP; ++i) {
        Op::load(f[i], smem + ((i * stride) ^ (d[i] & 0x380u)));
        d[i] = fold(f[i], neg_ref);
        err[i] |= d[i];
      }
    };
    __syncthreads();
    unsigned long long c0 = clock64(), t0 = global_ns();
    long s = 0;
#pragma unroll 1
    for (; s + 4 <= p.steps; s += 4) {
      step(); step(); step(); step();
    }
#pragma unroll 1
    for (; s < p.steps; ++s) step();
    __syncthreads();
    unsigned long long c1 = clock64(), t1 = global_ns();

    constexpr size_t tile_bytes = size_t(I.m) * I.n * dtype_bits(I.d) / 8;
    char* out = static_cast<char*>(p.d_out) + size_t(blockIdx.x * p.warps_per_block + warp) * ILP * tile_bytes;
#pragma unroll
    for (int i = 0; i < ILP; ++i) {
      xor_word0(f[i], err[i]);
      if constexpr (W == Work::load_c) {
        Atom::store_d(out + i * tile_bytes, f[i]);
      } else {
        typename Atom::FragA a;
        typename Atom::FragB b;
        typename Atom::FragC c;
        Atom::load_c(c, p.c_mat);
        if constexpr (W == Work::load_a) {
          Atom::load_b(b, p.b_mat);
          Atom::mma(c, f[i], b, c);
        } else {
          Atom::load_a(a, p.a_mat);
          Atom::mma(c, a, f[i], c);
        }
        Atom::store_d(out + i * tile_bytes, c);
      }
    }
    if (threadIdx.x == 0) {
      unsigned long long* t = p.timing + size_t(blockIdx.x) * kTimingWords;
      t[0] = c0; t[1] = c1; t[2] = t0; t[3] = t1; t[4] = sm_id();
    }
  } else {
    __trap();
  }
}

template <class Atom>
constexpr int store_regs() { return 2 * c_words<Atom>() + 24; }

// Each step stores ILP accumulator fragments into the warp's own tile of shared memory (no two
// warps share an address: no inter-warp race, which compute-sanitizer's racecheck would rightly
// flag). Word 0 of the fragment is XOR-ed with ((s ^ (steps-1)) & 1) so consecutive stores differ
// and the last one is C itself. The address carries a run-time zero (different per step and
// chain) and an empty asm with a memory clobber separates steps, so neither nvcc nor ptxas can
// prove that two stores hit one address and drop the earlier (ptxas did, with a plain address);
// cost: about 2 integer instructions per step. The tiles start zeroed; after the timed loop every
// warp reads its own tile back into each chain's d_out. The last store in program order is the
// last step's, so d_out = C exactly (were every timed store dropped, zeros would show). With
// p.steps == 0 each warp stores C once, untimed.
constexpr int kMaxWarpsPerBlock = 32;  // 1024 threads, the most any launch bound allows
template <class Atom, int ILP>
__global__ void __launch_bounds__(max_threads_for(store_regs<Atom>())) wmma_store(ChainLaunch p) {
  if constexpr (Atom::compiled) {
    constexpr AtomInfo I = Atom::info;
    using F = typename Atom::FragC;
    constexpr int bytes = operand_bytes<Atom, Work::store_d>();
    constexpr int stride = copy_stride<bytes>();
    __shared__ alignas(128) unsigned char smem[kMaxWarpsPerBlock * stride];
    for (int j = threadIdx.x; j < kMaxWarpsPerBlock * stride / 4; j += blockDim.x) reinterpret_cast<uint32_t*>(smem)[j] = 0;
    const unsigned warp = threadIdx.x >> 5;
    unsigned char* tile = smem + warp * stride;  // this warp's alone
    // v0 / v1: what even / odd steps store; the last step (parity of steps-1) stores C unchanged.
    // Two loads rather than a copy, and no run-time index, so both stay in registers.
    F v0, v1;
    Atom::load_c(v0, p.c_mat);
    Atom::load_c(v1, p.c_mat);
    const uint32_t flip0 = (p.steps & 1) ? 0u : 1u;
    xor_word0(v0, flip0);
    xor_word0(v1, flip0 ^ 1u);

    // Byte offset of step t, chain i: (t * ILP + i) & p.opaque_zero, 0 but unknown to nvcc and
    // ptxas, so they cannot prove that two stores go to one address and drop the first.
    const unsigned zero = p.opaque_zero;
    auto at = [&](long t, int i) { return tile + (unsigned(t * ILP + i) & zero); };

    __syncthreads();
    unsigned long long c0 = clock64(), t0 = global_ns();
    long s = 0;
#pragma unroll 1
    for (; s + 4 <= p.steps; s += 4) {  // s even: step s+u has parity u
#pragma unroll
      for (int u = 0; u < 4; ++u) {
#pragma unroll
        for (int i = 0; i < ILP; ++i) Atom::store_d(at(s + u, i), (u & 1) ? v1 : v0);
        asm volatile("" ::: "memory");
      }
    }
    for (; s < p.steps; ++s) {  // at most 3 steps, s even first
#pragma unroll
      for (int i = 0; i < ILP; ++i) Atom::store_d(at(s, i), v0);
      asm volatile("" ::: "memory");
      if (++s == p.steps) break;
#pragma unroll
      for (int i = 0; i < ILP; ++i) Atom::store_d(at(s, i), v1);
      asm volatile("" ::: "memory");
    }
    __syncthreads();
    unsigned long long c1 = clock64(), t1 = global_ns();
    if (p.steps == 0) {  // nothing stored yet; v1 is C unchanged when steps is even
      Atom::store_d(tile, v1);
      __syncwarp();
    }

    constexpr size_t tile_bytes = size_t(I.m) * I.n * dtype_bits(I.d) / 8;
    char* out = static_cast<char*>(p.d_out) + size_t(blockIdx.x * p.warps_per_block + warp) * ILP * tile_bytes;
#pragma unroll
    for (int i = 0; i < ILP; ++i) {
      F r;
      Atom::load_c(r, tile);
      Atom::store_d(out + i * tile_bytes, r);
    }
    if (threadIdx.x == 0) {
      unsigned long long* t = p.timing + size_t(blockIdx.x) * kTimingWords;
      t[0] = c0; t[1] = c1; t[2] = t0; t[3] = t1; t[4] = sm_id();
    }
  } else {
    __trap();
  }
}

// ---- registry glue ---------------------------------------------------------------------------
template <class Atom, Work W, int ILP>
const void* kernel_ptr() {
  if constexpr (W == Work::mma) return reinterpret_cast<const void*>(&wmma_chain<Atom, ILP>);
  else if constexpr (W == Work::store_d) return reinterpret_cast<const void*>(&wmma_store<Atom, ILP>);
  else return reinterpret_cast<const void*>(&wmma_load<Atom, W, ILP>);
}

template <class Atom, Work W, int... ILPs>
struct Entry {
  static const void* kernel(int ilp) {
    const void* k = nullptr;
    ((ilp == ILPs ? (k = kernel_ptr<Atom, W, ILPs>(), true) : false) || ...);
    return k;
  }
  static cudaError_t launch(const ChainLaunch& p, cudaStream_t s) {
    const void* k = kernel(p.ilp);
    if (!k) return cudaErrorInvalidValue;  // ILP not compiled
    void* args[] = {const_cast<ChainLaunch*>(&p)};
    cudaError_t err = cudaLaunchKernel(k, dim3(p.blocks), dim3(p.warps_per_block * 32), args, 0, s);
    return err != cudaSuccess ? err : cudaGetLastError();
  }
  static Benchmark benchmark() {
    Benchmark b;
    b.info = Atom::info;
    b.work = W;
    b.bytes_per_step = W == Work::mma ? 0 : operand_bytes<Atom, W>();
    b.form = OperandForm::matrices;
    b.threads_per_unit = 32;
    b.smem_bytes = 0;  // static shared memory only
    b.ilps = {ILPs...};
    b.launch = &launch;
    b.kernel = &kernel;
    return b;
  }
};

}  // namespace tcb::kern::wmma
