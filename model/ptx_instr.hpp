// A PTX tensor-core mnemonic, parsed and checked against the PTX ISA's legal shapes and types:
//   mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32            (types D A B C)
//   wmma.mma.sync.aligned.row.col.m16n16k16.f32.f32              (f16 inputs: D C only)
//   wmma.mma.sync.aligned.row.col.m16n16k16.f32.bf16.bf16.f32    (D A B C)
//   wgmma.mma_async.sync.aligned.m64n8k32.f32.e4m3.e4m3          (D A B; C = D)
// `.satfinite` is accepted on integer forms. Sparse (mma.sp, wgmma .sp) and b1 forms are
// rejected with a message: the model covers dense arithmetic paths only.
#pragma once
#include <cstdint>
#include <string>

#include "model/tc_model.hpp"

namespace tcb::model {

enum class Family : uint8_t { mma_sync, wmma, wgmma };
const char* family_name(Family);

struct Instr {
  std::string ptx;
  Family family = Family::mma_sync;
  int m = 0, n = 0, k = 0;
  Fmt a = Fmt::f16, b = Fmt::f16, c = Fmt::f32, d = Fmt::f32;
  bool satfinite = false;
  int min_sm = 0;           // e.g. 80; wgmma needs exactly sm_90a
  bool sm90a_only = false;  // wgmma
};

// false with *error set when `ptx` is ill-formed or not a legal instruction.
bool parse_instr(const std::string& ptx, Instr* out, std::string* error);

}  // namespace tcb::model
