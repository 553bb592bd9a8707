// Chain kernel for Hopper wgmma atoms (ptx/wgmma_atoms.hpp): completion latency, issue interval
// and throughput of one wgmma.mma_async{.sp} variant, operands in canonical shared-memory tiles.
//
// Contract (the runner relies on it):
//   * block = p.warps_per_block warps, a multiple of 4 (else launch() returns
//     cudaErrorInvalidValue); warpgroup u = warps 4u..4u+3; p.blocks blocks.
//   * A (64 x K, K-major), B and -B (N x K, K-major) come as packed matrices (p.a_mat, p.b_mat,
//     p.b_neg_mat; -B == B for integer and b1 types); C (64 x N row-major, accumulator element
//     type: 16-bit for f16, else 32-bit) at p.c_mat. Element bits are packed little-endian along
//     rows; every buffer must be 16-byte aligned (cudaMalloc's are). The block copies A, B, -B
//     into shared memory in the canonical layout of its swizzle mode; RS atoms load their A
//     registers from p.a_mat (PTX ISA wgmma A-fragment layout).
//   * sparse atoms (Atom::sparse, PTX wgmma.mma_async.sp): A, B, -B and C as for dense atoms
//     (A is the full 64 x K matrix). Every thread passes sp-meta kWgmmaSparseMeta with sp-sel 0:
//     the 2:4 pattern keeps k % 4 in {0, 1} (8- and 16-bit types) or even k (tf32, 1:2), and the
//     kernel compresses A to those elements (64 x K/2) on its way into shared memory or
//     registers. The other elements of A are IGNORED: D = C + A'*B with A' = A with them zeroed
//     (the caller's data and reference should zero them).
//   * each warpgroup runs p.ilp independent accumulator chains from C; step t accumulates A*B
//     (t even) or A*(-B) (t odd), scale-d = 1. IssueMode::pipelined: all steps back to back,
//     8 per asm statement (round-robin over the chains), commit_group after each, one
//     wait_group 0 at the end; a wgmma.fence opens every 8 steps (ptxas wants one per basic
//     block). IssueMode::wait_each: wgmma.fence, the instruction, commit_group, wait_group 0.
//   * before the timed region each chain runs one untimed step (warm_up) and reloads C, and every
//     thread's loaded operands are settled in registers (settle_operands); neither changes D.
//   * timing as in mma_chain.cuh: p.timing[block * kTimingWords + {0..4}] =
//     {clock64 start, clock64 end, %globaltimer start, end, %smid}, taken by thread 0 after a
//     __syncthreads() (start) and after the final wait + __syncthreads() (end).
//   * D of (block, warpgroup u, chain i) as a full 64 x N row-major matrix at
//     p.d_out + ((block * units + u) * ilp + i) * 64 * N elements, units = warps_per_block / 4.
//
// Shared memory (dynamic, Benchmark::smem_bytes per block, shared by all warpgroups of the
// block; launch() raises cudaFuncAttributeMaxDynamicSharedMemorySize when it exceeds 48 KB):
// the base is rounded up to 1024 B, then the A tile (64 rows) and the B tile (N rows). When a
// swizzle row holds two K extents of B (dense with 64B/128B swizzle, sparse with 128B), -B sits
// in the same rows right after B and its descriptor starts 32 (64) bytes further, the way GEMM
// mainloops step K inside one swizzle atom; otherwise -B gets its own tile. 128B swizzle (dense
// and sparse): 64*128 + N*128 + 1024 bytes, at most 41 KB.
// Registers: up to 222 per thread (N = 192, f32, ILP 2), so large-N kernels take at most 256
// threads (2 warpgroups) per block: size blocks from cudaFuncGetAttributes(kernel(ilp)).
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <type_traits>
#include "families/mma/registry.hpp"
#include "families/mma/kernels/mma_chain.cuh"  // global_ns(), sm_id()
#include "ptx/wgmma.hpp"

namespace tcb::kern {

template <class Atom, int Swizzle>
struct WgmmaTiles {
  static_assert(wgmma::valid_swizzle(Swizzle), "swizzle is 0, 32, 64 or 128 bytes");
  static constexpr int N = Atom::info.n;
  static constexpr int kBRowBytes = Atom::info.k * dtype_bits(Atom::info.b) / 8;  // 32, 64 sparse
  static_assert(kBRowBytes <= wgmma::kmajor_pitch(Swizzle), "sparse atoms need 64B or 128B swizzle");
  static constexpr bool kBnegInBRows = wgmma::kmajor_pitch(Swizzle) >= 2 * kBRowBytes;
  static constexpr uint32_t kA = 0;
  static constexpr uint32_t kB = wgmma::kmajor_tile_bytes(Swizzle, 64);
  static constexpr uint32_t kBneg = kBnegInBRows ? kB : kB + wgmma::kmajor_tile_bytes(Swizzle, N);
  static constexpr int kBnegChunk = kBnegInBRows ? kBRowBytes / 16 : 0;  // 16-byte K chunk where -B starts
  static constexpr uint32_t kEnd = kB + wgmma::kmajor_tile_bytes(Swizzle, N) * (kBnegInBRows ? 1 : 2);
  static constexpr int kAlign = 1024;
  static constexpr int bytes = int(kEnd) + kAlign;  // + room to align the dynamic base
  // Two scratch words (wgmma_detail::settle_operands) right after the tiles, in the room left for
  // alignment: the dynamic base is 16-byte aligned, so rounding it up to kAlign takes at most
  // kAlign - 16 bytes and the 16 bytes at kEnd always lie inside `bytes`.
  static constexpr uint32_t kScratch = kEnd;
};

// Sparse atoms: every thread passes this sp-meta (sp-sel 0). Each 4-bit field selects positions
// {0,1}: the two stored values of each group of four 8- or 16-bit elements (of each pair of tf32
// elements, which the ISA counts as four 16-bit halves) land on its first positions.
constexpr uint32_t kWgmmaSparseMeta = 0x44444444u;

// ILP 2 needs the atom's two-chain form, generated where two accumulator sets fit in registers
// (2 x d_regs <= 192, leaving room for addresses, descriptors and A).
template <class Atom>
constexpr bool wgmma_ilp2_fits() { return Atom::has_chain8x2; }

namespace wgmma_detail {

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Copies `rows` K-major rows of `row_bytes` (32 or 64) from global memory into a canonical tile,
// starting at 16-byte K chunk `first_chunk`.
template <int Swizzle>
__device__ __forceinline__ void copy_rows(uint8_t* tile, const void* src, int rows, int row_bytes, int first_chunk) {
  const uint4* g = static_cast<const uint4*>(src);
  const int chunks = row_bytes / 16;
  for (int i = threadIdx.x; i < rows * chunks; i += blockDim.x) {
    const int r = i / chunks, c = i % chunks;
    *reinterpret_cast<uint4*>(tile + wgmma::kmajor_offset(Swizzle, r, first_chunk + c)) = g[i];
  }
}

// Sparse A: the 32 bits of the compressed row at byte `cbyte` (a multiple of 4), gathered from
// the dense row: 16-bit and tf32 elements keep the first 32 bits of every 64 (word 2w), 8-bit
// elements the first 16 of every 32 (low halves of words 2w and 2w+1).
template <class Atom>
__device__ __forceinline__ uint32_t sparse_a_word(const uint32_t* dense_row, int cbyte) {
  const int w = cbyte / 4;
  if constexpr (dtype_bits(Atom::info.a) == 8) return __byte_perm(dense_row[2 * w], dense_row[2 * w + 1], 0x5410);
  else return dense_row[2 * w];
}

// Copies the A operand (64 rows) into its canonical tile; sparse atoms' rows are compressed
// from 64 to 32 bytes on the way.
template <class Atom, int Swizzle>
__device__ __forceinline__ void copy_a(uint8_t* tile, const void* src) {
  if constexpr (!Atom::sparse) {
    copy_rows<Swizzle>(tile, src, 64, 32, 0);
  } else {
    const uint32_t* g = static_cast<const uint32_t*>(src);
    for (int i = threadIdx.x; i < 64 * 2; i += blockDim.x) {
      const int r = i >> 1, c = i & 1;
      const uint32_t* row = g + r * 16;  // 64-byte dense row
      const uint4 v{sparse_a_word<Atom>(row, 16 * c), sparse_a_word<Atom>(row, 16 * c + 4),
                    sparse_a_word<Atom>(row, 16 * c + 8), sparse_a_word<Atom>(row, 16 * c + 12)};
      *reinterpret_cast<uint4*>(tile + wgmma::kmajor_offset(Swizzle, r, c)) = v;
    }
  }
}

// Accumulator fragment <-> 64 x N row-major matrix. Thread t of the warpgroup (warp w = t/32,
// g = lane/4, q = lane%4) holds, for pair p = 0..N/4-1, row 16w + g + 8(p&1) and columns
// 8(p>>1) + 2q + {0,1}: registers 2p, 2p+1 (f32/s32) or register p (f16x2, low half first).
// Every pair is a constant offset from the thread's first element.
__device__ __forceinline__ size_t thread_elem(int t, int n) {
  const int w = t >> 5, g = (t & 31) >> 2, q = t & 3;
  return size_t(16 * w + g) * n + 2 * q;
}

template <class Atom>
__device__ __forceinline__ void load_acc(typename Atom::DRegs& d, const void* c, int t) {
  constexpr int n = Atom::info.n;
  if constexpr (Atom::info.d == DType::f16) {
    const uint16_t* src = static_cast<const uint16_t*>(c) + thread_elem(t, n);
#pragma unroll
    for (int p = 0; p < n / 4; ++p)
      d[p] = *reinterpret_cast<const uint32_t*>(src + (p & 1) * 8 * n + (p >> 1) * 8);
  } else {
    using R2 = std::conditional_t<std::is_same_v<typename Atom::DReg, float>, float2, uint2>;
    const R2* src = reinterpret_cast<const R2*>(static_cast<const typename Atom::DReg*>(c) + thread_elem(t, n));
#pragma unroll
    for (int p = 0; p < n / 4; ++p) {
      const R2 v = src[(p & 1) * 4 * n + (p >> 1) * 4];
      d[2 * p] = v.x;
      d[2 * p + 1] = v.y;
    }
  }
}

template <class Atom>
__device__ __forceinline__ void store_acc(void* out, const typename Atom::DRegs& d, int t) {
  constexpr int n = Atom::info.n;
  if constexpr (Atom::info.d == DType::f16) {
    uint16_t* dst = static_cast<uint16_t*>(out) + thread_elem(t, n);
#pragma unroll
    for (int p = 0; p < n / 4; ++p) *reinterpret_cast<uint32_t*>(dst + (p & 1) * 8 * n + (p >> 1) * 8) = d[p];
  } else {
    using R2 = std::conditional_t<std::is_same_v<typename Atom::DReg, float>, float2, uint2>;
    R2* dst = reinterpret_cast<R2*>(static_cast<typename Atom::DReg*>(out) + thread_elem(t, n));
#pragma unroll
    for (int p = 0; p < n / 4; ++p) dst[(p & 1) * 4 * n + (p >> 1) * 4] = R2{d[2 * p], d[2 * p + 1]};
  }
}

// RS: A register j of thread t holds 4 bytes of row 16w + g + 8(j&1), bytes 16(j>>1) + 4q
// (the same byte pattern for f16/bf16 k16, tf32 k8, 8-bit k32, b1 k256, and for the compressed
// 64 x K/2 A of every sparse shape).
template <class Atom>
__device__ __forceinline__ void load_a_regs(uint32_t (&a)[4], const void* a_mat, int t) {
  const int w = t >> 5, g = (t & 31) >> 2, q = t & 3;
  constexpr int kRowWords = Atom::sparse ? 16 : 8;  // dense row of A in global memory
  const uint32_t* base = static_cast<const uint32_t*>(a_mat);
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const uint32_t* row = base + (16 * w + g + 8 * (j & 1)) * kRowWords;
    const int cbyte = 16 * (j >> 1) + 4 * q;
    if constexpr (Atom::sparse) a[j] = sparse_a_word<Atom>(row, cbyte);
    else a[j] = row[cbyte / 4];
  }
}

// Opens the timed region only once this thread's loaded operands are in its registers. Global
// loads complete asynchronously: a register is waited for at its first use, which would be the
// first wgmma, inside the timed region; ptxas issues the accumulator loads of the SS kernels right
// before the barrier (32 KB of C per warpgroup at N = 256 f32: ~4,500 cycles per launch when every
// SM loads at once). Each thread folds every word it loaded into one and stores it to a scratch
// word in shared memory: the store needs all of them and the barrier after it orders it, so no
// thread reaches the clock read before its operands have landed.
__device__ __forceinline__ uint32_t word_bits(float v) { return __float_as_uint(v); }
__device__ __forceinline__ uint32_t word_bits(uint32_t v) { return v; }
__device__ __forceinline__ uint32_t word_bits(int32_t v) { return uint32_t(v); }

template <class Atom, int ILP, class AOp>
__device__ __forceinline__ void settle_operands(uint32_t scratch, const typename Atom::DRegs (&acc)[ILP], const AOp& a) {
  uint32_t fold = 0;
#pragma unroll
  for (int i = 0; i < ILP; ++i) {
#pragma unroll
    for (int r = 0; r < Atom::info.d_regs; ++r) fold ^= word_bits(acc[i][r]);
  }
  if constexpr (Atom::a_in_regs) fold ^= a[0] ^ a[1] ^ a[2] ^ a[3];
  asm volatile("st.shared.u32 [%0], %1;\n" ::"r"(scratch), "r"(fold) : "memory");
}

template <class Atom, int ILP>
__device__ __forceinline__ void fence_all(typename Atom::DRegs (&acc)[ILP]) {
#pragma unroll
  for (int i = 0; i < ILP; ++i) wgmma::fence_operands(acc[i]);
}

// One step / eight steps of one chain / eight steps of two chains; sparse atoms get sp-meta.
template <class Atom, class AOp>
__device__ __forceinline__ void step1(typename Atom::DRegs& d, const AOp& a, uint64_t db) {
  if constexpr (Atom::sparse) Atom::fma(d, a, db, kWgmmaSparseMeta, 1);
  else Atom::fma(d, a, db, 1);
}
template <class Atom, int ILP, class AOp>
__device__ __forceinline__ void steps8(typename Atom::DRegs (&acc)[ILP], const AOp& a, uint64_t db, uint64_t db1) {
  if constexpr (ILP == 1) {
    if constexpr (Atom::sparse) Atom::chain8(acc[0], a, db, db1, kWgmmaSparseMeta);
    else Atom::chain8(acc[0], a, db, db1);
  } else {
    if constexpr (Atom::sparse) Atom::chain8x2(acc[0], acc[1], a, db, db1, kWgmmaSparseMeta);
    else Atom::chain8x2(acc[0], acc[1], a, db, db1);
  }
}

// One untimed step per chain, before the timed region: the first wgmma of a launch pays a
// start-up cost that is no part of the sustained rate (H200, N = 256: ~250-800 cycles per launch,
// more with A in shared memory and growing with the warpgroups per SM; docs/methodology.md). Its
// result is folded into a scratch word so that ptxas keeps the instruction (with the result
// unused it substitutes a dummy HGMMA.64x8x16 on RZ); the caller then reloads C.
template <class Atom, int ILP, class AOp>
__device__ __forceinline__ void warm_up(typename Atom::DRegs (&acc)[ILP], const AOp& a, uint64_t desc_b, uint32_t scratch) {
  fence_all<Atom, ILP>(acc);  // chains loaded from the same C are register copies: made before the fence
#pragma unroll
  for (int i = 0; i < ILP; ++i) {
    wgmma::fence();
    step1<Atom>(acc[i], a, desc_b);
    wgmma::commit_group();
  }
  wgmma::wait_group<0>();
  fence_all<Atom, ILP>(acc);
  settle_operands<Atom, ILP>(scratch, acc, a);
}

// Steps per loop iteration of IssueMode::wait_each (the completion-latency chain).
constexpr int kWaitEachUnroll = 32;

template <class Atom, int Swizzle, int ILP>
__device__ __forceinline__ void wgmma_chain_body(const ChainLaunch& p) {
  static_assert(ILP == 1 || (ILP == 2 && Atom::has_chain8x2), "ILP 1, or 2 where the atom has chain8x2");
  using Tiles = WgmmaTiles<Atom, Swizzle>;
  extern __shared__ __align__(16) uint8_t wgmma_smem_raw[];
  const uint32_t raw = smem_u32(wgmma_smem_raw);
  uint8_t* smem = wgmma_smem_raw + (((raw + Tiles::kAlign - 1) & ~uint32_t(Tiles::kAlign - 1)) - raw);
  const uint32_t base = smem_u32(smem);

  const void* a_mat = block_operand(p.a_mat, p.block_stride_a, blockIdx.x);
  const void* c_mat = block_operand(p.c_mat, p.block_stride_c, blockIdx.x);
  copy_a<Atom, Swizzle>(smem + Tiles::kA, a_mat);
  copy_rows<Swizzle>(smem + Tiles::kB, block_operand(p.b_mat, p.block_stride_b, blockIdx.x), Tiles::N,
                     Tiles::kBRowBytes, 0);
  copy_rows<Swizzle>(smem + Tiles::kBneg, block_operand(p.b_neg_mat, p.block_stride_b, blockIdx.x), Tiles::N,
                     Tiles::kBRowBytes, Tiles::kBnegChunk);
  wgmma::fence_proxy_async_shared();

  const int t = threadIdx.x & 127;
  const int unit = threadIdx.x >> 7;
  const uint64_t desc_b = wgmma::kmajor_desc(base + Tiles::kB, Swizzle);
  const uint64_t desc_bneg = wgmma::kmajor_desc(base + Tiles::kBneg, Swizzle, uint32_t(Tiles::kBnegChunk) * 16);
  using AOp = std::conditional_t<Atom::a_in_regs, uint32_t[4], uint64_t>;
  AOp a;
  if constexpr (Atom::a_in_regs) load_a_regs<Atom>(a, a_mat, t);
  else a = wgmma::kmajor_desc(base + Tiles::kA, Swizzle);

  typename Atom::DRegs acc[ILP];
#pragma unroll
  for (int i = 0; i < ILP; ++i) load_acc<Atom>(acc[i], c_mat, t);

  // The timed region starts warm and with every operand in registers (docs/methodology.md,
  // "wgmma SS throughput"): one untimed step per chain, then C reloaded and settled.
  __syncthreads();  // the tiles, written and fenced above, before any wgmma reads them
  warm_up<Atom, ILP>(acc, a, desc_b, base + Tiles::kScratch + 4);
  // Keeps ptxas from hoisting the reload above the warm-up: without this barrier it did, two
  // accumulator sets were live and f32 N = 256 no longer fitted 3 warpgroups per SM.
  __syncthreads();
#pragma unroll
  for (int i = 0; i < ILP; ++i) load_acc<Atom>(acc[i], c_mat, t);
  settle_operands<Atom, ILP>(base + Tiles::kScratch, acc, a);
  __syncthreads();
  unsigned long long c0 = 0, t0 = 0;
  if (threadIdx.x == 0) { c0 = clock64(); t0 = global_ns(); }

  // ptxas wants a wgmma.fence wherever a chain enters a basic block (loop heads) and after a
  // wait, else it injects one itself (C7519 "warpgroup.arrive is injected").
  fence_all<Atom, ILP>(acc);
  const long steps = p.steps;
  // The issue-mode byte widened behind an empty asm: compared as a byte, it costs a PRMT in the
  // loop, which the SASS tools would list among instructions that betray emulation.
  unsigned issue = unsigned(p.issue);
  asm("" : "+r"(issue));
  const bool wait_each = issue == unsigned(IssueMode::wait_each);
  long s = 0;
  if (!wait_each) {
#pragma unroll 1
    for (; s + 8 <= steps; s += 8) {  // 8 steps per asm statement, B and -B alternating
      wgmma::fence();
      steps8<Atom, ILP>(acc, a, desc_b, desc_bneg);
    }
  } else {
    // Completion latency: 32 steps unrolled, so that from one wait_group to the next wgmma only
    // the fence (WARPGROUP.ARRIVE) stands: the descriptor choice is compile-time and the loop
    // control (counter, compare, branch, descriptor rebuild: ~30 instructions) is paid once per
    // 32 steps, not per step. docs/methodology.md shows the SASS stretch and what is left.
#pragma unroll 1
    for (; s + kWaitEachUnroll <= steps; s += kWaitEachUnroll) {
#pragma unroll
      for (int j = 0; j < kWaitEachUnroll; ++j) {
#pragma unroll
        for (int i = 0; i < ILP; ++i) {
          wgmma::fence();
          step1<Atom>(acc[i], a, (j & 1) ? desc_bneg : desc_b);
          wgmma::commit_group();
          wgmma::wait_group<0>();
        }
      }
    }
  }
#pragma unroll 1
  for (; s < steps; ++s) {  // wait_each, and the last steps % 8 of a pipelined chain
    const uint64_t db = (s & 1) ? desc_bneg : desc_b;
#pragma unroll
    for (int i = 0; i < ILP; ++i) {
      wgmma::fence();
      step1<Atom>(acc[i], a, db);
      wgmma::commit_group();
      if (wait_each) wgmma::wait_group<0>();
    }
  }
  wgmma::wait_group<0>();
  fence_all<Atom, ILP>(acc);

  __syncthreads();
  if (threadIdx.x == 0) {
    const unsigned long long c1 = clock64(), t1 = global_ns();
    unsigned long long* tm = p.timing + size_t(blockIdx.x) * kTimingWords;
    tm[0] = c0; tm[1] = c1; tm[2] = t0; tm[3] = t1; tm[4] = sm_id();
  }

  constexpr size_t kMat = size_t(64) * Atom::info.n * (Atom::info.d == DType::f16 ? 2 : 4);  // bytes
  const int units = p.warps_per_block >> 2;
#pragma unroll
  for (int i = 0; i < ILP; ++i) {
    uint8_t* out = static_cast<uint8_t*>(p.d_out) + (size_t(blockIdx.x * units + unit) * ILP + i) * kMat;
    store_acc<Atom>(out, acc[i], t);
  }
}

}  // namespace wgmma_detail

// ILP is the last template argument so the SASS tools (harness/sass/sass.cpp) read it as the ILP.
template <class Atom, int Swizzle, int ILP>
__global__ void wgmma_chain(ChainLaunch p) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  wgmma_detail::wgmma_chain_body<Atom, Swizzle, ILP>(p);
#elif defined(__CUDA_ARCH__)
  __trap();
#endif
}

// Type-erased entry points for the registry.
template <class Atom, int Swizzle, int... ILPs>
struct WgmmaEntry {
  static constexpr int smem_bytes = WgmmaTiles<Atom, Swizzle>::bytes;

  template <int I>
  static bool try_launch(const ChainLaunch& p, cudaStream_t s, cudaError_t* err) {
    if (p.ilp != I) return false;
    auto* k = &wgmma_chain<Atom, Swizzle, I>;
    if (smem_bytes > 48 * 1024) {
      *err = cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_bytes);
      if (*err != cudaSuccess) return true;
    }
    k<<<p.blocks, p.warps_per_block * 32, smem_bytes, s>>>(p);
    *err = cudaGetLastError();
    return true;
  }
  static cudaError_t launch(const ChainLaunch& p, cudaStream_t s) {
    if (p.warps_per_block <= 0 || p.warps_per_block % 4 != 0) return cudaErrorInvalidValue;
    cudaError_t err = cudaErrorInvalidValue;  // ILP not compiled
    (try_launch<ILPs>(p, s, &err) || ...);
    return err;
  }
  static const void* kernel(int ilp) {
    const void* k = nullptr;
    ((ilp == ILPs ? (k = reinterpret_cast<const void*>(&wgmma_chain<Atom, Swizzle, ILPs>), true) : false) || ...);
    return k;
  }
  static Benchmark benchmark() {
    Benchmark b;
    b.info = Atom::info;
    b.form = OperandForm::matrices;
    b.threads_per_unit = 128;
    b.smem_bytes = smem_bytes;
    b.ilps = {ILPs...};
    b.launch = &launch;
    b.kernel = &kernel;
    return b;
  }
};

// ILP 1, plus 2 where two accumulator sets fit in registers.
template <class Atom, int Swizzle>
using WgmmaDefaultEntry =
    std::conditional_t<wgmma_ilp2_fits<Atom>(), WgmmaEntry<Atom, Swizzle, 1, 2>, WgmmaEntry<Atom, Swizzle, 1>>;

// An atom's traits under another name (same instruction), for benchmarks that differ in
// something else, such as the shared-memory layout. The kernel is instantiated with a type of
// that name, so the SASS tools (harness/sass/sass.cpp) find the name in the kernel's.
constexpr AtomInfo wgmma_renamed(AtomInfo info, const char* name) {
  info.name = name;
  return info;
}

}  // namespace tcb::kern

// Registration from a row of ptx/wgmma_atoms.hpp (X(NAME, DEFAULT, SPARSE, PTX, N, ...)) with 128B
// swizzle: rows of the default N sets always, the others only in builds with
// -DTCB_WGMMA_ALL_N=1 (CMake: TCBENCH_WGMMA_ALL_N; every N of every type takes ~4x the compile
// time of the default sets). A translation unit registers only N in [TCB_WGMMA_N_LO,
// TCB_WGMMA_N_HI), so a build can compile one family as several N ranges in parallel (CMake:
// TCBENCH_WGMMA_N_BOUNDS). A row left out instantiates no kernel. Use at namespace scope.
#ifndef TCB_WGMMA_ALL_N
#define TCB_WGMMA_ALL_N 0
#endif
#ifndef TCB_WGMMA_N_LO
#define TCB_WGMMA_N_LO 0
#endif
#ifndef TCB_WGMMA_N_HI
#define TCB_WGMMA_N_HI 1000
#endif
namespace tcb::kern {
template <class Atom, bool Registered>
int register_wgmma() {
  if constexpr (Registered) registry().push_back(WgmmaDefaultEntry<Atom, 128>::benchmark());
  return 0;
}
}  // namespace tcb::kern
#define TCB_WGMMA_REGISTER(NAME, DEFAULT, SPARSE, PTX, N, ...)                                           \
  const int reg_##NAME = ::tcb::kern::register_wgmma<::tcb::atoms::NAME, (DEFAULT == 1 || TCB_WGMMA_ALL_N) && \
                                                                          (N) >= TCB_WGMMA_N_LO &&         \
                                                                          (N) < TCB_WGMMA_N_HI>();

// Sparse (wgmma.mma_async.sp) benchmarks: registered unless -DTCB_WGMMA_SPARSE=0 (a quicker
// build). The harness zeroes the pruned elements of A (families/mma/operands.cpp, prune_sparse_a) and
// doubles the dense peak for them (is_sparse), as for mma.sp.
#ifndef TCB_WGMMA_SPARSE
#define TCB_WGMMA_SPARSE 1
#endif

// Defines tcb::atoms::NAME##SUFFIX (the atom NAME under the name NAME##SUFFIX) and registers it
// with swizzle SW. Use at global scope.
#define TCB_WGMMA_REGISTER_SWIZZLE(NAME, SW, SUFFIX)                                                \
  namespace tcb::atoms {                                                                           \
  struct NAME##SUFFIX : NAME {                                                                     \
    static constexpr AtomInfo info = ::tcb::kern::wgmma_renamed(NAME::info, #NAME #SUFFIX);         \
  };                                                                                               \
  }                                                                                                \
  namespace {                                                                                      \
  const ::tcb::Registrar reg_##NAME##SUFFIX{                                                       \
      ::tcb::kern::WgmmaDefaultEntry<::tcb::atoms::NAME##SUFFIX, SW>::benchmark()};                \
  }
