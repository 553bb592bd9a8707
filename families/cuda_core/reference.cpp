// The host reference of reference.hpp.
#include "families/cuda_core/reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace tcb::cuda_core {

double round_to(const Format& f, double s, double err) {
  if (s == 0) return 0.0;  // an exact zero sum is +0 under round to nearest (x * x + c: never -0 + -0)
  const double sign = s < 0 ? -1.0 : 1.0;
  const double a = std::fabs(s), e = sign * err;  // the value is sign * (a + e)
  int exp = 0;
  std::frexp(a, &exp);                            // a = m * 2^exp, m in [0.5, 1)
  const int lead = std::max(exp - 1, f.min_exp);  // subnormals: the quantum of the smallest normal
  const double quantum = std::ldexp(1.0, lead - (f.precision - 1));
  const double r = a / quantum;                   // exact: a power-of-two scaling
  const double n = std::floor(r), frac = r - n;
  // Past the half-way point, or on it with the exact value above it, or a tie to even.
  const bool up = frac > 0.5 || (frac == 0.5 && (e > 0 || (e == 0 && std::fmod(n, 2.0) != 0)));
  const double out = (n + (up ? 1 : 0)) * quantum;
  if (out >= std::ldexp(1.0, f.max_exp + 1)) return sign * HUGE_VAL;
  return sign * out;
}

double fma_in(const Format& f, double a, double b, double c) {
  const double p = a * b;  // exact: at most 2 x 26 significand bits
  const double s = p + c;  // TwoSum: the sum's rounding error, exactly
  const double pv = s - c, cv = s - pv;
  const double err = (p - pv) + (c - cv);
  return round_to(f, s, err);
}

namespace {

// IEEE-style 16-bit encode and decode of exactly representable values (binary16, bfloat16).
uint16_t encode16(double v, int precision, int exp_bits) {
  const int bias = (1 << (exp_bits - 1)) - 1, mant_bits = precision - 1;
  const uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  const double a = std::fabs(v);
  if (std::isinf(a)) return uint16_t(sign | (((1 << exp_bits) - 1) << mant_bits));
  if (a == 0) return sign;
  int exp = 0;
  std::frexp(a, &exp);
  const int e = exp - 1;
  if (e < 1 - bias) return uint16_t(sign | uint16_t(std::ldexp(a, bias - 1 + mant_bits)));  // subnormal
  const double fraction = std::ldexp(a, -e) - 1.0;                                          // in [0, 1)
  return uint16_t(sign | uint16_t((e + bias) << mant_bits) | uint16_t(std::ldexp(fraction, mant_bits)));
}

double decode16(uint16_t b, int precision, int exp_bits) {
  const int bias = (1 << (exp_bits - 1)) - 1, mant_bits = precision - 1;
  const double sign = (b & 0x8000) ? -1.0 : 1.0;
  const int e = (b >> mant_bits) & ((1 << exp_bits) - 1);
  const int m = b & ((1 << mant_bits) - 1);
  if (e == (1 << exp_bits) - 1) return m ? std::nan("") : sign * HUGE_VAL;
  if (e == 0) return sign * std::ldexp(double(m), 1 - bias - mant_bits);
  return sign * std::ldexp(1.0 + std::ldexp(double(m), -mant_bits), e - bias);
}

}  // namespace

uint16_t f16_bits(double v) { return encode16(v, 11, 5); }
double f16_value(uint16_t bits) { return decode16(bits, 11, 5); }
uint16_t bf16_bits(double v) { return encode16(v, 8, 8); }
double bf16_value(uint16_t bits) { return decode16(bits, 8, 8); }

int values_per_register(DType t) { return t == DType::f16 || t == DType::bf16 ? 2 : 1; }

uint64_t pack(DType t, const double* v) {
  switch (t) {
    case DType::f32: {
      const float f = float(v[0]);
      uint32_t b;
      std::memcpy(&b, &f, 4);
      return b;
    }
    case DType::f64: {
      uint64_t b;
      std::memcpy(&b, &v[0], 8);
      return b;
    }
    case DType::f16: return f16_bits(v[0]) | uint64_t(f16_bits(v[1])) << 16;
    case DType::bf16: return bf16_bits(v[0]) | uint64_t(bf16_bits(v[1])) << 16;
    default: throw std::invalid_argument("cuda_core: no FMA chain of this type");
  }
}

void unpack(DType t, uint64_t bits, double* v) {
  switch (t) {
    case DType::f32: {
      const uint32_t b = uint32_t(bits);
      float f;
      std::memcpy(&f, &b, 4);
      v[0] = f;
      return;
    }
    case DType::f64: std::memcpy(&v[0], &bits, 8); return;
    case DType::f16: v[0] = f16_value(uint16_t(bits)); v[1] = f16_value(uint16_t(bits >> 16)); return;
    case DType::bf16: v[0] = bf16_value(uint16_t(bits)); v[1] = bf16_value(uint16_t(bits >> 16)); return;
    default: throw std::invalid_argument("cuda_core: no FMA chain of this type");
  }
}

uint64_t register_of(DType t, const double* values) {
  double r[2] = {values[0], values_per_register(t) == 2 ? values[1] : 0};
  for (int i = 0; i < values_per_register(t); ++i) {
    if (t == DType::f16) r[i] = round_to(kF16, r[i]);
    if (t == DType::bf16) r[i] = round_to(kBF16, r[i]);
    if (t == DType::f32) r[i] = round_to(kF32, r[i]);
  }
  return pack(t, r);
}

double step_value(DType t, double x, double c) {
  switch (t) {
    case DType::f32: return fma_in(kF32, x, x, c);
    case DType::f16: return fma_in(kF16, x, x, c);
    case DType::bf16: return fma_in(kBF16, x, x, c);
    case DType::f64: return std::fma(x, x, c);  // C's fma: IEEE 754 fusedMultiplyAdd, one rounding
    default: throw std::invalid_argument("cuda_core: no FMA chain of this type");
  }
}

std::vector<uint64_t> chain_ends(DType t, uint64_t x0, uint64_t c, const std::vector<long>& at_steps) {
  const int n = values_per_register(t);
  double x[2] = {0, 0}, cv[2] = {0, 0};
  unpack(t, x0, x);
  unpack(t, c, cv);
  std::vector<uint64_t> out;
  long done = 0;
  for (long want : at_steps) {
    for (; done < want; ++done)
      for (int i = 0; i < n; ++i) x[i] = step_value(t, x[i], cv[i]);
    out.push_back(pack(t, x));
  }
  return out;
}

}  // namespace tcb::cuda_core
