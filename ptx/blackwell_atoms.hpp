// Blackwell tensor-core atoms: one struct per instruction, named for arch, shape and types in
// D,A,B,C order (CuTe style). Compile- and SASS-checked only: no Blackwell GPU has run them yet.
//
//   SM100_*  tcgen05.mma, cta_group::1, A and B from shared memory (SS), D in tensor memory;
//            issued by one thread, completed through tcgen05.commit to an mbarrier.
//            Exists on sm_100a and (f16, tf32, f8f6f4) the family target sm_100f; kind::i8 on
//            sm_100a only (ptxas refuses it for sm_100f).
//   SM120_*  block-scaled mma.sync (register operands, one warp), sm_120a / sm_120f.
// Outside their targets the wrappers trap; the host never launches them there (arch range).
#pragma once
#include <cstdint>

#ifndef __CUDACC__
#define __device__
#define __forceinline__ inline
#endif

namespace tcb::blackwell {

#if defined(__CUDA_ARCH_FEAT_SM100_ALL) || defined(__CUDA_ARCH_FAMILY_SPECIFIC__) && __CUDA_ARCH_FAMILY_SPECIFIC__ == 1000
#define TCB_SM100_EMIT(...) asm volatile(__VA_ARGS__)
#elif defined(__CUDA_ARCH__)
#define TCB_SM100_EMIT(...) __trap()
#else
#define TCB_SM100_EMIT(...) ((void)0)
#endif
#if defined(__CUDA_ARCH_FEAT_SM100_ALL)
#define TCB_SM100A_EMIT(...) asm volatile(__VA_ARGS__)
#elif defined(__CUDA_ARCH__)
#define TCB_SM100A_EMIT(...) __trap()
#else
#define TCB_SM100A_EMIT(...) ((void)0)
#endif
#if defined(__CUDA_ARCH_FEAT_SM120_ALL) || defined(__CUDA_ARCH_FAMILY_SPECIFIC__) && __CUDA_ARCH_FAMILY_SPECIFIC__ == 1200
#define TCB_SM120_EMIT(...) asm volatile(__VA_ARGS__)
#elif defined(__CUDA_ARCH__)
#define TCB_SM120_EMIT(...) __trap()
#else
#define TCB_SM120_EMIT(...) ((void)0)
#endif

// ---- tcgen05: tensor memory, descriptors, completion ----------------------------------------

// Instruction descriptor of kind::f16/tf32/f8f6f4/i8 (PTX ISA "Instruction descriptor"):
// c_format [4,6) (1 f32, 2 s32), a_format [7,10), b_format [10,13), both K-major (bits 15, 16 = 0),
// N>>3 at [17,23), M>>4 at [24,29).
constexpr uint32_t tcgen05_idesc(int m, int n, uint32_t c_fmt, uint32_t a_fmt, uint32_t b_fmt) {
  return (c_fmt << 4) | (a_fmt << 7) | (b_fmt << 10) | (uint32_t(n >> 3) << 17) | (uint32_t(m >> 4) << 24);
}

// Shared-memory matrix descriptor, no swizzle, K-major: start address, leading (next core matrix
// along K) and stride (next 8-row group) byte offsets, all >> 4; version 1 at bit 46 (sm_100).
__device__ __forceinline__ uint64_t tcgen05_smem_desc(uint32_t smem_addr, uint32_t lbo, uint32_t sbo) {
  return uint64_t((smem_addr >> 4) & 0x3FFF) | (uint64_t((lbo >> 4) & 0x3FFF) << 16) |
         (uint64_t((sbo >> 4) & 0x3FFF) << 32) | (uint64_t(1) << 46);
}

// One warp allocates `cols` tensor-memory columns (power of two >= 32); the address lands in
// shared memory at dst.
__device__ __forceinline__ void tmem_alloc(uint32_t dst_smem, uint32_t cols) {
  TCB_SM100_EMIT("tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%0], %1;" ::"r"(dst_smem), "r"(cols)
                 : "memory");
  TCB_SM100_EMIT("tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void tmem_dealloc(uint32_t taddr, uint32_t cols) {
  TCB_SM100_EMIT("tcgen05.dealloc.cta_group::1.sync.aligned.b32 %0, %1;" ::"r"(taddr), "r"(cols) : "memory");
}
__device__ __forceinline__ void tcgen05_fence_before() {
  TCB_SM100_EMIT("tcgen05.fence::before_thread_sync;" ::: "memory");
}
__device__ __forceinline__ void tcgen05_fence_after() {
  TCB_SM100_EMIT("tcgen05.fence::after_thread_sync;" ::: "memory");
}
// Every tcgen05.mma this thread issued before arrives on the mbarrier when it completes.
__device__ __forceinline__ void tcgen05_commit(uint32_t mbar_smem) {
  TCB_SM100_EMIT("tcgen05.commit.cta_group::1.mbarrier::arrive::one.shared::cluster.b64 [%0];" ::"r"(mbar_smem)
                 : "memory");
}
// 8 consecutive 32-bit columns of this warp's 32 lanes (lane = TMEM lane within the warp's quarter).
__device__ __forceinline__ void tmem_ld_32x32b_x8(uint32_t taddr, uint32_t (&r)[8]) {
  TCB_SM100_EMIT(
      "tcgen05.ld.sync.aligned.32x32b.x8.b32 {%0,%1,%2,%3,%4,%5,%6,%7}, [%8];\n\t"
      "tcgen05.wait::ld.sync.aligned;"
      : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]), "=r"(r[4]), "=r"(r[5]), "=r"(r[6]), "=r"(r[7])
      : "r"(taddr)
      : "memory");
}

// tcgen05.mma, cta_group::1, SS: D[tmem] (+)= A[smem desc] * B[smem desc]; accumulate != 0 adds D.
#define TCB_TCGEN05_MMA(EMIT, KIND)                                                                 \
  EMIT("{\n\t.reg .pred p;\n\tsetp.ne.b32 p, %4, 0;\n\t"                                          \
       "tcgen05.mma.cta_group::1.kind::" KIND " [%0], %1, %2, %3, p;\n\t}" ::"r"(d_tmem),         \
       "l"(a_desc), "l"(b_desc), "r"(idesc), "r"(accumulate)                                       \
       : "memory")

// Formats of the instruction descriptor (PTX ISA tables): f16 0, bf16 1, tf32 2; e4m3 0;
// s8 1 (signed); c: f32 1, s32 2.
struct SM100_128x128x16_F32F16F16_SS {
  static constexpr int M = 128, N = 128, K = 16, elem_bytes = 2;
  static constexpr uint32_t idesc = tcgen05_idesc(M, N, 1, 0, 0);
  static constexpr uint32_t one = 0x3C003C00u;  // two f16 1.0
  __device__ static void fma(uint32_t d_tmem, uint64_t a_desc, uint64_t b_desc, uint32_t accumulate) {
    TCB_TCGEN05_MMA(TCB_SM100_EMIT, "f16");
  }
};
struct SM100_128x128x8_F32TF32TF32_SS {
  static constexpr int M = 128, N = 128, K = 8, elem_bytes = 4;
  static constexpr uint32_t idesc = tcgen05_idesc(M, N, 1, 2, 2);
  static constexpr uint32_t one = 0x3F800000u;  // 1.0f
  __device__ static void fma(uint32_t d_tmem, uint64_t a_desc, uint64_t b_desc, uint32_t accumulate) {
    TCB_TCGEN05_MMA(TCB_SM100_EMIT, "tf32");
  }
};
struct SM100_128x128x32_F32E4M3E4M3_SS {
  static constexpr int M = 128, N = 128, K = 32, elem_bytes = 1;
  static constexpr uint32_t idesc = tcgen05_idesc(M, N, 1, 0, 0);
  static constexpr uint32_t one = 0x38383838u;  // four e4m3 1.0
  __device__ static void fma(uint32_t d_tmem, uint64_t a_desc, uint64_t b_desc, uint32_t accumulate) {
    TCB_TCGEN05_MMA(TCB_SM100_EMIT, "f8f6f4");
  }
};
struct SM100_128x128x32_S32S8S8_SS {
  static constexpr int M = 128, N = 128, K = 32, elem_bytes = 1;
  static constexpr uint32_t idesc = tcgen05_idesc(M, N, 2, 1, 1);
  static constexpr uint32_t one = 0x01010101u;  // four s8 1
  __device__ static void fma(uint32_t d_tmem, uint64_t a_desc, uint64_t b_desc, uint32_t accumulate) {
    TCB_TCGEN05_MMA(TCB_SM100A_EMIT, "i8");
  }
};
#undef TCB_TCGEN05_MMA

// ---- sm_120: block-scaled mma.sync ------------------------------------------------------------
// Registers per thread: A 4, B 2, C/D 4 f32; one scale-factor register each for A and B with
// byte/thread selectors {0, 0}.

struct SM120_16x8x32_F32E4M3E4M3F32_UE8M0 {  // kind::mxf8f6f4, scale_vec::1X
  static constexpr int M = 16, N = 8, K = 32;
  static constexpr uint32_t one = 0x38383838u, scale_one = 0x7F7F7F7Fu;  // e4m3 1.0, ue8m0 2^0
  __device__ static void fma(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], uint32_t sfa,
                             uint32_t sfb) {
    TCB_SM120_EMIT(
        "mma.sync.aligned.m16n8k32.row.col.kind::mxf8f6f4.block_scale.scale_vec::1X.f32.e4m3.e4m3.f32.ue8m0 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3}, {%10}, {0, 0}, {%11}, {0, 0};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(sfa), "r"(sfb));
  }
};
struct SM120_16x8x64_F32E2M1E2M1F32_UE8M0 {  // kind::mxf4, scale_vec::2X
  static constexpr int M = 16, N = 8, K = 64;
  static constexpr uint32_t one = 0x22222222u, scale_one = 0x7F7F7F7Fu;  // e2m1 1.0 per nibble
  __device__ static void fma(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], uint32_t sfa,
                             uint32_t sfb) {
    TCB_SM120_EMIT(
        "mma.sync.aligned.m16n8k64.row.col.kind::mxf4.block_scale.scale_vec::2X.f32.e2m1.e2m1.f32.ue8m0 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3}, {%10}, {0, 0}, {%11}, {0, 0};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(sfa), "r"(sfb));
  }
};
struct SM120_16x8x64_F32E2M1E2M1F32_UE4M3 {  // kind::mxf4nvf4, scale_vec::4X
  static constexpr int M = 16, N = 8, K = 64;
  static constexpr uint32_t one = 0x22222222u, scale_one = 0x38383838u;  // ue4m3 1.0
  __device__ static void fma(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], uint32_t sfa,
                             uint32_t sfb) {
    TCB_SM120_EMIT(
        "mma.sync.aligned.m16n8k64.row.col.kind::mxf4nvf4.block_scale.scale_vec::4X.f32.e2m1.e2m1.f32.ue4m3 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3}, {%10}, {0, 0}, {%11}, {0, 0};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(sfa), "r"(sfb));
  }
};

}  // namespace tcb::blackwell
