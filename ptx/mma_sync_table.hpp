// The dense mma.sync instruction table: one row per PTX instruction variant (PTX ISA 9.7.14).
// Columns: atom name, PTX mnemonic, M, N, K, D/A/B/C types, D/A/B/C registers per thread,
// accumulator register type and constraint, A/B register type and constraint, min SM,
// max SM (0 = none), expected SASS (regex one tensor-core opcode must match), fragment layout, MMAs per warp instruction,
// bit operation. Adding an instruction means adding a row here; nothing else. The 52 PTX
// variants, plus the .satfinite forms of s8 m16n8k32 and s4 m16n8k64 (integer saturation probes).
#pragma once

#define TCB_MMA_SYNC_ATOMS(X) \
  X(SM70_8x8x4_F16F16F16F16_TN, "mma.sync.aligned.m8n8k4.row.col.f16.f16.f16.f16", 8, 8, 4, f16, f16, f16, f16, 4, 2, 2, 4, uint32_t, "r", uint32_t, "r", 70, 0, "^HMMA\\.884", m8n8k4_quadpair, 4, none) \
  X(SM70_8x8x4_F32F16F16F32_TN, "mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32", 8, 8, 4, f32, f16, f16, f32, 8, 2, 2, 8, float, "f", uint32_t, "r", 70, 0, "^HMMA\\.884", m8n8k4_quadpair, 4, none) \
  X(SM75_16x8x8_F16F16F16F16_TN, "mma.sync.aligned.m16n8k8.row.col.f16.f16.f16.f16", 16, 8, 8, f16, f16, f16, f16, 2, 2, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^HMMA\\.[0-9]+\\.F16$", m16n8, 1, none) \
  X(SM75_16x8x8_F32F16F16F32_TN, "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32", 16, 8, 8, f32, f16, f16, f32, 4, 2, 1, 4, float, "f", uint32_t, "r", 75, 0, "^HMMA\\.[0-9]+\\.F32$", m16n8, 1, none) \
  X(SM80_16x8x16_F16F16F16F16_TN, "mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16", 16, 8, 16, f16, f16, f16, f16, 2, 4, 2, 2, uint32_t, "r", uint32_t, "r", 80, 0, "^HMMA\\.[0-9]+\\.F16$", m16n8, 1, none) \
  X(SM80_16x8x16_F32F16F16F32_TN, "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", 16, 8, 16, f32, f16, f16, f32, 4, 4, 2, 4, float, "f", uint32_t, "r", 80, 0, "^HMMA\\.[0-9]+\\.F32$", m16n8, 1, none) \
  X(SM80_16x8x8_F32BF16BF16F32_TN, "mma.sync.aligned.m16n8k8.row.col.f32.bf16.bf16.f32", 16, 8, 8, f32, bf16, bf16, f32, 4, 2, 1, 4, float, "f", uint32_t, "r", 80, 0, "^HMMA\\..*\\.BF16$", m16n8, 1, none) \
  X(SM80_16x8x16_F32BF16BF16F32_TN, "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32", 16, 8, 16, f32, bf16, bf16, f32, 4, 4, 2, 4, float, "f", uint32_t, "r", 80, 0, "^HMMA\\..*\\.BF16$", m16n8, 1, none) \
  X(SM80_16x8x4_F32TF32TF32F32_TN, "mma.sync.aligned.m16n8k4.row.col.f32.tf32.tf32.f32", 16, 8, 4, f32, tf32, tf32, f32, 4, 2, 1, 4, float, "f", uint32_t, "r", 80, 0, "^HMMA\\..*\\.TF32$", m16n8, 1, none) \
  X(SM80_16x8x8_F32TF32TF32F32_TN, "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32", 16, 8, 8, f32, tf32, tf32, f32, 4, 4, 2, 4, float, "f", uint32_t, "r", 80, 0, "^HMMA\\..*\\.TF32$", m16n8, 1, none) \
  X(SM80_8x8x4_F64F64F64F64_TN, "mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64", 8, 8, 4, f64, f64, f64, f64, 2, 1, 1, 2, double, "d", double, "d", 80, 0, "^DMMA\\.", m8n8, 1, none) \
  X(SM90_16x8x4_F64F64F64F64_TN, "mma.sync.aligned.m16n8k4.row.col.f64.f64.f64.f64", 16, 8, 4, f64, f64, f64, f64, 4, 2, 1, 4, double, "d", double, "d", 90, 0, "^DMMA\\.", m16n8, 1, none) \
  X(SM90_16x8x8_F64F64F64F64_TN, "mma.sync.aligned.m16n8k8.row.col.f64.f64.f64.f64", 16, 8, 8, f64, f64, f64, f64, 4, 4, 2, 4, double, "d", double, "d", 90, 0, "^DMMA\\.", m16n8, 1, none) \
  X(SM90_16x8x16_F64F64F64F64_TN, "mma.sync.aligned.m16n8k16.row.col.f64.f64.f64.f64", 16, 8, 16, f64, f64, f64, f64, 4, 8, 4, 4, double, "d", double, "d", 90, 0, "^DMMA\\.", m16n8, 1, none) \
  X(SM75_8x8x16_S32S8S8S32_TN, "mma.sync.aligned.m8n8k16.row.col.s32.s8.s8.s32", 8, 8, 16, s32, s8, s8, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.S8\\.S8", m8n8, 1, none) \
  X(SM80_16x8x16_S32S8S8S32_TN, "mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32", 16, 8, 16, s32, s8, s8, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S8\\.S8", m16n8, 1, none) \
  X(SM80_16x8x32_S32S8S8S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32", 16, 8, 32, s32, s8, s8, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S8\\.S8", m16n8, 1, none) \
  X(SM80_16x8x32_S32S8S8S32_TN_SATFINITE, "mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32", 16, 8, 32, s32, s8, s8, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S8\\.S8", m16n8, 1, none) \
  X(SM75_8x8x16_S32S8U8S32_TN, "mma.sync.aligned.m8n8k16.row.col.s32.s8.u8.s32", 8, 8, 16, s32, s8, u8, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.S8\\.U8", m8n8, 1, none) \
  X(SM80_16x8x16_S32S8U8S32_TN, "mma.sync.aligned.m16n8k16.row.col.s32.s8.u8.s32", 16, 8, 16, s32, s8, u8, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S8\\.U8", m16n8, 1, none) \
  X(SM80_16x8x32_S32S8U8S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.s8.u8.s32", 16, 8, 32, s32, s8, u8, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S8\\.U8", m16n8, 1, none) \
  X(SM75_8x8x16_S32U8S8S32_TN, "mma.sync.aligned.m8n8k16.row.col.s32.u8.s8.s32", 8, 8, 16, s32, u8, s8, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.U8\\.S8", m8n8, 1, none) \
  X(SM80_16x8x16_S32U8S8S32_TN, "mma.sync.aligned.m16n8k16.row.col.s32.u8.s8.s32", 16, 8, 16, s32, u8, s8, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U8\\.S8", m16n8, 1, none) \
  X(SM80_16x8x32_S32U8S8S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32", 16, 8, 32, s32, u8, s8, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U8\\.S8", m16n8, 1, none) \
  X(SM75_8x8x16_S32U8U8S32_TN, "mma.sync.aligned.m8n8k16.row.col.s32.u8.u8.s32", 8, 8, 16, s32, u8, u8, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.U8\\.U8", m8n8, 1, none) \
  X(SM80_16x8x16_S32U8U8S32_TN, "mma.sync.aligned.m16n8k16.row.col.s32.u8.u8.s32", 16, 8, 16, s32, u8, u8, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U8\\.U8", m16n8, 1, none) \
  X(SM80_16x8x32_S32U8U8S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.u8.u8.s32", 16, 8, 32, s32, u8, u8, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U8\\.U8", m16n8, 1, none) \
  X(SM75_8x8x32_S32S4S4S32_TN, "mma.sync.aligned.m8n8k32.row.col.s32.s4.s4.s32", 8, 8, 32, s32, s4, s4, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.S4\\.S4", m8n8, 1, none) \
  X(SM80_16x8x32_S32S4S4S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.s4.s4.s32", 16, 8, 32, s32, s4, s4, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S4\\.S4", m16n8, 1, none) \
  X(SM80_16x8x64_S32S4S4S32_TN, "mma.sync.aligned.m16n8k64.row.col.s32.s4.s4.s32", 16, 8, 64, s32, s4, s4, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S4\\.S4", m16n8, 1, none) \
  X(SM80_16x8x64_S32S4S4S32_TN_SATFINITE, "mma.sync.aligned.m16n8k64.row.col.satfinite.s32.s4.s4.s32", 16, 8, 64, s32, s4, s4, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S4\\.S4", m16n8, 1, none) \
  X(SM75_8x8x32_S32S4U4S32_TN, "mma.sync.aligned.m8n8k32.row.col.s32.s4.u4.s32", 8, 8, 32, s32, s4, u4, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.S4\\.U4", m8n8, 1, none) \
  X(SM80_16x8x32_S32S4U4S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.s4.u4.s32", 16, 8, 32, s32, s4, u4, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S4\\.U4", m16n8, 1, none) \
  X(SM80_16x8x64_S32S4U4S32_TN, "mma.sync.aligned.m16n8k64.row.col.s32.s4.u4.s32", 16, 8, 64, s32, s4, u4, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.S4\\.U4", m16n8, 1, none) \
  X(SM75_8x8x32_S32U4S4S32_TN, "mma.sync.aligned.m8n8k32.row.col.s32.u4.s4.s32", 8, 8, 32, s32, u4, s4, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.U4\\.S4", m8n8, 1, none) \
  X(SM80_16x8x32_S32U4S4S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.u4.s4.s32", 16, 8, 32, s32, u4, s4, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U4\\.S4", m16n8, 1, none) \
  X(SM80_16x8x64_S32U4S4S32_TN, "mma.sync.aligned.m16n8k64.row.col.s32.u4.s4.s32", 16, 8, 64, s32, u4, s4, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U4\\.S4", m16n8, 1, none) \
  X(SM75_8x8x32_S32U4U4S32_TN, "mma.sync.aligned.m8n8k32.row.col.s32.u4.u4.s32", 8, 8, 32, s32, u4, u4, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^IMMA\\..*\\.U4\\.U4", m8n8, 1, none) \
  X(SM80_16x8x32_S32U4U4S32_TN, "mma.sync.aligned.m16n8k32.row.col.s32.u4.u4.s32", 16, 8, 32, s32, u4, u4, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U4\\.U4", m16n8, 1, none) \
  X(SM80_16x8x64_S32U4U4S32_TN, "mma.sync.aligned.m16n8k64.row.col.s32.u4.u4.s32", 16, 8, 64, s32, u4, u4, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^IMMA\\..*\\.U4\\.U4", m16n8, 1, none) \
  X(SM75_8x8x128_S32U1U1S32_TN_XORPOPC, "mma.sync.aligned.m8n8k128.row.col.s32.b1.b1.s32.xor.popc", 8, 8, 128, s32, b1, b1, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 75, 0, "^BMMA\\..*\\.XOR\\.POPC", m8n8, 1, xor_popc) \
  X(SM80_8x8x128_S32U1U1S32_TN_ANDPOPC, "mma.sync.aligned.m8n8k128.row.col.s32.b1.b1.s32.and.popc", 8, 8, 128, s32, b1, b1, s32, 2, 1, 1, 2, uint32_t, "r", uint32_t, "r", 80, 0, "^BMMA\\..*\\.AND\\.POPC", m8n8, 1, and_popc) \
  X(SM80_16x8x128_S32U1U1S32_TN_XORPOPC, "mma.sync.aligned.m16n8k128.row.col.s32.b1.b1.s32.xor.popc", 16, 8, 128, s32, b1, b1, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^BMMA\\..*\\.XOR\\.POPC", m16n8, 1, xor_popc) \
  X(SM80_16x8x256_S32U1U1S32_TN_XORPOPC, "mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.xor.popc", 16, 8, 256, s32, b1, b1, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^BMMA\\..*\\.XOR\\.POPC", m16n8, 1, xor_popc) \
  X(SM80_16x8x128_S32U1U1S32_TN_ANDPOPC, "mma.sync.aligned.m16n8k128.row.col.s32.b1.b1.s32.and.popc", 16, 8, 128, s32, b1, b1, s32, 4, 2, 1, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^BMMA\\..*\\.AND\\.POPC", m16n8, 1, and_popc) \
  X(SM80_16x8x256_S32U1U1S32_TN_ANDPOPC, "mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc", 16, 8, 256, s32, b1, b1, s32, 4, 4, 2, 4, uint32_t, "r", uint32_t, "r", 80, 0, "^BMMA\\..*\\.AND\\.POPC", m16n8, 1, and_popc) \
  X(SM89_16x8x32_F32E4M3E4M3F32_TN, "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32", 16, 8, 32, f32, e4m3, e4m3, f32, 4, 4, 2, 4, float, "f", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E4M3\\.E4M3", m16n8, 1, none) \
  X(SM89_16x8x32_F16E4M3E4M3F16_TN, "mma.sync.aligned.m16n8k32.row.col.f16.e4m3.e4m3.f16", 16, 8, 32, f16, e4m3, e4m3, f16, 2, 4, 2, 2, uint32_t, "r", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E4M3\\.E4M3", m16n8, 1, none) \
  X(SM89_16x8x32_F32E4M3E5M2F32_TN, "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e5m2.f32", 16, 8, 32, f32, e4m3, e5m2, f32, 4, 4, 2, 4, float, "f", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E4M3\\.E5M2", m16n8, 1, none) \
  X(SM89_16x8x32_F16E4M3E5M2F16_TN, "mma.sync.aligned.m16n8k32.row.col.f16.e4m3.e5m2.f16", 16, 8, 32, f16, e4m3, e5m2, f16, 2, 4, 2, 2, uint32_t, "r", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E4M3\\.E5M2", m16n8, 1, none) \
  X(SM89_16x8x32_F32E5M2E4M3F32_TN, "mma.sync.aligned.m16n8k32.row.col.f32.e5m2.e4m3.f32", 16, 8, 32, f32, e5m2, e4m3, f32, 4, 4, 2, 4, float, "f", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E5M2\\.E4M3", m16n8, 1, none) \
  X(SM89_16x8x32_F16E5M2E4M3F16_TN, "mma.sync.aligned.m16n8k32.row.col.f16.e5m2.e4m3.f16", 16, 8, 32, f16, e5m2, e4m3, f16, 2, 4, 2, 2, uint32_t, "r", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E5M2\\.E4M3", m16n8, 1, none) \
  X(SM89_16x8x32_F32E5M2E5M2F32_TN, "mma.sync.aligned.m16n8k32.row.col.f32.e5m2.e5m2.f32", 16, 8, 32, f32, e5m2, e5m2, f32, 4, 4, 2, 4, float, "f", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E5M2\\.E5M2", m16n8, 1, none) \
  X(SM89_16x8x32_F16E5M2E5M2F16_TN, "mma.sync.aligned.m16n8k32.row.col.f16.e5m2.e5m2.f16", 16, 8, 32, f16, e5m2, e5m2, f16, 2, 4, 2, 2, uint32_t, "r", uint32_t, "r", 89, 0, "^QMMA\\..*\\.E5M2\\.E5M2", m16n8, 1, none)
