#include "families/mma/numerics_cases.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace tcb {
namespace {

// Exponent and significand field widths of the float element formats (tf32 as its 19 bits
// inside an fp32 word: `shift` 13).
struct Fields { int e, m, shift; };
Fields fields(DType t) {
  switch (t) {
    case DType::f16: return {5, 10, 0};
    case DType::bf16: return {8, 7, 0};
    case DType::tf32: return {8, 10, 13};
    case DType::f32: return {8, 23, 0};
    case DType::f64: return {11, 52, 0};
    case DType::e4m3: return {4, 3, 0};
    case DType::e5m2: return {5, 2, 0};
    default: return {0, 0, 0};
  }
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  uint64_t bits(int n) { return n >= 64 ? g_() : g_() & ((uint64_t(1) << n) - 1); }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g_) < p; }

 private:
  std::mt19937_64 g_;
};

// A finite float of `t` with biased exponent field `ef` (0: subnormal), random sign and
// significand; tf32 keeps its low 13 bits zero unless `raw`.
uint64_t float_bits(Rng& r, DType t, int ef, bool raw = false) {
  const Fields f = fields(t);
  const int emax_field = (1 << f.e) - 1;
  ef = std::clamp(ef, 0, emax_field - 1);
  uint64_t m = r.bits(f.m);
  if (t == DType::e4m3 && ef == emax_field) m = std::min<uint64_t>(m, 6);  // S.1111.111 is NaN
  if (ef == 0 && m == 0) m = 1;  // never zero
  uint64_t v = (r.bits(1) << (f.e + f.m)) | (uint64_t(ef) << f.m) | m;
  v <<= f.shift;
  if (raw && f.shift) v |= r.bits(f.shift);
  return v;
}

int bias(DType t) { return (1 << (fields(t).e - 1)) - 1; }
int max_field(DType t) {  // largest finite exponent field
  const Fields f = fields(t);
  return t == DType::e4m3 ? (1 << f.e) - 1 : (1 << f.e) - 2;
}

uint64_t special_bits(Rng& r, DType t) {
  const Fields f = fields(t);
  const uint64_t sign = r.bits(1) << (f.e + f.m);
  const uint64_t all_e = uint64_t((1 << f.e) - 1) << f.m;
  uint64_t v;
  switch (r.uniform(0, 3)) {
    case 0: v = sign;  break;                                            // +-0
    case 1: v = t == DType::e4m3 ? sign | all_e | 6 : sign | all_e; break;  // inf (e4m3: max finite)
    case 2: v = sign | all_e | (uint64_t(1) << (f.m - 1)) | (t == DType::e4m3 ? 7 : 0); break;  // NaN
    default: v = sign | (uint64_t(max_field(t)) << f.m) | (t == DType::e4m3 ? 6 : (uint64_t(1) << f.m) - 1);  // max finite
  }
  return v << f.shift;
}

uint64_t int_bits(Rng& r, DType t) { return r.bits(dtype_bits(t)); }

// A normal exponent field near 2^unbiased (+- spread binades).
int field_near(Rng& r, DType t, int unbiased, int spread) {
  return std::clamp(unbiased + bias(t) + r.uniform(-spread, spread), 1, max_field(t));
}


}  // namespace

const char* case_kind_name(CaseKind k) {
  switch (k) {
    case CaseKind::wide: return "wide";
    case CaseKind::narrow: return "narrow";
    case CaseKind::cancel: return "cancel";
    case CaseKind::subnormal: return "subnormal";
    case CaseKind::short_k: return "short_k";
    case CaseKind::raw_tf32: return "raw_tf32";
    case CaseKind::special: return "special";
    case CaseKind::int_full: return "int_full";
  }
  return "?";
}

std::vector<GeneratedCase> random_cases(const AtomInfo& atom, uint64_t seed, int count) {
  Rng r(seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<GeneratedCase> out;
  out.reserve(count);
  const int k = atom.k;
  const bool is_float = dtype_is_float(atom.a);
  for (int n = 0; n < count; ++n) {
    GeneratedCase g;
    DotCase& c = g.dot;
    c.a.assign(k, 0);
    c.b.assign(k, 0);
    if (!is_float) {
      g.kind = CaseKind::int_full;
      for (int i = 0; i < k; ++i) { c.a[i] = int_bits(r, atom.a); c.b[i] = int_bits(r, atom.b); }
      // C: anywhere in int32, often next to the limits so that the sum wraps or saturates.
      const int pick = r.uniform(0, 3);
      const uint64_t near = pick == 0 ? 0x7fffffffULL - r.bits(16) : pick == 1 ? 0x80000000ULL + r.bits(16) : r.bits(32);
      c.c = near & 0xffffffffULL;
      out.push_back(std::move(g));
      continue;
    }
    const int roll = r.uniform(0, 99);
    g.kind = roll < 30 ? CaseKind::wide : roll < 50 ? CaseKind::narrow : roll < 68 ? CaseKind::cancel
           : roll < 80 ? CaseKind::subnormal : roll < 90 ? CaseKind::short_k
           : roll < 96 ? (atom.a == DType::tf32 ? CaseKind::raw_tf32 : CaseKind::wide) : CaseKind::special;
    // Products centred near 2^0 for the narrow formats; bf16/tf32 get a wider window than fp16.
    const int span_a = std::max(1, max_field(atom.a) / 2 - 1), span_b = std::max(1, max_field(atom.b) / 2 - 1);
    const int wide_a = std::min(span_a, atom.a == DType::f64 ? 60 : 20), wide_b = std::min(span_b, atom.b == DType::f64 ? 60 : 20);
    const int terms = g.kind == CaseKind::short_k ? r.uniform(1, k) : k;
    for (int i = 0; i < terms; ++i) {
      switch (g.kind) {
        case CaseKind::wide: case CaseKind::short_k: case CaseKind::raw_tf32:
          c.a[i] = float_bits(r, atom.a, field_near(r, atom.a, 0, wide_a), g.kind == CaseKind::raw_tf32);
          c.b[i] = float_bits(r, atom.b, field_near(r, atom.b, 0, wide_b), g.kind == CaseKind::raw_tf32);
          break;
        case CaseKind::narrow: case CaseKind::cancel:
          c.a[i] = float_bits(r, atom.a, field_near(r, atom.a, 0, 1));
          c.b[i] = float_bits(r, atom.b, field_near(r, atom.b, 0, 1));
          break;
        case CaseKind::subnormal:  // small factors: subnormal inputs, products near the output's subnormals
          c.a[i] = float_bits(r, atom.a, r.chance(0.5) ? 0 : r.uniform(1, std::max(1, bias(atom.a) / 2)));
          c.b[i] = float_bits(r, atom.b, r.chance(0.5) ? 0 : r.uniform(1, std::max(1, bias(atom.b) / 2)));
          break;
        case CaseKind::special:
          c.a[i] = r.chance(0.15) ? special_bits(r, atom.a) : float_bits(r, atom.a, field_near(r, atom.a, 0, wide_a));
          c.b[i] = r.chance(0.15) ? special_bits(r, atom.b) : float_bits(r, atom.b, field_near(r, atom.b, 0, wide_b));
          break;
        default: break;
      }
    }
    if (g.kind == CaseKind::cancel) {  // pairs of equal and opposite products, one term perturbed
      const uint64_t sign_a = uint64_t(1) << (dtype_bits(atom.a) == 32 ? 31 : dtype_bits(atom.a) - 1);
      for (int i = 0; i + 1 < k; i += 2)
        if (r.chance(0.8)) { c.a[i + 1] = c.a[i] ^ sign_a; c.b[i + 1] = c.b[i]; }
    }
    // C: the accumulator format, within +-30 binades of the products (subnormal for subnormal cases).
    const DType ct = atom.c;
    if (g.kind == CaseKind::subnormal) c.c = float_bits(r, ct, r.chance(0.5) ? 0 : r.uniform(1, 3));
    else if (g.kind == CaseKind::special && r.chance(0.3)) c.c = special_bits(r, ct);
    else if (r.chance(0.05)) c.c = 0;
    else c.c = float_bits(r, ct, field_near(r, ct, 0, ct == DType::f16 ? 12 : 30));
    out.push_back(std::move(g));
  }
  return out;
}

uint64_t model_dot(const model::PathParams& p, int k, const DotCase& c) {
  std::vector<uint64_t> a(c.a), b(c.b);
  a.resize(k, 0);
  b.resize(k, 0);
  return model::dot(p, a.data(), b.data(), k, c.c);
}

int hex_width(DType t) { return std::max(1, dtype_bits(t) / 4); }

std::string hex_bits(uint64_t v, DType t) { return fmt::format("{:0{}x}", v, hex_width(t)); }

std::string case_line(const AtomInfo& atom, const DotCase& c) {
  std::string s;
  for (int i = 0; i < atom.k; ++i) s += hex_bits(i < int(c.a.size()) ? c.a[i] : 0, atom.a) + ' ';
  for (int i = 0; i < atom.k; ++i) s += hex_bits(i < int(c.b.size()) ? c.b[i] : 0, atom.b) + ' ';
  s += hex_bits(c.c, atom.c);
  return s;
}

}  // namespace tcb
