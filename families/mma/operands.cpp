// Operand data, fragment layouts and the chain reference. See operands.hpp for the contract.
#include "families/mma/operands.hpp"

#include "harness/core/parallel.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

namespace tcb {

// ---------------------------------------------------------------------------------------------
// Data modes
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// Element encodings
// ---------------------------------------------------------------------------------------------

namespace {

// A binary floating-point format narrower than double. `shift` places the pattern inside its
// storage (tf32 lives in the top 19 bits of an f32 word). `has_inf`: IEEE-style inf/NaN at the
// all-ones exponent; otherwise OCP E4M3FN: no inf, only S.1111.111 is NaN.
struct FloatFormat {
  int exp_bits, man_bits, shift;
  bool has_inf;
  int bias() const { return (1 << (exp_bits - 1)) - 1; }
  uint64_t exp_mask() const { return (uint64_t(1) << exp_bits) - 1; }
  uint64_t man_mask() const { return (uint64_t(1) << man_bits) - 1; }
  uint64_t sign_bit() const { return uint64_t(1) << (exp_bits + man_bits); }
  uint64_t inf_bits() const { return exp_mask() << man_bits; }
  uint64_t max_finite() const { return has_inf ? inf_bits() - 1 : (exp_mask() << man_bits) | (man_mask() - 1); }
  uint64_t nan_bits() const { return has_inf ? inf_bits() | (uint64_t(1) << (man_bits - 1)) : sign_bit() - 1; }
};

bool float_format(DType t, FloatFormat* f) {
  switch (t) {
    case DType::f16: *f = {5, 10, 0, true}; return true;
    case DType::bf16: *f = {8, 7, 0, true}; return true;
    case DType::tf32: *f = {8, 10, 13, true}; return true;
    case DType::f32: *f = {8, 23, 0, true}; return true;
    case DType::e4m3: *f = {4, 3, 0, false}; return true;
    case DType::e5m2: *f = {5, 2, 0, true}; return true;
    default: return false;
  }
}

double decode_float(const FloatFormat& f, uint64_t bits) {
  const bool neg = bits & f.sign_bit();
  const uint64_t e = (bits >> f.man_bits) & f.exp_mask(), m = bits & f.man_mask();
  double v;
  if (f.has_inf && e == f.exp_mask()) {
    v = m ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (!f.has_inf && e == f.exp_mask() && m == f.man_mask()) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else if (e == 0) {
    v = std::ldexp(double(m), 1 - f.bias() - f.man_bits);  // subnormal
  } else {
    v = std::ldexp(double(m | (uint64_t(1) << f.man_bits)), int(e) - f.bias() - f.man_bits);
  }
  return neg ? -v : v;
}

// Round to nearest even. Works on the integer significand n = |v| / quantum, where quantum is
// the spacing of the format at |v|'s binade (or the subnormal spacing); n < 2^(man_bits+1) is
// exact in a double, so std::nearbyint (ties to even in the default mode) rounds exactly once.
uint64_t encode_float(const FloatFormat& f, double v) {
  if (std::isnan(v)) return f.nan_bits();
  const uint64_t sign = std::signbit(v) ? f.sign_bit() : 0;
  const double a = std::fabs(v);
  if (a == 0) return sign;
  uint64_t mag;
  const uint64_t beyond = ~uint64_t(0) >> 1;  // any magnitude above the format's range
  if (std::isinf(a)) {
    mag = beyond;
  } else {
    int e2;
    std::frexp(a, &e2);  // a = frac * 2^e2, frac in [0.5, 1): binade exponent e2 - 1
    const int emin = 1 - f.bias();
    const int q = std::max(e2 - 1, emin) - f.man_bits;  // log2 of the quantum
    const double n = std::nearbyint(std::ldexp(a, -q));
    if (e2 - 1 < emin) {
      mag = uint64_t(n);  // subnormal; n == 2^man_bits lands exactly on the smallest normal
    } else {
      // n in [2^M, 2^(M+1)]; a carry out of the significand bumps the exponent by itself.
      const int64_t field = int64_t(e2 - 1) + f.bias();
      mag = field > int64_t(f.exp_mask()) ? beyond
                                          : (uint64_t(field) << f.man_bits) + (uint64_t(n) - (uint64_t(1) << f.man_bits));
    }
  }
  if (mag > f.max_finite()) mag = f.has_inf ? f.inf_bits() : f.max_finite();  // e4m3 saturates
  return sign | mag;
}

uint64_t low_bits(uint64_t v, int bits) { return bits >= 64 ? v : v & ((uint64_t(1) << bits) - 1); }

int64_t sign_extend(uint64_t v, int bits) {
  const uint64_t m = uint64_t(1) << (bits - 1);
  v = low_bits(v, bits);
  return int64_t((v ^ m) - m);
}

}  // namespace

double decode_value(DType t, uint64_t bits) {
  FloatFormat f;
  // tf32 decodes as the f32 value its storage holds (our data keep the low 13 bits zero; what
  // the tensor core does with non-zero low bits is a numerics question, not an encoding one).
  if (t == DType::tf32) t = DType::f32;
  if (float_format(t, &f)) return decode_float(f, low_bits(bits, dtype_bits(t)) >> f.shift);
  switch (t) {
    case DType::f64: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case DType::s8: case DType::s4: case DType::s32: return double(sign_extend(bits, dtype_bits(t)));
    default: return double(low_bits(bits, dtype_bits(t)));  // u8, u4, b1
  }
}

uint64_t encode_value(DType t, double v) {
  FloatFormat f;
  if (float_format(t, &f)) return encode_float(f, v) << f.shift;
  if (t == DType::f64) {
    uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
  }
  // Integers: round to nearest even, then saturate to the type's range.
  const int bits = dtype_bits(t);
  const bool is_signed = dtype_is_signed_int(t);
  const double lo = is_signed ? -std::ldexp(1.0, bits - 1) : 0.0;
  const double hi = is_signed ? std::ldexp(1.0, bits - 1) - 1 : std::ldexp(1.0, bits) - 1;
  const double r = std::isnan(v) ? 0.0 : std::min(hi, std::max(lo, std::nearbyint(v)));
  return low_bits(uint64_t(int64_t(r)), bits);
}

// ---------------------------------------------------------------------------------------------
// Fragment layouts (PTX ISA, "Matrix fragments for mma.m16n8kK / mma.m8n8kK")
// ---------------------------------------------------------------------------------------------

namespace {

DType operand_type(const AtomInfo& a, char op) {
  switch (op) {
    case 'A': return a.a;
    case 'B': return a.b;
    case 'C': return a.c;
    case 'D': return a.d;
  }
  throw std::invalid_argument(std::string("operand must be A, B, C or D, got '") + op + "'");
}

int reg_bytes(const AtomInfo& a, char op) { return op == 'A' || op == 'B' ? a.ab_reg_bytes : a.cd_reg_bytes; }

int reg_count(const AtomInfo& a, char op) {
  switch (op) {
    case 'A': return a.a_regs;
    case 'B': return a.b_regs;
    case 'C': return a.c_regs;
    default: return a.d_regs;
  }
}

// m16n8kK: groupID picks the row (and row + 8 for odd A registers / upper C elements);
// threadID_in_group picks a run of `e` consecutive k (or two consecutive n for C).
ElemPos m16n8_position(char op, int lane, int reg, int elem, int e) {
  const int g = lane >> 2, t = lane & 3;
  switch (op) {
    case 'A': return {g + 8 * (reg & 1), (t + 4 * (reg >> 1)) * e + elem, 0};
    case 'B': return {(t + 4 * reg) * e + elem, g, 0};
    default: {
      const int i = reg * e + elem;
      return {g + 8 * (i >> 1), t * 2 + (i & 1), 0};
    }
  }
}

ElemPos m8n8_position(char op, int lane, int reg, int elem, int e) {
  const int g = lane >> 2, t = lane & 3;
  switch (op) {
    case 'A': return {g, t * e + elem, 0};
    case 'B': return {t * e + elem, g, 0};
    default: return {g, t * 2 + reg * e + elem, 0};
  }
}

// f16 m8n8k4: quad-pair p = lanes 4p..4p+3 (rows 0-3 of product p) and 4p+16..4p+19 (rows 4-7).
// A row-major and B col-major: a lane holds one row of A / one column of B, k = element index.
// f16 C/D: one row per lane, col = element index. f32 C/D is irregular (PTX ISA figs. 51/52):
//   row = (lane & 1) + (i & 2) + 4*hi,  col = (i & 4) + (lane & 2) + (i & 1).
ElemPos quadpair_position(const AtomInfo& a, char op, int lane, int reg, int elem, int e) {
  const int p = (lane >> 2) & 3, hi = lane >= 16 ? 4 : 0, i = reg * e + elem;
  const int r = (lane & 3) + hi;
  switch (op) {
    case 'A': return {r, i, p};
    case 'B': return {i, r, p};
    default:
      if (operand_type(a, op) == DType::f16) return {r, i, p};
      return {(lane & 1) + (i & 2) + hi, (i & 4) + (lane & 2) + (i & 1), p};
  }
}

}  // namespace

int elements_per_register(const AtomInfo& atom, char operand) {
  return reg_bytes(atom, operand) * 8 / dtype_bits(operand_type(atom, operand));
}

ElemPos fragment_position(const AtomInfo& atom, char operand, int lane, int reg, int elem) {
  const int e = elements_per_register(atom, operand);
  switch (atom.layout) {
    case FragLayout::m16n8: return m16n8_position(operand, lane, reg, elem, e);
    case FragLayout::m8n8: return m8n8_position(operand, lane, reg, elem, e);
    case FragLayout::m8n8k4_quadpair: return quadpair_position(atom, operand, lane, reg, elem, e);
  }
  throw std::invalid_argument("unknown fragment layout");
}

// ---------------------------------------------------------------------------------------------
// Matrices <-> registers
// ---------------------------------------------------------------------------------------------

namespace {

// Index of a fragment element in its matrix (OperandSet's block-per-mma, row-major storage).
size_t matrix_index(const AtomInfo& a, char op, const ElemPos& p) {
  switch (op) {
    case 'A': return size_t(p.mma) * a.m * a.k + size_t(p.row) * a.k + p.col;
    case 'B': return size_t(p.mma) * a.k * a.n + size_t(p.row) * a.n + p.col;
    default: return size_t(p.mma) * a.m * a.n + size_t(p.row) * a.n + p.col;
  }
}

size_t matrix_size(const AtomInfo& a, char op) {
  const size_t mm = size_t(a.mmas_per_warp);
  switch (op) {
    case 'A': return mm * a.m * a.k;
    case 'B': return mm * a.k * a.n;
    default: return mm * a.m * a.n;
  }
}

// Registers are little-endian words of reg_bytes; element e sits at bit e * bits.
uint64_t load_reg(const uint8_t* p, int bytes) {
  uint64_t w = 0;
  for (int i = 0; i < bytes; ++i) w |= uint64_t(p[i]) << (8 * i);
  return w;
}

void store_reg(uint8_t* p, int bytes, uint64_t w) {
  for (int i = 0; i < bytes; ++i) p[i] = uint8_t(w >> (8 * i));
}

// Calls fn(lane, reg, elem, matrix_index) for every element of one operand's fragments.
template <class Fn>
void for_each_fragment_element(const AtomInfo& a, char op, Fn fn) {
  const int regs = reg_count(a, op), e = elements_per_register(a, op);
  for (int lane = 0; lane < 32; ++lane)
    for (int r = 0; r < regs; ++r)
      for (int el = 0; el < e; ++el) fn(lane, r, el, matrix_index(a, op, fragment_position(a, op, lane, r, el)));
}

std::vector<uint8_t> pack(const AtomInfo& a, char op, const std::vector<uint64_t>& matrix) {
  const int rb = reg_bytes(a, op), regs = reg_count(a, op), bits = dtype_bits(operand_type(a, op));
  std::vector<uint8_t> out(size_t(32) * regs * rb, 0);
  for_each_fragment_element(a, op, [&](int lane, int r, int el, size_t idx) {
    uint8_t* p = out.data() + (size_t(lane) * regs + r) * rb;
    store_reg(p, rb, load_reg(p, rb) | (low_bits(matrix[idx], bits) << (el * bits)));
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Data generation
// ---------------------------------------------------------------------------------------------

// Significand bits (hidden bit included) of the float input formats.
int significand_bits(DType t) {
  FloatFormat f;
  if (float_format(t, &f)) return f.man_bits + 1;
  return 53;  // f64
}

int ceil_log2(long v) {
  int b = 0;
  while ((1L << b) < v) ++b;
  return b;
}

// Exact mode: every element is +-M * 2^E with M in [1, 2^s - 1] and E in [emin, emin + span].
// All products and C are then integer multiples of q = 2^(emin_a + emin_b), and
//   |C| + sum_k |a_k b_k| < (k + 1) * 2^(s_a + s_b + span_a + span_b) * q <= 2^budget * q,
// so every partial sum, in any order, and with any alignment that keeps `budget` significant bits
// from the largest addend's leading bit, is exact; so are C + A*B and (C + A*B) - A*B = C (the
// partial sums of an even step, D - a_1 b_1 - ..., equal C + the remaining products: same bound).
struct ExactPlan {
  int budget;             // significant bits any partial sum may need
  int s_a, s_b;           // significand bits of A and B values
  int span_a, span_b;     // binades A and B values spread over
  int emin_a, emin_b;     // lowest exponent of M's unit
};

int exact_budget(const AtomInfo& a) {
  const bool fp8 = a.a == DType::e4m3 || a.a == DType::e5m2 || a.b == DType::e4m3 || a.b == DType::e5m2;
  switch (a.d) {
    case DType::f16: return 11;  // f16 output: the result itself must fit 11 bits
    case DType::f64: return 50;  // also keeps the double reference exact
    default: return fp8 ? 13 : 22;  // Hopper accumulates fp8 products with ~13-14 bits
  }
}

ExactPlan plan_exact(const AtomInfo& a) {
  ExactPlan p{};
  p.budget = exact_budget(a);
  // Bits left for one product: (k + 1) * 2^avail <= 2^budget.
  const int avail = p.budget - ceil_log2(long(a.k) + 1);
  if (avail < 2) throw std::invalid_argument("k too large for exact-mode data in this accumulator");
  p.span_a = avail >= 12 ? 2 : avail >= 5 ? 1 : 0;
  p.span_b = avail >= 12 ? 2 : avail >= 6 ? 1 : 0;
  const int sig = avail - p.span_a - p.span_b;  // >= 2; s_a + s_b <= sig below
  const int cap_a = std::min(20, significand_bits(a.a)), cap_b = std::min(20, significand_bits(a.b));
  p.s_a = std::min(cap_a, (sig + 1) / 2);
  p.s_b = std::max(1, std::min(cap_b, sig - p.s_a));
  // Centre the values on 1: the largest magnitude is just under 2^(1 + span/2 + span%2).
  p.emin_a = -(p.s_a - 1) - p.span_a / 2;
  p.emin_b = -(p.s_b - 1) - p.span_b / 2;
  return p;
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  int64_t uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  uint64_t bits(int n) { return low_bits(rng_(), n); }
  double sign() { return bits(1) ? -1.0 : 1.0; }

  // Random sign, exponent in [elo, ehi], every significand bit of `t` random. Never zero.
  uint64_t full_float(DType t, int elo, int ehi) {
    const int man = significand_bits(t) - 1;
    const double v = sign() * std::ldexp(double(bits(man) | (uint64_t(1) << man)), int(uniform(elo, ehi)) - man);
    return encode_value(t, v);
  }
  // +-M * 2^E, M in [1, 2^s - 1], E in [emin, emin + span]: at most s significant bits.
  double short_value(int s, int emin, int span) {
    return sign() * std::ldexp(double(uniform(1, (int64_t(1) << s) - 1)), int(uniform(emin, emin + span)));
  }

 private:
  std::mt19937_64 rng_;
};

uint64_t encode_exact(DType t, double v) {
  const uint64_t b = encode_value(t, v);
  if (decode_value(t, b) != v) throw std::logic_error("exact-mode value not representable in its type");
  return b;
}

// Integer ranges: values in [-r, r] (clipped to the type) for signed, [0, r] for unsigned, with
// |C| + max_steps * k * r_a * r_b <= INT32_MAX so the chain cannot overflow.
struct IntPlan { int64_t r_a, r_b, c_max; };

int64_t int_full_range(DType t) {
  switch (t) {
    case DType::s8: return 128;
    case DType::u8: return 255;
    case DType::s4: return 8;
    case DType::u4: return 15;
    default: return 1;  // b1
  }
}

IntPlan plan_int(const AtomInfo& a, long max_steps) {
  const int64_t limit = std::numeric_limits<int32_t>::max();
  const int64_t steps = std::max<long>(1, max_steps);
  const int64_t c_pref = int64_t(1) << 20;  // C's magnitude when there is room for it
  IntPlan p{int_full_range(a.a), int_full_range(a.b), 0};
  auto product_bound = [&] { return steps * a.k * p.r_a * p.r_b; };
  while (product_bound() > limit - c_pref && (p.r_a > 1 || p.r_b > 1)) {
    if (p.r_a >= p.r_b) p.r_a = std::max<int64_t>(1, p.r_a / 2);
    else p.r_b = std::max<int64_t>(1, p.r_b / 2);
  }
  if (product_bound() > limit)
    throw std::invalid_argument("max_steps too large: no non-trivial integer data avoids int32 overflow");
  p.c_max = std::min(c_pref, limit - product_bound());
  return p;
}

uint64_t random_int(Gen& g, DType t, int64_t r) {
  if (t == DType::b1) return g.bits(1);
  const int64_t typemax = dtype_is_signed_int(t) ? int_full_range(t) - 1 : int_full_range(t);
  const int64_t lo = dtype_is_signed_int(t) ? -r : 0;
  return encode_value(t, double(g.uniform(lo, std::min(r, typemax))));
}

// Exact sum over k of a*b for one output element (long double: exact for every exact-mode set
// and for integers; a tight reference otherwise). `abs_sum` receives sum |a*b|.
long double product_sum(const AtomInfo& a, const OperandSet& ops, int mma, int row, int col, long double* abs_sum) {
  long double s = 0, as = 0;
  const uint64_t* A = ops.a.data() + size_t(mma) * a.m * a.k + size_t(row) * a.k;
  const uint64_t* B = ops.b.data() + size_t(mma) * a.k * a.n + col;
  for (int kk = 0; kk < a.k; ++kk) {
    long double t;
    if (a.a == DType::b1) {
      const uint64_t x = A[kk] & 1, y = B[size_t(kk) * a.n] & 1;
      t = a.bitop == BitOp::xor_popc ? (long double)(x ^ y) : (long double)(x & y);
    } else {
      t = (long double)decode_value(a.a, A[kk]) * (long double)decode_value(a.b, B[size_t(kk) * a.n]);
    }
    s += t;
    as += std::fabs(t);
  }
  if (abs_sum) *abs_sum = as;
  return s;
}

// Sparse wgmma takes the full A and ignores the elements its metadata prunes (the kernel passes
// sp-meta 0x44444444: families/mma/kernels/wgmma_chain.cuh): k % 4 in {2, 3} for 8- and 16-bit types, odd
// k for tf32 (1:2). They are zeroed here so the dense reference computes what the hardware does.
void prune_sparse_a(const AtomInfo& a, OperandSet* ops) {
  if (a.family != Family::wgmma || !is_sparse(a)) return;
  for (size_t i = 0; i < ops->a.size(); ++i) {
    const int kk = int(i % a.k);
    if (a.a == DType::tf32 ? (kk & 1) : (kk & 3) >= 2) ops->a[i] = 0;
  }
}

void fill_exact_floats(const AtomInfo& a, Gen& g, OperandSet* ops) {
  const ExactPlan p = plan_exact(a);
  for (auto& x : ops->a) x = encode_exact(a.a, g.short_value(p.s_a, p.emin_a, p.span_a));
  for (auto& x : ops->b) x = encode_exact(a.b, g.short_value(p.s_b, p.emin_b, p.span_b));
  prune_sparse_a(a, ops);
  // C on the same grid q and below 2^(s_a + s_b + spans) * q; redrawn where C + A*B would be an
  // exact zero, whose sign (+0 by IEEE rules) we do not want to depend on.
  const ProductSums sums = product_sums(a, *ops);
  for (size_t e = 0; e < ops->c.size(); ++e) {
    double v;
    do v = g.short_value(p.s_a + p.s_b, p.emin_a + p.emin_b, p.span_a + p.span_b);
    while ((long double)v + sums.ab[e] == 0);
    ops->c[e] = encode_exact(a.c, v);
  }
}

// Random floats: inputs in [2^-2, 2^2) with full significands; C about the size of a product sum.
void fill_random_floats(const AtomInfo& a, Gen& g, OperandSet* ops) {
  for (auto& x : ops->a) x = g.full_float(a.a, -2, 1);
  for (auto& x : ops->b) x = g.full_float(a.b, -2, 1);
  for (auto& x : ops->c) x = g.full_float(a.c, 0, 3);
}

void fill_ints(const AtomInfo& a, Gen& g, long max_steps, OperandSet* ops) {
  const IntPlan p = plan_int(a, max_steps);
  for (auto& x : ops->a) x = random_int(g, a.a, p.r_a);
  for (auto& x : ops->b) x = random_int(g, a.b, p.r_b);
  for (auto& x : ops->c) x = encode_value(a.c, double(g.uniform(-p.c_max, p.c_max)));
}

std::vector<uint64_t> negated(DType t, const std::vector<uint64_t>& m) {
  std::vector<uint64_t> out(m);
  const uint64_t sign = uint64_t(1) << (dtype_bits(t) - 1);
  for (auto& x : out) x ^= sign;
  return out;
}

// Packs elements in order, element i at bit offset i * bits, little-endian within bytes.
std::vector<uint8_t> pack_bits(const std::vector<uint64_t>& elems, int bits) {
  std::vector<uint8_t> out((elems.size() * bits + 7) / 8, 0);
  for (size_t i = 0; i < elems.size(); ++i)
    for (int j = 0; j < bits; ++j) {
      const size_t bit = i * bits + j;
      out[bit / 8] |= uint8_t(((elems[i] >> j) & 1) << (bit % 8));
    }
  return out;
}

// B blocks from k x n (B[kk*n + col]) to n x k (each column contiguous along k).
std::vector<uint64_t> columns_of_b(const AtomInfo& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> t(b.size());
  const size_t block = size_t(a.k) * a.n;
  for (int mma = 0; mma < a.mmas_per_warp; ++mma)
    for (int kk = 0; kk < a.k; ++kk)
      for (int col = 0; col < a.n; ++col) t[mma * block + size_t(col) * a.k + kk] = b[mma * block + size_t(kk) * a.n + col];
  return t;
}

}  // namespace

ProductSums product_sums(const AtomInfo& a, const OperandSet& ops) {
  const size_t rows = size_t(a.mmas_per_warp) * a.m, elements = rows * a.n;
  ProductSums s;
  s.ab.assign(elements, 0);
  s.abs_ab.assign(elements, 0);
  if (a.a == DType::b1) {  // bit products: the per-element rule
    parallel_for(rows, [&](size_t r) {
      for (int col = 0; col < a.n; ++col)
        s.ab[r * a.n + col] = product_sum(a, ops, int(r / a.m), int(r % a.m), col, &s.abs_ab[r * a.n + col]);
    });
    return s;
  }
  // Decoded once (product_sum decodes per element): A's row and B's column are reused n and m times.
  std::vector<long double> A(ops.a.size()), B(ops.b.size());
  for (size_t i = 0; i < A.size(); ++i) A[i] = decode_value(a.a, ops.a[i]);
  for (size_t i = 0; i < B.size(); ++i) B[i] = decode_value(a.b, ops.b[i]);
  parallel_for(rows, [&](size_t r) {
    const size_t mma = r / a.m;
    const long double* Ar = &A[r * a.k];
    const long double* Bm = &B[mma * a.k * a.n];
    for (int col = 0; col < a.n; ++col) {
      long double sum = 0, abs_sum = 0;
      for (int kk = 0; kk < a.k; ++kk) {
        const long double t = Ar[kk] * Bm[size_t(kk) * a.n + col];
        sum += t;
        abs_sum += std::fabs(t);
      }
      s.ab[r * a.n + col] = sum;
      s.abs_ab[r * a.n + col] = abs_sum;
    }
  }, 4);
  return s;
}

bool model_sampled(const AtomInfo& atom, size_t index) {
  const size_t elements = size_t(atom.mmas_per_warp) * atom.m * atom.n;
  return index % std::max<size_t>(1, elements / ModelReference::kModelElements) == 0;
}

std::vector<uint64_t> model_chain(const model::PathParams& p, const AtomInfo& atom, const OperandSet& ops, int mma,
                                  int row, int col, const std::vector<long>& steps) {
  const int k = atom.k;
  std::vector<uint64_t> a(k), b(k), bneg(k);
  const uint64_t sign = uint64_t(1) << (dtype_bits(atom.b) - 1);
  for (int kk = 0; kk < k; ++kk) {
    a[kk] = ops.a[size_t(mma) * atom.m * k + size_t(row) * k + kk];
    b[kk] = ops.b[size_t(mma) * k * atom.n + size_t(kk) * atom.n + col];
    bneg[kk] = b[kk] ^ sign;
  }
  std::vector<uint64_t> out;
  std::vector<uint64_t> hist = {ops.c[size_t(mma) * atom.m * atom.n + size_t(row) * atom.n + col]};
  long periodic_from = -1;  // n with D_n == D_{n-2} and D_{n-1} == D_{n-3}
  for (long want : steps) {
    while (periodic_from < 0 && long(hist.size()) - 1 < want) {
      const long t = long(hist.size()) - 1;
      hist.push_back(model::dot(p, a.data(), (t & 1) ? bneg.data() : b.data(), k, hist.back()));
      const long n = t + 1;
      if (n >= 3 && hist[n] == hist[n - 2] && hist[n - 1] == hist[n - 3]) periodic_from = n;
    }
    if (want < long(hist.size())) out.push_back(hist[want]);
    else out.push_back(((want - periodic_from) % 2 == 0) ? hist[periodic_from] : hist[periodic_from - 1]);
  }
  return out;
}

void ModelReference::prepare(const AtomInfo& atom, const OperandSet& ops, std::vector<long> steps) {
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  std::vector<size_t> sampled;
  const size_t elements = size_t(atom.mmas_per_warp) * atom.m * atom.n;
  for (size_t e = 0; e < elements; ++e)
    if (model_sampled(atom, e)) sampled.push_back(e);
  std::vector<std::vector<uint64_t>> d(sampled.size());
  parallel_for(sampled.size(), [&](size_t i) {
    const size_t e = sampled[i];
    d[i] = model_chain(params, atom, ops, int(e / (size_t(atom.m) * atom.n)), int(e / atom.n % atom.m),
                       int(e % atom.n), steps);
  }, 1);
  for (size_t i = 0; i < sampled.size(); ++i) {
    const size_t e = sampled[i];
    for (size_t j = 0; j < steps.size(); ++j)
      cache[{steps[j], int(e / (size_t(atom.m) * atom.n)), int(e / atom.n % atom.m), int(e % atom.n)}] = d[i][j];
  }
}

uint64_t packed_element(const uint8_t* packed, size_t index, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; ++j) {
    const size_t bit = index * bits + j;
    v |= uint64_t((packed[bit / 8] >> (bit % 8)) & 1) << j;
  }
  return v;
}

OperandSet make_operands(const AtomInfo& atom, DataMode mode, uint64_t seed, long max_steps) {
  OperandSet ops;
  ops.a.assign(matrix_size(atom, 'A'), 0);
  ops.b.assign(matrix_size(atom, 'B'), 0);
  ops.c.assign(matrix_size(atom, 'C'), 0);
  const bool is_float = dtype_is_float(atom.a);
  Gen g(seed);
  if (mode != DataMode::zeros) {
    if (!is_float) fill_ints(atom, g, max_steps, &ops);
    else if (mode == DataMode::exact) fill_exact_floats(atom, g, &ops);
    else fill_random_floats(atom, g, &ops);
    prune_sparse_a(atom, &ops);
  }
  // Zeros mode keeps every bit zero (-0 would change nothing but the power profile).
  pack_operands(atom, is_float && mode != DataMode::zeros, &ops);
  return ops;
}

void pack_operands(const AtomInfo& atom, bool negate_b, OperandSet* ops) {
  const std::vector<uint64_t> b_cols = columns_of_b(atom, ops->b);
  ops->a_mat = pack_bits(ops->a, dtype_bits(atom.a));
  ops->b_mat = pack_bits(b_cols, dtype_bits(atom.b));
  ops->b_neg_mat = negate_b ? pack_bits(negated(atom.b, b_cols), dtype_bits(atom.b)) : ops->b_mat;
  ops->c_mat = pack_bits(ops->c, dtype_bits(atom.c));
  // wmma and wgmma fragments are opaque: their AtomInfo register fields are no lane layout.
  if (atom.family == Family::wmma || atom.family == Family::wgmma) return;
  ops->a_regs = pack(atom, 'A', ops->a);
  ops->b_regs = pack(atom, 'B', ops->b);
  ops->c_regs = pack(atom, 'C', ops->c);
  ops->b_neg_regs = negate_b ? pack(atom, 'B', negated(atom.b, ops->b)) : ops->b_regs;
}

size_t operand_elements(const AtomInfo& atom, char operand) { return matrix_size(atom, operand); }

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

namespace {

// Error per accumulation step, relative to |C| + sum |a*b|. Tensor cores truncate (round toward
// zero) when aligning and normalising f32 sums (Fasi et al. 2021), so one f32 ulp, not half;
// fp8 products are accumulated with ~13 bits on Hopper. f16 output: one rounding to f16.
double unit_error(const AtomInfo& a) {
  const bool fp8 = a.a == DType::e4m3 || a.a == DType::e5m2 || a.b == DType::e4m3 || a.b == DType::e5m2;
  switch (a.d) {
    case DType::f16: return std::ldexp(1.0, -11);
    case DType::f64: return std::ldexp(1.0, -53);
    default: return fp8 ? std::ldexp(1.0, -13) : std::ldexp(1.0, -23);
  }
}

double smallest_subnormal(DType t) {
  switch (t) {
    case DType::f16: return std::ldexp(1.0, -24);
    case DType::f64: return std::numeric_limits<double>::denorm_min();
    default: return std::ldexp(1.0, -149);
  }
}

std::string hex(uint64_t v, int bits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*" PRIx64, (bits + 3) / 4, v);
  return buf;
}

std::string num(long double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10Lg", v);
  return buf;
}

// The reference and the per-element rule that verify_chain and verify_matrix_chain share.
class ChainCheck {
 public:
  ChainCheck(const AtomInfo& atom, const OperandSet& ops, DataMode mode, long steps, ModelReference* model,
             ProductSums* sums)
      : atom_(atom), ops_(ops), steps_(steps), is_float_(dtype_is_float(atom.d)), bits_(dtype_bits(atom.d)),
        s_(is_float_ ? (long double)(steps % 2) : (long double)steps), u_(is_float_ ? unit_error(atom) : 0),
        model_(is_float_ && mode == DataMode::random ? model : nullptr), sums_(sums) {
    v_.bit_exact = !is_float_ || mode != DataMode::random;
    const long elements = long(atom.mmas_per_warp) * atom.m * atom.n;
    if (sums_ && sums_->ab.size() != size_t(elements)) {
      sums_->ab.assign(elements, NAN);
      sums_->abs_ab.assign(elements, NAN);
    }
  }

  // Checks the D element at (mma, row, col) holding `got_bits`; where() names it in the detail.
  // Returns false when checking cannot go on (the verdict is then final).
  template <class Where>
  bool element(int mma, int row, int col, uint64_t got_bits, Where where) {
    long double abs_ab = 0, ab;
    const size_t e = (size_t(mma) * atom_.m + row) * atom_.n + col;
    if (sums_ && !std::isnan(sums_->ab[e])) {
      ab = sums_->ab[e];
      abs_ab = sums_->abs_ab[e];
    } else {
      ab = product_sum(atom_, ops_, mma, row, col, &abs_ab);
      if (sums_) { sums_->ab[e] = ab; sums_->abs_ab[e] = abs_ab; }
    }
    const long double c = decode_value(atom_.c, ops_.c[size_t(mma) * atom_.m * atom_.n + size_t(row) * atom_.n + col]);
    const long double ref = c + s_ * ab;
    const double got = decode_value(atom_.d, got_bits);
    ++total_;

    if (!is_float_ && (ref < std::numeric_limits<int32_t>::min() || ref > std::numeric_limits<int32_t>::max())) {
      v_.detail = "reference overflows int32: operands not bounded for " + std::to_string(steps_) + " steps";
      aborted_ = true;
      return false;
    }
    const uint64_t exp_bits = encode_value(atom_.d, double(ref));  // exact data: no rounding here
    bool bad;
    if (v_.bit_exact) {
      bad = got_bits != exp_bits;
    } else {
      const double tol = double(steps_ + 1) * (atom_.k + 2) * u_ * double(std::fabs(c) + abs_ab) + smallest_subnormal(atom_.d);
      v_.tolerance = std::max(v_.tolerance, tol);
      bad = std::isnan(got) || std::fabs(got - double(ref)) > tol;
    }
    if (!bad && model_ && model_sampled(atom_, e)) {
      const uint64_t want = model_chain_at(mma, row, col);
      ++v_.model_elements;
      if (want != got_bits) {
        if (v_.mismatches++ == 0)
          v_.detail = where() + "(row " + std::to_string(row) + ", col " + std::to_string(col) + "): the " +
                      model_->preset + " model gives " + hex(want, bits_) + ", the GPU " + hex(got_bits, bits_);
        return true;
      }
    }
    const double err = std::isnan(got) ? std::numeric_limits<double>::infinity() : double(std::fabs(got - ref));
    v_.max_abs_err = std::max(v_.max_abs_err, err);
    if (bad && v_.mismatches++ == 0) {
      v_.detail = where() + "(row " + std::to_string(row) + ", col " + std::to_string(col) + "): expected " + num(ref) +
                  " (" + hex(exp_bits, bits_) + "), got " + num(got) + " (" + hex(got_bits, bits_) + ")";
    }
    return true;
  }

  // D after steps_ steps of the chain at (mma, row, col), through the model (cached).
  uint64_t model_chain_at(int mma, int row, int col) {
    const auto key = std::make_tuple(steps_, mma, row, col);
    auto it = model_->cache.find(key);
    if (it != model_->cache.end()) return it->second;
    const uint64_t d = model_chain(model_->params, atom_, ops_, mma, row, col, {steps_})[0];
    model_->cache[key] = d;
    return d;
  }

  Verdict result() {
    if (aborted_) return v_;  // ok stays false
    Verdict v = v_;
    v.ok = v.mismatches == 0;
    if (!v.ok) v.detail += "; " + std::to_string(v.mismatches) + " of " + std::to_string(total_) + " elements wrong";
    return v;
  }

 private:
  const AtomInfo& atom_;
  const OperandSet& ops_;
  const long steps_;
  const bool is_float_;
  const int bits_;
  const long double s_;  // how many A*B the reference adds to C
  const double u_;
  ModelReference* model_;
  ProductSums* sums_;
  Verdict v_;
  long total_ = 0;
  bool aborted_ = false;
};

}  // namespace

Verdict verify_chain(const AtomInfo& atom, const OperandSet& ops, DataMode mode, long steps,
                     const uint8_t* d_regs, ModelReference* model, ProductSums* sums) {
  ChainCheck check(atom, ops, mode, steps, model, sums);
  const int rb = atom.cd_reg_bytes, bits = dtype_bits(atom.d), e = elements_per_register(atom, 'D');
  for (int lane = 0; lane < 32; ++lane)
    for (int r = 0; r < atom.d_regs; ++r)
      for (int el = 0; el < e; ++el) {
        const ElemPos p = fragment_position(atom, 'D', lane, r, el);
        const uint64_t got = low_bits(load_reg(d_regs + (size_t(lane) * atom.d_regs + r) * rb, rb) >> (el * bits), bits);
        const auto where = [&] {
          return "mma " + std::to_string(p.mma) + " lane " + std::to_string(lane) + " reg " + std::to_string(r) +
                 " elem " + std::to_string(el) + " ";
        };
        if (!check.element(p.mma, p.row, p.col, got, where)) return check.result();
      }
  return check.result();
}

Verdict verify_matrix_chain(const AtomInfo& atom, const OperandSet& ops, DataMode mode, long steps,
                            const uint8_t* d_mat, ModelReference* model, ProductSums* sums) {
  ChainCheck check(atom, ops, mode, steps, model, sums);
  const int bits = dtype_bits(atom.d);
  size_t i = 0;
  for (int mma = 0; mma < atom.mmas_per_warp; ++mma)
    for (int row = 0; row < atom.m; ++row)
      for (int col = 0; col < atom.n; ++col, ++i) {
        const auto where = [&] { return atom.mmas_per_warp > 1 ? "mma " + std::to_string(mma) + " D " : std::string("D "); };
        if (!check.element(mma, row, col, packed_element(d_mat, i, bits), where)) return check.result();
      }
  return check.result();
}

}  // namespace tcb
