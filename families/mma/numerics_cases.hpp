// Random dot-product cases for the numerics validation: mixed exponent ranges, cancellation,
// subnormals, signs, short k, tf32 given raw fp32 bits, and a few NaN / Inf / -0 inputs, in the
// element formats of one atom. Deterministic for a seed, so a run can be replayed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "families/mma/case_runner.hpp"
#include "model/tc_model.hpp"
#include "ptx/atom_info.hpp"

namespace tcb {

// The kind of a case, recorded with it.
enum class CaseKind : uint8_t { wide, narrow, cancel, subnormal, short_k, raw_tf32, special, int_full };
const char* case_kind_name(CaseKind);

struct GeneratedCase {
  DotCase dot;
  CaseKind kind;
};

std::vector<GeneratedCase> random_cases(const AtomInfo& atom, uint64_t seed, int count);

// The model's d for one case of an instruction of k terms (missing terms are zero).
uint64_t model_dot(const model::PathParams& p, int k, const DotCase& c);

// Hex digits of one element of `t` in the model's text format (fp16 4, e4m3 2, tf32/f32 8, ...).
int hex_width(DType t);
// One case as a line of the `tcbench model` input: a0 .. a(k-1) b0 .. b(k-1) c.
std::string case_line(const AtomInfo& atom, const DotCase& c);
std::string hex_bits(uint64_t v, DType t);

}  // namespace tcb
