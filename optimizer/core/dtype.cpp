#include "optimizer/core/dtype.hpp"

namespace tcb::opt {

namespace {
// Fraction bits are the formats' definitions (IEEE binary16 10, bfloat16 7, TF32 10, binary32 23,
// OCP E4M3 3); e4m3's result is stored as bf16.
constexpr DtypeInfo kInfo[] = {
    {"f16", 2, 2, 2, "f16", "wgmma", 10, 10, true},
    {"bf16", 2, 2, 2, "bf16", "wgmma", 7, 7, true},
    {"tf32", 4, 4, 4, "tf32", "wgmma", 10, 23, true},
    {"f32", 4, 4, 4, "f32", "cuda_core", 23, 23, true},
    {"e4m3", 1, 1, 2, "e4m3", "wgmma", 3, 7, false},
};
}  // namespace

const DtypeInfo& info(Dtype d) { return kInfo[static_cast<int>(d)]; }

bool parse_dtype(std::string_view text, Dtype* out) {
  for (Dtype d : kAllDtypes)
    if (info(d).name == text) {
      *out = d;
      return true;
    }
  return false;
}

std::string dtype_choices() {
  std::string s;
  for (Dtype d : kAllDtypes) s += (s.empty() ? "" : ", ") + std::string(info(d).name);
  return s;
}

}  // namespace tcb::opt
