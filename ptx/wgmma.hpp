// Hopper wgmma helpers shared by every wgmma atom (ptx/wgmma_atoms.hpp): the warpgroup
// fence / commit / wait instructions, the shared-memory matrix descriptor, and where the
// canonical K-major layouts put each 16-byte chunk of a matrix in shared memory.
//
// Descriptor (PTX ISA "Matrix Descriptor Format"; CUTLASS cute/arch/mma_sm90_desc.hpp):
//   bits  0-13  start address >> 4 (shared-window byte address)
//   bits 16-29  leading dimension byte offset (LBO) >> 4
//   bits 32-45  stride dimension byte offset (SBO) >> 4
//   bits 49-51  base offset (0 when each swizzle pattern starts on its own repeat boundary)
//   bits 62-63  layout: 0 interleave (no swizzle), 1 = 128B, 2 = 64B, 3 = 32B swizzle
//
// K-major operand (A 64 x K, B N x K; one instruction's K is 32 bytes for every type), in the
// canonical forms of CUTLASS make_gmma_desc<Major::K>, in 16-byte units:
//   none : ((8,m),2):((1,SBO),LBO)  8x16B core matrices; LBO = K-direction core-matrix stride
//   32B  : Swizzle<1,4,3> o ((8,m),2):((2,SBO),1)   rows 32 B apart
//   64B  : Swizzle<2,4,3> o ((8,m),2):((4,SBO),1)   rows 64 B apart
//   128B : Swizzle<3,4,3> o ((8,m),2):((8,SBO),1)   rows 128 B apart
// SBO = distance between consecutive groups of 8 rows; for the swizzled modes LBO is unused
// (CUTLASS writes 1). Swizzling XORs address bits [4,4+b) with bits [7,7+b), so each tile must
// start on a multiple of the pattern repeat (8 rows x row pitch; 1024 B serves all modes). A
// K-slice inside a wider swizzle row is addressed by adding its byte offset to the start address.
#pragma once
#include <cstdint>

#ifndef __CUDACC__
#ifndef __device__
#define __device__
#endif
#ifndef __host__
#define __host__
#endif
#ifndef __forceinline__
#define __forceinline__ inline
#endif
#endif

namespace tcb::wgmma {

// Swizzle mode in bytes, as used in template arguments: 0 (none), 32, 64, 128.
constexpr bool valid_swizzle(int swizzle) { return swizzle == 0 || swizzle == 32 || swizzle == 64 || swizzle == 128; }

constexpr uint64_t layout_type(int swizzle) {
  return swizzle == 128 ? 1 : swizzle == 64 ? 2 : swizzle == 32 ? 3 : 0;
}

constexpr const char* swizzle_name(int swizzle) {
  return swizzle == 128 ? "128B" : swizzle == 64 ? "64B" : swizzle == 32 ? "32B" : "none";
}

// The descriptor from byte quantities; each is stored >> 4.
__host__ __device__ constexpr uint64_t make_desc(uint32_t smem_addr, uint32_t lbo_bytes, uint32_t sbo_bytes,
                                                 int swizzle, uint32_t base_offset = 0) {
  return (uint64_t((smem_addr & 0x3FFFF) >> 4)) | (uint64_t((lbo_bytes >> 4) & 0x3FFF) << 16) |
         (uint64_t((sbo_bytes >> 4) & 0x3FFF) << 32) | (uint64_t(base_offset & 0x7) << 49) |
         (layout_type(swizzle) << 62);
}

// Field accessors (tests, debugging).
constexpr uint32_t desc_start(uint64_t d) { return uint32_t(d & 0x3FFF) << 4; }
constexpr uint32_t desc_lbo(uint64_t d) { return uint32_t((d >> 16) & 0x3FFF) << 4; }
constexpr uint32_t desc_sbo(uint64_t d) { return uint32_t((d >> 32) & 0x3FFF) << 4; }
constexpr uint32_t desc_base_offset(uint64_t d) { return uint32_t((d >> 49) & 0x7); }
constexpr int desc_swizzle(uint64_t d) {
  return (d >> 62) == 1 ? 128 : (d >> 62) == 2 ? 64 : (d >> 62) == 3 ? 32 : 0;
}

// ---- canonical K-major tiles --------------------------------------------------------------
// Row pitch in bytes: a swizzled row is as wide as its swizzle; without swizzle rows are one
// instruction's K (32 B) and live in 8x16B core matrices.
constexpr int kmajor_pitch(int swizzle) { return swizzle == 0 ? 32 : swizzle; }
constexpr uint32_t kmajor_sbo(int swizzle) { return swizzle == 0 ? 256 : 8 * uint32_t(swizzle); }
constexpr uint32_t kmajor_lbo(int swizzle) { return swizzle == 0 ? 128 : 16; }
// Bytes of a tile of `rows` rows (rows a multiple of 8).
constexpr uint32_t kmajor_tile_bytes(int swizzle, int rows) { return uint32_t(rows) * kmajor_pitch(swizzle); }

// Byte offset, from a repeat-aligned tile start, of the 16-byte chunk `chunk` (K direction,
// 0 .. pitch/16-1; 0..1 without swizzle) of row `row`.
__host__ __device__ constexpr uint32_t kmajor_offset(int swizzle, int row, int chunk) {
  switch (swizzle) {
    case 128: return uint32_t(row) * 128 + uint32_t((chunk ^ (row & 7)) * 16);
    case 64: return uint32_t(row) * 64 + uint32_t((chunk ^ ((row >> 1) & 3)) * 16);
    case 32: return uint32_t(row) * 32 + uint32_t((chunk ^ ((row >> 2) & 1)) * 16);
    default: return uint32_t(row >> 3) * 256 + uint32_t(chunk) * 128 + uint32_t(row & 7) * 16;
  }
}

// Descriptor of a K-major tile starting at `smem_addr` (plus `k_byte_offset` into its rows,
// a multiple of 16 that stays inside one swizzle row).
__host__ __device__ constexpr uint64_t kmajor_desc(uint32_t smem_addr, int swizzle, uint32_t k_byte_offset = 0) {
  return make_desc(smem_addr + k_byte_offset, kmajor_lbo(swizzle), kmajor_sbo(swizzle), swizzle);
}

// ---- warpgroup synchronisation (device code for sm_90a only) ---------------------------------
// Orders earlier register accesses before the next wgmma.mma_async (warpgroup-wide).
__device__ __forceinline__ void fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
// Closes the group of wgmma.mma_async issued since the previous commit.
__device__ __forceinline__ void commit_group() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
// Waits until at most N committed groups are pending.
template <int N>
__device__ __forceinline__ void wait_group() {
  static_assert(N >= 0 && N <= 7, "wgmma.wait_group takes 0..7");
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}
// Makes generic-proxy shared-memory writes (ordinary stores) visible to the async proxy that
// wgmma reads through; follow it with a barrier before any wgmma reads the data.
__device__ __forceinline__ void fence_proxy_async_shared() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}
// Pins an accumulator register in place: the compiler may not move its reads or writes across
// this point (used right after wait_group and before the first wgmma, as CUTLASS does).
__device__ __forceinline__ void fence_operand(float& r) { asm volatile("" : "+f"(r)::"memory"); }
__device__ __forceinline__ void fence_operand(uint32_t& r) { asm volatile("" : "+r"(r)::"memory"); }
template <class T, int N>
__device__ __forceinline__ void fence_operands(T (&r)[N]) {
#if defined(__CUDACC__)
#pragma unroll
#endif
  for (int i = 0; i < N; ++i) fence_operand(r[i]);
}

}  // namespace tcb::wgmma
