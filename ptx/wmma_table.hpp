// The legacy WMMA table (nvcuda::wmma, <mma.h>): one row per fragment shape and type that the
// C++ API offers with D and C of one type (what a dependent chain needs). Every row uses
// A row-major and B col-major, the only layouts sub-byte and b1 fragments allow.
//
// Name: SM<min>_WMMA_<M>x<N>x<K>_<D><A><B><C>_TN[_XORPOPC|_ANDPOPC] -- CuTe order (D,A,B,C), TN =
// A and B both K-major, U1 = b1 as in mma_sync_table.hpp; WMMA keeps the names apart from the
// mma.sync atoms of the same shape.
// Columns: name, PTX of the mma step (the PTX ISA's wmma.mma form, without operands), M, N, K,
// D/A/B/C types, D/A/B/C registers per thread (sizeof fragment storage / register width; wmma
// fragments are opaque and partly replicated, so A/B may hold more than M*K/32 elements),
// accumulator and A/B register widths in bytes, min SM, expected SASS (regex one tensor opcode
// must match on sm_90a to count as native), bit operation.
// Min SM per CUDA C++ Programming Guide (WMMA "Element Types and Matrix Sizes") and <mma.h>:
// f16 7.0; s8/u8 7.2; s4/u4 and b1 XOR 7.5 (experimental); bf16, tf32, f64 and b1 AND 8.0.
//
// What each row lowers to (cuobjdump -sass, CUDA 13.0; per wmma mma_sync / bmma_sync):
//   f16 (all 3 shapes)        sm_75: 4 x HMMA.1688.{F16 | F32}; sm_80, sm_90a: 2 x HMMA.16816.*
//   bf16 (all 3 shapes)       sm_80, sm_90a: 2 x HMMA.16816.F32.BF16
//   tf32 m16n16k8             sm_80, sm_90a: 4 x HMMA.1684.F32.TF32
//   s8/u8 (all 3 shapes)      sm_75: 4 x IMMA.8816.*; sm_80, sm_90a: 2 x IMMA.16816.{S8.S8 | U8.U8}
//   s4/u4 m8n8k32             sm_80: IMMA.8832.{S4.S4 | U4.U4}; sm_90a: EMULATED, a called
//                             subroutine unpacks nibbles to bytes (LOP3/SHF) + IMMA.8816.{S8.S8|U8.U8}
//   b1 XOR m8n8k128           sm_80: BMMA.88128.XOR.POPC; sm_90a: EMULATED, a called subroutine
//                             does popc(a & ~b) + popc(~a & b) = 2 x BMMA.88128.AND.POPC + IADD3
//   b1 AND m8n8k128           sm_80, sm_90a: BMMA.88128.AND.POPC
//   f64 m8n8k4                sm_80: DMMA.884; sm_90a: DMMA.8x8x4
//   f16 (all 3 shapes)        sm_70 (CUDA 12.4): 4 x HMMA.884.F16.F16.STEP{0,1} | 4 x HMMA.884.F32.F32.STEP{0..3}
// The regexes accept the native opcodes of sm_70..sm_90a (Volta's from the `volta` build,
// docs/volta_toolkit.md), so the SASS check reports the emulated rows on sm_90a.
#pragma once

#define TCB_WMMA_ATOMS(X) \
  X(SM70_WMMA_16x16x16_F16F16F16F16_TN, "wmma.mma.sync.aligned.row.col.m16n16k16.f16.f16", 16, 16, 16, f16, f16, f16, f16, 4, 8, 8, 4, 4, 4, 70, "^HMMA\\.([0-9]+\\.F16|884\\.F16\\.F16\\.STEP[0-9])$", none) \
  X(SM70_WMMA_16x16x16_F32F16F16F32_TN, "wmma.mma.sync.aligned.row.col.m16n16k16.f32.f32", 16, 16, 16, f32, f16, f16, f32, 8, 8, 8, 8, 4, 4, 70, "^HMMA\\.([0-9]+\\.F32|884\\.F32\\.F32\\.STEP[0-9])$", none) \
  X(SM70_WMMA_32x8x16_F16F16F16F16_TN, "wmma.mma.sync.aligned.row.col.m32n8k16.f16.f16", 32, 8, 16, f16, f16, f16, f16, 4, 8, 8, 4, 4, 4, 70, "^HMMA\\.([0-9]+\\.F16|884\\.F16\\.F16\\.STEP[0-9])$", none) \
  X(SM70_WMMA_32x8x16_F32F16F16F32_TN, "wmma.mma.sync.aligned.row.col.m32n8k16.f32.f32", 32, 8, 16, f32, f16, f16, f32, 8, 8, 8, 8, 4, 4, 70, "^HMMA\\.([0-9]+\\.F32|884\\.F32\\.F32\\.STEP[0-9])$", none) \
  X(SM70_WMMA_8x32x16_F16F16F16F16_TN, "wmma.mma.sync.aligned.row.col.m8n32k16.f16.f16", 8, 32, 16, f16, f16, f16, f16, 4, 8, 8, 4, 4, 4, 70, "^HMMA\\.([0-9]+\\.F16|884\\.F16\\.F16\\.STEP[0-9])$", none) \
  X(SM70_WMMA_8x32x16_F32F16F16F32_TN, "wmma.mma.sync.aligned.row.col.m8n32k16.f32.f32", 8, 32, 16, f32, f16, f16, f32, 8, 8, 8, 8, 4, 4, 70, "^HMMA\\.([0-9]+\\.F32|884\\.F32\\.F32\\.STEP[0-9])$", none) \
  X(SM80_WMMA_16x16x16_F32BF16BF16F32_TN, "wmma.mma.sync.aligned.row.col.m16n16k16.f32.bf16.bf16.f32", 16, 16, 16, f32, bf16, bf16, f32, 8, 4, 4, 8, 4, 4, 80, "^HMMA\\.[0-9]+\\.F32\\.BF16$", none) \
  X(SM80_WMMA_32x8x16_F32BF16BF16F32_TN, "wmma.mma.sync.aligned.row.col.m32n8k16.f32.bf16.bf16.f32", 32, 8, 16, f32, bf16, bf16, f32, 8, 8, 2, 8, 4, 4, 80, "^HMMA\\.[0-9]+\\.F32\\.BF16$", none) \
  X(SM80_WMMA_8x32x16_F32BF16BF16F32_TN, "wmma.mma.sync.aligned.row.col.m8n32k16.f32.bf16.bf16.f32", 8, 32, 16, f32, bf16, bf16, f32, 8, 2, 8, 8, 4, 4, 80, "^HMMA\\.[0-9]+\\.F32\\.BF16$", none) \
  X(SM80_WMMA_16x16x8_F32TF32TF32F32_TN, "wmma.mma.sync.aligned.row.col.m16n16k8.f32.tf32.tf32.f32", 16, 16, 8, f32, tf32, tf32, f32, 8, 4, 4, 8, 4, 4, 80, "^HMMA\\.[0-9]+\\.F32\\.TF32$", none) \
  X(SM72_WMMA_16x16x16_S32S8S8S32_TN, "wmma.mma.sync.aligned.row.col.m16n16k16.s32.s8.s8.s32", 16, 16, 16, s32, s8, s8, s32, 8, 2, 2, 8, 4, 4, 72, "^IMMA\\.[0-9]+\\.S8\\.S8$", none) \
  X(SM72_WMMA_32x8x16_S32S8S8S32_TN, "wmma.mma.sync.aligned.row.col.m32n8k16.s32.s8.s8.s32", 32, 8, 16, s32, s8, s8, s32, 8, 4, 1, 8, 4, 4, 72, "^IMMA\\.[0-9]+\\.S8\\.S8$", none) \
  X(SM72_WMMA_8x32x16_S32S8S8S32_TN, "wmma.mma.sync.aligned.row.col.m8n32k16.s32.s8.s8.s32", 8, 32, 16, s32, s8, s8, s32, 8, 1, 4, 8, 4, 4, 72, "^IMMA\\.[0-9]+\\.S8\\.S8$", none) \
  X(SM72_WMMA_16x16x16_S32U8U8S32_TN, "wmma.mma.sync.aligned.row.col.m16n16k16.s32.u8.u8.s32", 16, 16, 16, s32, u8, u8, s32, 8, 2, 2, 8, 4, 4, 72, "^IMMA\\.[0-9]+\\.U8\\.U8$", none) \
  X(SM72_WMMA_32x8x16_S32U8U8S32_TN, "wmma.mma.sync.aligned.row.col.m32n8k16.s32.u8.u8.s32", 32, 8, 16, s32, u8, u8, s32, 8, 4, 1, 8, 4, 4, 72, "^IMMA\\.[0-9]+\\.U8\\.U8$", none) \
  X(SM72_WMMA_8x32x16_S32U8U8S32_TN, "wmma.mma.sync.aligned.row.col.m8n32k16.s32.u8.u8.s32", 8, 32, 16, s32, u8, u8, s32, 8, 1, 4, 8, 4, 4, 72, "^IMMA\\.[0-9]+\\.U8\\.U8$", none) \
  X(SM75_WMMA_8x8x32_S32S4S4S32_TN, "wmma.mma.sync.aligned.row.col.m8n8k32.s32.s4.s4.s32", 8, 8, 32, s32, s4, s4, s32, 2, 1, 1, 2, 4, 4, 75, "^IMMA\\.8832\\.S4\\.S4$", none) \
  X(SM75_WMMA_8x8x32_S32U4U4S32_TN, "wmma.mma.sync.aligned.row.col.m8n8k32.s32.u4.u4.s32", 8, 8, 32, s32, u4, u4, s32, 2, 1, 1, 2, 4, 4, 75, "^IMMA\\.8832\\.U4\\.U4$", none) \
  X(SM75_WMMA_8x8x128_S32U1U1S32_TN_XORPOPC, "wmma.mma.xor.popc.sync.aligned.row.col.m8n8k128.s32.b1.b1.s32", 8, 8, 128, s32, b1, b1, s32, 2, 1, 1, 2, 4, 4, 75, "^BMMA\\.88128\\.XOR\\.POPC$", xor_popc) \
  X(SM80_WMMA_8x8x128_S32U1U1S32_TN_ANDPOPC, "wmma.mma.and.popc.sync.aligned.row.col.m8n8k128.s32.b1.b1.s32", 8, 8, 128, s32, b1, b1, s32, 2, 1, 1, 2, 4, 4, 80, "^BMMA\\.88128\\.AND\\.POPC$", and_popc) \
  X(SM80_WMMA_8x8x4_F64F64F64F64_TN, "wmma.mma.sync.aligned.row.col.m8n8k4.f64.f64.f64.f64.rn", 8, 8, 4, f64, f64, f64, f64, 2, 1, 1, 2, 8, 8, 80, "^DMMA\\.(884|8x8x4)$", none)
