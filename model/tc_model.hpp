// A bit-accurate, parameterised CPU model of one tensor-core dot product
//   d = c + sum_{i<k} a_i * b_i
// as a hardware path computes it. PTX leaves the rounding unspecified; the parameters below are
// the features the literature measures (Fasi et al. 2021; Li et al. 2024; Khattak & Mikaitis
// 2025, see docs/numerics_model.md) so that every hypothesis a probe tests can be written down.
//
// The float datapath, per block of `block` products:
//   1. decode a, b, c (subnormals kept or flushed; tf32 low 13 bits ignored or rounded);
//   2. products are exact (significand product, exponent ea + eb);
//   3. NaN / Inf rules decide special results before any arithmetic;
//   4. the addends (the block's products and, with CMode::in_block, the incoming accumulator)
//      are aligned to the largest exponent among them, the anchor E; bits below
//      2^(E - acc_frac_bits - extra_align_bits) are dropped with `align_round`;
//   5. the aligned addends are summed exactly (an adder of carry_bits carry bits, else exact);
//   6. the sum is normalised once and rounded into the accumulator with `block_round`
//      (or straight into the output format with `out_round` when chain_in_output);
// the next block takes that result as its c. The instruction's result is rounded into the
// output format with `out_round`; instructions chain along k through the output format.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tcb::model {

enum class Fmt : uint8_t { f16, bf16, tf32, f32, f64, e4m3, e5m2, s8, u8, s4, u4, s32 };

const char* fmt_name(Fmt);
bool parse_fmt(const std::string& name, Fmt* out);
int fmt_storage_bits(Fmt);  // bits of the raw pattern: tf32 = 32 (an f32 word), s4 = 4
int fmt_hex_digits(Fmt);    // storage bits / 4
bool fmt_is_float(Fmt);
bool fmt_is_signed_int(Fmt);

enum class Round : uint8_t {
  rz,  // toward zero (truncation of the magnitude)
  rn,  // to nearest, ties to even
  rd,  // toward -inf (for alignment: truncation of the two's-complement addend)
  ru,  // toward +inf
};
const char* round_name(Round);

enum class CMode : uint8_t {
  in_block,        // c (or the previous block's result) is one more addend of the block's adder
  after_products,  // the block's products are summed first (kept unnormalised), then c is
                   // added in a second, two-term aligned addition (MATLAB `late_partial_sum`)
  after_rounded_products,  // the block's products are summed and rounded into the accumulator
                   // format (an FFMA pair from 0), then added to c with a second rounding
                   // (emulated m8n8k4 f16: (c + (p0 + p1)) + (p2 + p3))
};

enum class NanRule : uint8_t {
  canonical,       // every NaN result is nan_bits (or the default canonical NaN)
  propagate,       // an input NaN passes through, quieted, as FMAs in k order pass it on: at
                   // each step a NaN of b wins, then the accumulator's, then a NaN of a; a NaN
                   // the arithmetic makes (0 * inf, inf - inf) is nan_bits and is kept like an
                   // input one -- what DMMA does on sm_90 (measured)
};

enum class Tf32Input : uint8_t {
  truncate,      // the low 13 bits of the f32 word are ignored
  nearest_even,  // the f32 value is rounded to 10 fraction bits (ties to even)
};

struct PathParams {
  // ---- formats and instruction shape (resolve() fills these from the PTX mnemonic) ----
  Fmt a = Fmt::f16, b = Fmt::f16, c = Fmt::f32, d = Fmt::f32;
  int instr_k = 16;  // products one instruction consumes; longer k chains instructions

  // ---- integer paths (a, b in s8/u8/s4/u4; c, d s32): exact sum, then per instruction ----
  bool satfinite = false;  // clamp to [INT32_MIN, INT32_MAX]; otherwise wrap modulo 2^32

  // ---- float datapath ----
  Fmt acc = Fmt::f32;             // exponent range of the accumulator (f32, or f64 for DMMA)
  int block = 4;                  // products per fused multi-term adder (one normalisation)
  int acc_frac_bits = 23;         // fraction bits of the accumulator (23 = fp32; 13 = H100 fp8)
  int extra_align_bits = 0;       // bits kept below the accumulator LSB during alignment
  bool exact_alignment = false;   // keep every bit (IEEE FMA / exact dot); ignores the two above
  Round align_round = Round::rz;  // what happens to bits shifted out during alignment
  bool anchor_normalised = false; // false: products are anchored at ea+eb with significand in
                                  // [1,4) (the MATLAB models); true: at their normalised exponent
  bool normalise_each_add = false;// true: the block is a chain of two-term adds, each aligned
                                  // to the larger operand and truncated (c first, then i order)
  int carry_bits = -1;            // carry bits above the anchor's integer bit; a sum that needs
                                  // more wraps (two's complement); -1: unlimited
  CMode c_mode = CMode::in_block;
  int c_frac_bits = -1;           // fraction bits kept of the incoming c (truncated); -1: all
  Round block_round = Round::rz;  // block sum -> accumulator
  bool chain_in_output = false;   // each block's sum is rounded straight into the output
                                  // format with out_round (the MATLAB models' recursion)
  Round out_round = Round::rz;    // accumulator -> output format (fp16 output: rn)
  int min_product_exp = -100000;  // products whose anchor exponent is below are flushed to 0
  bool in_subnormals = true;      // a, b subnormals kept (false: flushed to signed zero)
  bool c_subnormals = true;       // c subnormals kept
  bool out_subnormals = true;     // results below the normal range kept (false: flushed)
  bool overflow_to_inf = true;    // any overflow gives +-inf (the MATLAB models); false: IEEE
                                  // (rz/rd/ru may give the largest finite value)
  Tf32Input tf32_input = Tf32Input::truncate;
  uint64_t nan_bits = 0;          // NaN pattern of the output; 0: 0x7fffffff / 0x7fff / f64 qNaN
  NanRule nan_rule = NanRule::canonical;
  std::vector<int> k_order;       // emulated instructions: the order in which a chained pair of
                                  // narrower MMAs takes the k terms (empty: 0, 1, 2, ...)
  bool c_after_ieee = false;      // emulated instructions (conversions + another MMA, or FFMA
                                  // chains): the products are summed from +0 by the datapath
                                  // above, then c is added once per instruction by an IEEE
                                  // addition in the output format, round to nearest (FADD/HADD2)
  bool positive_zero = true;      // an exact zero sum is +0 (MATLAB); false: IEEE sign rules
  bool zero_result_positive = false;  // a nonzero sum that rounds to zero in the output is +0,
                                      // whatever its sign (H100 fp16 outputs, measured)

  // Where the values come from (a citation, or "measured: <run>").
  std::string source;
};

// d = c + sum_{i<k} a_i * b_i as the path computes it. a, b, c and the result are raw bit
// patterns of their formats (tf32 = the 32-bit f32 word, fp16 = 16 bits, e4m3 = 8 bits, s4 = 4
// bits in the low nibble). k may be any value >= 0: it is split into instr_k chunks (missing
// terms are zero) chained through the output format; k == 0 returns c converted through one
// instruction with all-zero products. Throws std::invalid_argument on an inconsistent path.
uint64_t dot(const PathParams&, const uint64_t* a, const uint64_t* b, int k, uint64_t c);

// The value of a bit pattern, for messages and tests (tf32 decodes as its f32 word).
double to_double(Fmt, uint64_t bits);

}  // namespace tcb::model
