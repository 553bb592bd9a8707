// The tensor-core dot-product model. See tc_model.hpp for the datapath and its parameters.
// All arithmetic is exact (BigInt sums of aligned integer significands) and every rounding
// happens exactly once, where the parameters put it.
#include "model/tc_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "model/detail/big_int.hpp"

namespace tcb::model {

using detail::BigInt;
using u128 = unsigned __int128;

// ---------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------

const char* fmt_name(Fmt f) {
  switch (f) {
    case Fmt::f16: return "f16";   case Fmt::bf16: return "bf16"; case Fmt::tf32: return "tf32";
    case Fmt::f32: return "f32";   case Fmt::f64: return "f64";   case Fmt::e4m3: return "e4m3";
    case Fmt::e5m2: return "e5m2"; case Fmt::s8: return "s8";     case Fmt::u8: return "u8";
    case Fmt::s4: return "s4";     case Fmt::u4: return "u4";     case Fmt::s32: return "s32";
  }
  return "?";
}

bool parse_fmt(const std::string& name, Fmt* out) {
  for (int i = 0; i <= int(Fmt::s32); ++i) {
    if (name == fmt_name(Fmt(i))) {
      *out = Fmt(i);
      return true;
    }
  }
  return false;
}

int fmt_storage_bits(Fmt f) {
  switch (f) {
    case Fmt::f16: case Fmt::bf16: return 16;
    case Fmt::tf32: case Fmt::f32: case Fmt::s32: return 32;
    case Fmt::f64: return 64;
    case Fmt::e4m3: case Fmt::e5m2: case Fmt::s8: case Fmt::u8: return 8;
    case Fmt::s4: case Fmt::u4: return 4;
  }
  return 0;
}

int fmt_hex_digits(Fmt f) { return fmt_storage_bits(f) / 4; }

bool fmt_is_float(Fmt f) { return int(f) <= int(Fmt::e5m2); }
bool fmt_is_signed_int(Fmt f) { return f == Fmt::s8 || f == Fmt::s4 || f == Fmt::s32; }

const char* round_name(Round r) {
  switch (r) {
    case Round::rz: return "rz"; case Round::rn: return "rn";
    case Round::rd: return "rd"; case Round::ru: return "ru";
  }
  return "?";
}

namespace {

// A binary float format. `fn`: OCP E4M3FN style (no infinities, only S.1111.111 is NaN).
struct Spec {
  int exp_bits, frac_bits;
  bool fn = false;
  int bias() const { return (1 << (exp_bits - 1)) - 1; }
  int emin() const { return 1 - bias(); }
  int emax() const { return (1 << exp_bits) - (fn ? 1 : 2) - bias(); }
  uint64_t exp_mask() const { return (uint64_t(1) << exp_bits) - 1; }
  uint64_t frac_mask() const { return (uint64_t(1) << frac_bits) - 1; }
  int sign_shift() const { return exp_bits + frac_bits; }
};

Spec spec_of(Fmt f) {
  switch (f) {
    case Fmt::f16: return {5, 10};
    case Fmt::bf16: return {8, 7};
    case Fmt::tf32: return {8, 23};  // decoded from its f32 word after the low bits are handled
    case Fmt::f32: return {8, 23};
    case Fmt::f64: return {11, 52};
    case Fmt::e4m3: return {4, 3, true};
    case Fmt::e5m2: return {5, 2};
    default: throw std::invalid_argument(std::string("not a float format: ") + fmt_name(f));
  }
}

// A decoded or computed number: value = (-1)^neg * sig * 2^lsb. `anchor` is the exponent the
// adder aligns on: the exponent field's value (emin for subnormals) for inputs and c, ea + eb
// for products (whose significand lies in [1,4) when both are normal).
struct Num {
  enum Kind : uint8_t { zero, finite, inf, nan } kind = zero;
  bool neg = false;
  u128 sig = 0;
  int lsb = 0, anchor = 0;
};

int bitlen128(u128 v) {
  int n = 0;
  while (v) { ++n; v >>= 1; }
  return n;
}

Num decode_float(Fmt f, uint64_t bits, bool keep_subnormals, Tf32Input tf32) {
  if (f == Fmt::tf32) {
    uint32_t w = uint32_t(bits);
    const bool is_nan = ((w >> 23) & 0xff) == 0xff && (w & 0x7fffff);
    if (tf32 == Tf32Input::nearest_even && !is_nan) {
      const uint32_t mag = w & 0x7fffffffu;
      const uint32_t rounded = (mag + 0xfffu + ((mag >> 13) & 1u)) & ~0x1fffu;  // carries into exp
      w = (w & 0x80000000u) | rounded;
    } else if (!is_nan) {
      w &= ~0x1fffu;
    }
    bits = w;
  }
  const Spec s = spec_of(f);
  Num n;
  n.neg = (bits >> s.sign_shift()) & 1;
  const uint64_t e = (bits >> s.frac_bits) & s.exp_mask(), m = bits & s.frac_mask();
  if (s.fn) {
    if (e == s.exp_mask() && m == s.frac_mask()) { n.kind = Num::nan; return n; }
  } else if (e == s.exp_mask()) {
    n.kind = m ? Num::nan : Num::inf;
    return n;
  }
  if (e == 0) {
    if (m == 0 || !keep_subnormals) return n;  // signed zero (flushed subnormals keep the sign)
    n.kind = Num::finite;
    n.sig = m;
    n.anchor = s.emin();
  } else {
    n.kind = Num::finite;
    n.sig = m | (uint64_t(1) << s.frac_bits);
    n.anchor = int(e) - s.bias();
  }
  n.lsb = n.anchor - s.frac_bits;
  return n;
}

// Where a rounding lands: `frac_bits` fraction bits over an exponent range.
struct Dest {
  int frac_bits, emin, emax;
  bool subnormals, overflow_to_inf;
};

Dest dest_of(Fmt f, int frac_bits, const PathParams& p) {
  const Spec s = spec_of(f);
  return {frac_bits, s.emin(), s.emax(), p.out_subnormals, p.overflow_to_inf};
}

bool round_up(Round mode, bool neg, bool half_bit, bool sticky, bool odd) {
  switch (mode) {
    case Round::rz: return false;
    case Round::rn: return half_bit && (sticky || odd);
    case Round::rd: return neg && (half_bit || sticky);
    case Round::ru: return !neg && (half_bit || sticky);
  }
  return false;
}

// (-1)^neg * mag * 2^lsb re-expressed in units of 2^L, rounded with `mode`.
BigInt align(BigInt mag, bool neg, int lsb, int L, Round mode) {
  if (lsb >= L) {
    mag.shl(lsb - L);
  } else {
    const int shift = L - lsb;
    const bool half = mag.bit(shift - 1), sticky = mag.any_below(shift - 1);
    mag.shr(shift);
    if (round_up(mode, neg, half, sticky, mag.bit(0))) mag.add_one_mag();
  }
  mag.set_neg(neg);
  return mag;
}

BigInt align(const Num& n, int L, Round mode) { return align(BigInt::from_u128(n.sig), n.neg, n.lsb, L, mode); }

// Round the exact value S * 2^L into `d`.
Num round_exact(const BigInt& S, int L, const Dest& d, Round mode) {
  Num r;
  if (S.is_zero()) return r;  // +0: an exact cancellation
  r.neg = S.neg();
  const int m = L + S.bitlen() - 1;
  if (m < d.emin && !d.subnormals) return r;  // flushed to signed zero
  int q = std::max(m, d.emin) - d.frac_bits;  // log2 of the quantum
  BigInt t = S;
  t.set_neg(false);
  uint64_t sig;
  if (q <= L) {
    sig = t.low64() << (L - q);  // exact: at most frac_bits + 1 bits
  } else {
    const int shift = q - L;
    const bool half = t.bit(shift - 1), sticky = t.any_below(shift - 1);
    t.shr(shift);
    sig = t.low64();
    if (round_up(mode, r.neg, half, sticky, sig & 1)) ++sig;
  }
  if (sig == 0) return r;  // underflow to signed zero
  if (bitlen128(sig) > d.frac_bits + 1) {  // rounding carried out: 2^(frac+1)
    sig >>= 1;
    ++q;
  }
  const int msb = q + bitlen128(sig) - 1;
  if (msb > d.emax) {
    const bool to_inf = d.overflow_to_inf || mode == Round::rn || (mode == Round::ru && !r.neg) ||
                        (mode == Round::rd && r.neg);
    if (to_inf) {
      r.kind = Num::inf;
      return r;
    }
    sig = (uint64_t(1) << (d.frac_bits + 1)) - 1;
    q = d.emax - d.frac_bits;
  }
  r.kind = Num::finite;
  r.sig = sig;
  r.lsb = q;
  r.anchor = std::max(q + bitlen128(sig) - 1, d.emin);
  return r;
}

Num round_num(const Num& n, const Dest& d, Round mode) {
  if (n.kind != Num::finite) return n;
  return round_exact(align(n, n.lsb, Round::rz), n.lsb, d, mode);
}

uint64_t default_nan(Fmt f) {
  switch (f) {
    case Fmt::f16: return 0x7fff;
    case Fmt::f64: return 0x7fffffffffffffffull;
    default: return 0x7fffffff;
  }
}

uint64_t encode(Fmt f, const Num& n, uint64_t nan_bits) {
  if (n.kind == Num::nan) return nan_bits ? nan_bits : default_nan(f);
  const Spec s = spec_of(f);
  const uint64_t sign = uint64_t(n.neg) << s.sign_shift();
  if (n.kind == Num::zero) return sign;
  if (n.kind == Num::inf) return sign | (s.exp_mask() << s.frac_bits);
  const int msb = n.lsb + bitlen128(n.sig) - 1;
  const int q = std::max(msb, s.emin()) - s.frac_bits;
  if (n.lsb < q || msb > s.emax()) throw std::logic_error("model: value not representable in its output format");
  const uint64_t sig = uint64_t(n.sig << (n.lsb - q));
  if (msb < s.emin()) return sign | sig;  // subnormal
  return sign | (uint64_t(msb + s.bias()) << s.frac_bits) | (sig & s.frac_mask());
}

// Two's-complement wrap of S into `bits` bits (an adder without enough carry bits).
BigInt wrap_twos(BigInt S, int bits) {
  if (S.bitlen() < bits) return S;  // |S| < 2^(bits-1): fits
  const bool neg = S.neg();
  S.set_neg(false);
  S.keep_low(bits);
  BigInt r = S;  // S mod 2^bits for S >= 0
  if (neg && !S.is_zero()) r = BigInt::pow2(bits) - S;
  if (r.bitlen() == bits) r -= BigInt::pow2(bits);  // top bit set: negative
  return r;
}

// ---------------------------------------------------------------------------------------------
// One block: the fused multi-term adder
// ---------------------------------------------------------------------------------------------

struct Block {
  const PathParams& p;

  // The exponent an addend aligns on (see PathParams::anchor_normalised).
  Num anchored(Num t) const {
    if (p.anchor_normalised) t.anchor = t.lsb + bitlen128(t.sig) - 1;
    return t;
  }

  // Bits of the window's LSB for an anchor E.
  int window_lsb(int E) const { return E - p.acc_frac_bits - p.extra_align_bits; }

  // Sum `terms` in one aligned addition: S * 2^L exactly (after alignment rounding).
  void fused_sum(const std::vector<Num>& terms, BigInt* S, int* L, int* E) const {
    *E = std::numeric_limits<int>::min();
    int min_lsb = std::numeric_limits<int>::max();
    for (const Num& t : terms) {
      *E = std::max(*E, t.anchor);
      min_lsb = std::min(min_lsb, t.lsb);
    }
    *L = p.exact_alignment ? min_lsb : window_lsb(*E);
    *S = BigInt();
    for (const Num& t : terms) *S += align(t, *L, p.align_round);
    if (p.carry_bits >= 0 && !p.exact_alignment) *S = wrap_twos(*S, (*E - *L + 1) + p.carry_bits + 1);
  }

  // Chain of two-term additions, each aligned to its larger operand and normalised after.
  void chained_sum(const std::vector<Num>& terms, BigInt* S, int* L) const {
    *S = align(terms[0], terms[0].lsb, Round::rz);
    *L = terms[0].lsb;
    for (size_t i = 1; i < terms.size(); ++i) {
      const Num& t = terms[i];
      const int acc_anchor = S->is_zero() ? std::numeric_limits<int>::min() : *L + S->bitlen() - 1;
      const int E = std::max(acc_anchor, t.anchor);
      const int Ln = p.exact_alignment ? std::min(*L, t.lsb) : window_lsb(E);
      BigInt mag = *S;
      const bool neg = mag.neg();
      mag.set_neg(false);
      BigInt sum = align(mag, neg, *L, Ln, p.align_round);
      sum += align(t, Ln, p.align_round);
      *S = sum;
      *L = Ln;
    }
  }

  // c + products, rounded into `dest` with `mode`.
  Num run(const std::vector<Num>& prods, const Num& c, const Dest& dest, Round mode) const {
    std::vector<Num> terms;
    for (const Num& t : prods)
      if (t.kind == Num::finite) terms.push_back(anchored(t));
    const bool c_live = c.kind == Num::finite;
    if (terms.empty() && !c_live) {
      Num z;  // every addend is zero
      if (!p.positive_zero) {
        bool all_neg = c.neg;
        for (const Num& t : prods) all_neg = all_neg && t.neg;
        z.neg = all_neg;
      }
      return z;
    }
    BigInt S;
    int L, E;
    if (p.c_mode == CMode::after_products && c_live && !terms.empty()) {
      fused_sum(terms, &S, &L, &E);  // products only, kept unnormalised at anchor E
      BigInt mag = S;
      const bool neg = mag.neg();
      mag.set_neg(false);
      const Num ca = anchored(c);
      const int E2 = std::max(E, ca.anchor);
      const int L2 = p.exact_alignment ? std::min(L, ca.lsb) : window_lsb(E2);
      BigInt sum = align(mag, neg, L, L2, p.align_round);
      sum += align(ca, L2, p.align_round);
      return round_exact(sum, L2, dest, mode);
    }
    if (p.c_mode == CMode::after_rounded_products && c_live && !terms.empty()) {
      fused_sum(terms, &S, &L, &E);
      const Num part = round_exact(S, L, dest, mode);  // an exact zero sum leaves c as it is
      std::vector<Num> two = {c};
      if (part.kind == Num::finite) two.push_back(part);
      int lsb = c.lsb;
      for (const Num& t : two) lsb = std::min(lsb, t.lsb);
      BigInt sum;
      for (const Num& t : two) sum += align(t, lsb, Round::rz);  // exact: shifts left only
      return round_exact(sum, lsb, dest, mode);
    }
    if (c_live) terms.insert(terms.begin(), anchored(c));
    if (p.normalise_each_add) {
      chained_sum(terms, &S, &L);
    } else {
      fused_sum(terms, &S, &L, &E);
    }
    return round_exact(S, L, dest, mode);
  }
};

Num product(const Num& a, const Num& b) {
  Num r;
  r.neg = a.neg != b.neg;
  if (a.kind == Num::nan || b.kind == Num::nan) { r.kind = Num::nan; return r; }
  const bool a_inf = a.kind == Num::inf, b_inf = b.kind == Num::inf;
  if (a_inf || b_inf) {
    r.kind = (a.kind == Num::zero || b.kind == Num::zero) ? Num::nan : Num::inf;
    return r;
  }
  if (a.kind == Num::zero || b.kind == Num::zero) return r;
  r.kind = Num::finite;
  r.sig = a.sig * b.sig;  // <= 106 bits: exact
  r.lsb = a.lsb + b.lsb;
  r.anchor = a.anchor + b.anchor;
  return r;
}

// NaN / Inf among the block's products and c: the special result, or kind == finite if none.
Num special_result(const std::vector<Num>& prods, const Num& c) {
  bool nan = c.kind == Num::nan, pos_inf = false, neg_inf = false;
  auto see = [&](const Num& n) {
    if (n.kind == Num::nan) nan = true;
    if (n.kind == Num::inf) (n.neg ? neg_inf : pos_inf) = true;
  };
  for (const Num& t : prods) see(t);
  see(c);
  Num r;
  r.kind = Num::finite;
  if (nan || (pos_inf && neg_inf)) {
    r.kind = Num::nan;
  } else if (pos_inf || neg_inf) {
    r.kind = Num::inf;
    r.neg = neg_inf;
  }
  return r;
}

void validate(const PathParams& p) {
  if (p.instr_k < 1) throw std::invalid_argument("model: instr_k must be >= 1");
  const bool ints = !fmt_is_float(p.a);
  if (ints != !fmt_is_float(p.b)) throw std::invalid_argument("model: a and b must both be float or both integer");
  if (ints) {
    if (p.c != Fmt::s32 || p.d != Fmt::s32 || p.a == Fmt::s32 || p.b == Fmt::s32)
      throw std::invalid_argument("model: integer paths take s8/u8/s4/u4 inputs and s32 c, d");
    return;
  }
  if (p.block < 1) throw std::invalid_argument("model: block must be >= 1");
  if (!p.k_order.empty()) {
    std::vector<int> sorted = p.k_order;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < int(sorted.size()); ++i)
      if (sorted[i] != i || int(sorted.size()) != p.instr_k)
        throw std::invalid_argument("model: k_order must be a permutation of 0 .. instr_k - 1");
  }
  if (p.d != Fmt::f16 && p.d != Fmt::f32 && p.d != Fmt::f64)
    throw std::invalid_argument(std::string("model: output format must be f16, f32 or f64, not ") + fmt_name(p.d));
  if (p.c != Fmt::f16 && p.c != Fmt::f32 && p.c != Fmt::f64)
    throw std::invalid_argument(std::string("model: c format must be f16, f32 or f64, not ") + fmt_name(p.c));
  if (p.acc != Fmt::f32 && p.acc != Fmt::f64) throw std::invalid_argument("model: acc must be f32 or f64");
  if (p.acc_frac_bits < 1 || p.acc_frac_bits > 52) throw std::invalid_argument("model: acc_frac_bits must be in [1, 52]");
}

int64_t int_value(Fmt f, uint64_t bits) {
  const int w = fmt_storage_bits(f);
  bits &= w >= 64 ? ~uint64_t(0) : (uint64_t(1) << w) - 1;
  if (!fmt_is_signed_int(f)) return int64_t(bits);
  const uint64_t m = uint64_t(1) << (w - 1);
  return int64_t((bits ^ m) - m);
}

uint64_t dot_int(const PathParams& p, const uint64_t* a, const uint64_t* b, int k, uint64_t c) {
  int64_t acc = int_value(Fmt::s32, c);
  int i = 0;
  do {  // one instruction per instr_k chunk: exact sum, then wrap or saturate into s32
    for (int j = 0; j < p.instr_k && i < k; ++j, ++i) acc += int_value(p.a, a[i]) * int_value(p.b, b[i]);
    if (p.satfinite) {
      acc = std::clamp<int64_t>(acc, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    } else {
      acc = int64_t(int32_t(uint32_t(uint64_t(acc))));
    }
  } while (i < k);
  return uint64_t(uint32_t(acc));
}

Num decode_c(const PathParams& p, Fmt f, uint64_t bits) {
  Num c = decode_float(f, bits, p.c_subnormals, p.tf32_input);
  if (c.kind == Num::finite && p.c_frac_bits >= 0 && c.lsb < c.anchor - p.c_frac_bits) {
    const int drop = c.anchor - p.c_frac_bits - c.lsb;  // keep c_frac_bits below the anchor
    c.sig >>= drop;
    c.lsb += drop;
    if (c.sig == 0) c.kind = Num::zero;
  }
  return c;
}

// x + y with one rounding to nearest into `d` (an IEEE addition; exact cancellation gives +0).
Num ieee_add(const Num& x, const Num& y, const Dest& d) {
  const Num sp = special_result({x}, y);
  if (sp.kind != Num::finite) return sp;
  if (x.kind != Num::finite && y.kind != Num::finite) {
    Num z;
    z.neg = x.neg && y.neg;
    return z;
  }
  int L = std::numeric_limits<int>::max();
  for (const Num* n : {&x, &y})
    if (n->kind == Num::finite) L = std::min(L, n->lsb);
  BigInt S;
  for (const Num* n : {&x, &y})
    if (n->kind == Num::finite) S += align(*n, L, Round::rz);
  if (S.is_zero()) return Num{};
  return round_exact(S, L, d, Round::rn);
}

// f's NaN `v` quieted, or 0 when v is no NaN.
uint64_t quiet_nan(Fmt f, uint64_t v) {
  const Num n = decode_float(f, v, true, Tf32Input::truncate);
  if (n.kind != Num::nan) return 0;
  const Spec s = spec_of(f);
  return v | (uint64_t(1) << (s.frac_bits - 1 + (f == Fmt::tf32 ? 13 : 0)));  // the quiet bit
}

// NanRule::propagate: the NaN a block's addition passes on when it makes a NaN, given the
// accumulator's NaN (0 when the accumulator is no NaN). Measured on sm_90 DMMA, one product per
// step in k order (an FMA): a NaN of b wins, then the accumulator's, then a NaN of a; a NaN the
// arithmetic makes (0 * inf, inf - inf, an overflow to inf meeting the opposite inf) is
// `generated`. Later steps keep the accumulator's NaN unless b has one.
uint64_t block_nan(const PathParams& p, const uint64_t* a, const uint64_t* b, const int* src, int n, uint64_t acc_nan,
                   uint64_t generated) {
  uint64_t w = 0;
  for (int j = 0; j < n; ++j)
    if (uint64_t q = quiet_nan(p.b, b[src[j]])) w = q;
  if (w) return w;
  if (acc_nan) return acc_nan;
  for (int j = 0; j < n && !w; ++j) w = quiet_nan(p.a, a[src[j]]);
  return w ? w : generated;
}

}  // namespace

uint64_t dot(const PathParams& p, const uint64_t* a, const uint64_t* b, int k, uint64_t c) {
  validate(p);
  if (k < 0) throw std::invalid_argument("model: k must be >= 0");
  if (!fmt_is_float(p.a)) return dot_int(p, a, b, k, c);

  const Dest out_dest = dest_of(p.d, spec_of(p.d).frac_bits, p);
  const Dest acc_dest = dest_of(p.acc, p.acc_frac_bits, p);
  const Dest& block_dest = p.chain_in_output ? out_dest : acc_dest;
  const Round block_mode = p.chain_in_output ? p.out_round : p.block_round;
  const Block block{p};

  uint64_t c_bits = c;
  Fmt c_fmt = p.c;
  int i = 0;
  std::vector<Num> prods;
  std::vector<int> srcs;
  const bool propagate = p.nan_rule == NanRule::propagate;
  do {  // one instruction
    const int first = i;
    const Num c_in = decode_c(p, c_fmt, c_bits);
    uint64_t acc_nan = propagate ? quiet_nan(c_fmt, c_bits) : 0;  // the NaN the accumulator carries
    int slot = 0;  // position inside this instruction
    Num acc = p.c_after_ieee ? Num{} : c_in;
    for (int done = 0; done < p.instr_k; done += p.block) {
      prods.clear();
      srcs.clear();
      for (int j = 0; j < p.block && done + j < p.instr_k; ++j, ++i, ++slot) {
        const int src = p.k_order.empty() ? i : first + p.k_order[slot];
        if (src >= k) {
          prods.push_back(Num{});  // padding: +0 * +0
          continue;
        }
        srcs.push_back(src);
        const Num x = decode_float(p.a, a[src], p.in_subnormals, p.tf32_input);
        const Num y = decode_float(p.b, b[src], p.in_subnormals, p.tf32_input);
        Num pr = product(x, y);
        if (pr.kind == Num::finite && pr.anchor < p.min_product_exp) pr = Num{Num::zero, pr.neg};
        prods.push_back(pr);
      }
      const Num sp = special_result(prods, acc);
      if (propagate && sp.kind == Num::nan)
        acc_nan = block_nan(p, a, b, srcs.data(), int(srcs.size()), acc.kind == Num::nan ? acc_nan : 0,
                            p.nan_bits ? p.nan_bits : default_nan(p.d));
      acc = sp.kind != Num::finite ? sp : block.run(prods, acc, block_dest, block_mode);
    }
    if (!p.chain_in_output) acc = round_num(acc, out_dest, p.out_round);
    if (p.c_after_ieee) acc = ieee_add(acc, c_in, out_dest);
    if (acc.kind == Num::zero && p.zero_result_positive) acc.neg = false;
    const uint64_t nan_bits = propagate && acc_nan ? acc_nan : p.nan_bits;
    c_bits = encode(p.d, acc, nan_bits);
    c_fmt = p.d;  // the next instruction takes this D as its C
  } while (i < k);
  return c_bits;
}

double to_double(Fmt f, uint64_t bits) {
  if (!fmt_is_float(f)) return double(int_value(f, bits));
  const Num n = decode_float(f, bits, true, Tf32Input::truncate);
  switch (n.kind) {
    case Num::zero: return n.neg ? -0.0 : 0.0;
    case Num::nan: return std::numeric_limits<double>::quiet_NaN();
    case Num::inf: return n.neg ? -INFINITY : INFINITY;
    default: {
      const double v = std::ldexp(double(uint64_t(n.sig)), n.lsb);
      return n.neg ? -v : v;
    }
  }
}

}  // namespace tcb::model
