// Run-time description of one tensor-core instruction ("atom"): everything the harness,
// the CPU reference and the writers need, without touching device code.
#pragma once
#include <cstdint>
#include "dtype.hpp"

namespace tcb {

enum class Family : uint8_t { mma_sync, mma_sp, wmma, wgmma };

constexpr const char* family_name(Family f) {
  switch (f) {
    case Family::mma_sync: return "mma.sync";
    case Family::mma_sp: return "mma.sp";
    case Family::wmma: return "wmma";
    case Family::wgmma: return "wgmma";
  }
  return "?";
}

// How a warp's registers map onto the A/B/C/D matrices (PTX ISA "matrix fragments").
enum class FragLayout : uint8_t {
  m16n8,            // m16n8kK shapes: groupID = lane/4 selects rows, lane%4 selects columns
  m8n8,             // m8n8kK shapes other than f16 m8n8k4 (ints, b1, f64)
  m8n8k4_quadpair,  // f16 m8n8k4: four independent 8x8x4 products, one per quad-pair
};

enum class BitOp : uint8_t { none, and_popc, xor_popc };

struct AtomInfo {
  const char* name;  // CuTe-style: SM80_16x8x16_F32F16F16F32_TN
  const char* ptx;   // the PTX mnemonic, without operands
  Family family;
  int m, n, k;
  DType d, a, b, c;
  int d_regs, a_regs, b_regs, c_regs;  // registers per thread
  int cd_reg_bytes, ab_reg_bytes;      // 4, or 8 for f64 fragments
  int min_sm, max_sm;                  // max_sm 0: no upper bound
  const char* sass;                    // regex one SASS tensor-core opcode must match to be native
  FragLayout layout;
  int mmas_per_warp;  // independent m×n×k products one warp instruction computes
  BitOp bitop;

  // Multiply and add count as two operations; b1 AND/XOR + popc-add likewise.
  constexpr double ops_per_instr() const { return 2.0 * m * n * k * mmas_per_warp; }
  constexpr double fma_per_instr() const { return 1.0 * m * n * k * mmas_per_warp; }
  constexpr bool exists_on(int sm) const { return sm >= min_sm && (max_sm == 0 || sm <= max_sm); }
};

// Structured-sparse instructions (mma.sp, wgmma.mma_async.sp): their k and ops count the
// dense-equivalent work, zeros of the 2:4 (1:2) pattern included, so their peak is twice the dense.
constexpr bool is_sparse(const AtomInfo& a) {
  if (a.family == Family::mma_sp) return true;
  if (a.family != Family::wgmma) return false;
  for (const char* p = a.ptx; *p; ++p)  // "wgmma.mma_async.sp."
    if (p[0] == '.' && p[1] == 's' && p[2] == 'p' && p[3] == '.') return true;
  return false;
}

}  // namespace tcb
