// The host reference of the FMA chains: each step is x <- fma(x, x, c) rounded once to the
// chain's type (round to nearest even, subnormals kept), as fma.rn.{f32,f16x2,bf16x2,f64} do.
// The quadratic map x^2 + c with c near -1.9 is chaotic on [c, c^2 + c] and never leaves it, so
// a chain neither converges nor overflows, and a missing or extra step changes its end value
// (in f16/bf16 the rounded map falls into a cycle of a few dozen values: chain_ends' callers check
// that the lengths they compare are told apart). Needs no GPU.
#pragma once
#include <cstdint>
#include <vector>

#include "ptx/dtype.hpp"

namespace tcb::cuda_core {

// A binary floating-point format: significand bits (hidden bit included) and the exponent range
// of its normal numbers.
struct Format {
  int precision, min_exp, max_exp;
};
constexpr Format kF16{11, -14, 15};
constexpr Format kBF16{8, -126, 127};
constexpr Format kF32{24, -126, 127};

// The value s + err (exact: err is s's rounding error, as TwoSum gives it) rounded to nearest
// even in `f`; beyond the largest finite value, infinity.
double round_to(const Format& f, double s, double err = 0);
// fma(a, b, c) rounded once in `f`, for a, b, c of that format with precision <= 26 (a * b is
// then exact in a double; TwoSum makes the sum exact; round_to rounds once).
double fma_in(const Format& f, double a, double b, double c);

// Bits <-> values of the 16-bit types (exactly representable values only: round first).
uint16_t f16_bits(double v);
double f16_value(uint16_t bits);
uint16_t bf16_bits(double v);
double bf16_value(uint16_t bits);

// A chain register of type t (f32, f16, bf16, f64; f16/bf16 registers hold two values, the low
// half first) as its bits in a uint64_t, and its values.
int values_per_register(DType t);
uint64_t pack(DType t, const double* values);
void unpack(DType t, uint64_t bits, double* values);
// Each value rounded to the type (the register of the nearest representable values).
uint64_t register_of(DType t, const double* values);

// One step of the chain on one value of type t.
double step_value(DType t, double x, double c);

// The register's bits after each of `at_steps` (ascending) steps of x <- fma(x, x, c) from x0.
std::vector<uint64_t> chain_ends(DType t, uint64_t x0, uint64_t c, const std::vector<long>& at_steps);

}  // namespace tcb::cuda_core
