// A small signed arbitrary-precision integer: just what the tensor-core model needs to sum
// aligned significands exactly (an f64 FMA spans ~4200 bits; fp16 blocks need ~40).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace tcb::model::detail {

class BigInt {
 public:
  BigInt() = default;
  static BigInt from_u128(unsigned __int128 v, bool neg = false) {
    BigInt r;
    while (v) {
      r.limbs_.push_back(uint32_t(v));
      v >>= 32;
    }
    r.neg_ = neg && !r.limbs_.empty();
    return r;
  }
  static BigInt pow2(int bits) {
    BigInt r = from_u128(1);
    r.shl(bits);
    return r;
  }

  bool is_zero() const { return limbs_.empty(); }
  bool neg() const { return neg_; }
  void set_neg(bool n) { neg_ = n && !is_zero(); }

  // Number of significant bits of the magnitude (0 for zero).
  int bitlen() const {
    if (limbs_.empty()) return 0;
    uint32_t top = limbs_.back();
    int n = 0;
    while (top) { ++n; top >>= 1; }
    return int(limbs_.size() - 1) * 32 + n;
  }
  bool bit(int i) const {
    if (i < 0 || size_t(i / 32) >= limbs_.size()) return false;
    return (limbs_[i / 32] >> (i % 32)) & 1u;
  }
  // Any magnitude bit strictly below position i set?
  bool any_below(int i) const {
    for (int w = 0; w < int(limbs_.size()) && w * 32 < i; ++w) {
      const int hi = std::min(32, i - w * 32);
      const uint32_t mask = hi == 32 ? ~0u : ((1u << hi) - 1);
      if (limbs_[w] & mask) return true;
    }
    return false;
  }
  // Low 64 bits of the magnitude.
  uint64_t low64() const {
    uint64_t r = 0;
    if (limbs_.size() > 0) r |= limbs_[0];
    if (limbs_.size() > 1) r |= uint64_t(limbs_[1]) << 32;
    return r;
  }

  void shl(int bits) {
    if (is_zero() || bits <= 0) return;
    const int words = bits / 32, rem = bits % 32;
    std::vector<uint32_t> out(limbs_.size() + words + 1, 0);
    for (size_t i = 0; i < limbs_.size(); ++i) {
      const uint64_t v = uint64_t(limbs_[i]) << rem;
      out[i + words] |= uint32_t(v);
      out[i + words + 1] |= uint32_t(v >> 32);
    }
    limbs_ = std::move(out);
    trim();
  }
  // Magnitude shift right, dropping bits (truncation toward zero of the magnitude).
  void shr(int bits) {
    if (is_zero() || bits <= 0) return;
    const size_t words = size_t(bits / 32);
    const int rem = bits % 32;
    if (words >= limbs_.size()) { limbs_.clear(); neg_ = false; return; }
    std::vector<uint32_t> out(limbs_.size() - words, 0);
    for (size_t i = 0; i < out.size(); ++i) {
      uint64_t v = limbs_[i + words];
      if (i + words + 1 < limbs_.size()) v |= uint64_t(limbs_[i + words + 1]) << 32;
      out[i] = uint32_t(v >> rem);
    }
    limbs_ = std::move(out);
    trim();
  }
  // Keep only the low `bits` bits of the magnitude.
  void keep_low(int bits) {
    const size_t words = size_t((bits + 31) / 32);
    if (limbs_.size() > words) limbs_.resize(words);
    if (bits % 32 && limbs_.size() == words) limbs_.back() &= (1u << (bits % 32)) - 1;
    trim();
  }

  BigInt& operator+=(const BigInt& o) {
    if (o.is_zero()) return *this;
    if (is_zero()) return *this = o;
    if (neg_ == o.neg_) {
      add_mag(o);
    } else if (cmp_mag(o) >= 0) {
      sub_mag(o);  // |this| >= |o|: sign stays
    } else {
      BigInt t = o;
      t.sub_mag(*this);
      *this = t;
    }
    if (is_zero()) neg_ = false;
    return *this;
  }
  BigInt operator-() const {
    BigInt r = *this;
    r.set_neg(!neg_);
    return r;
  }
  BigInt& operator-=(const BigInt& o) { return *this += -o; }
  friend BigInt operator-(BigInt a, const BigInt& b) { return a -= b; }
  friend BigInt operator+(BigInt a, const BigInt& b) { return a += b; }
  void add_one_mag() { add_mag(from_u128(1)); }

  int cmp_mag(const BigInt& o) const {
    if (limbs_.size() != o.limbs_.size()) return limbs_.size() < o.limbs_.size() ? -1 : 1;
    for (size_t i = limbs_.size(); i-- > 0;)
      if (limbs_[i] != o.limbs_[i]) return limbs_[i] < o.limbs_[i] ? -1 : 1;
    return 0;
  }

 private:
  void trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
    if (limbs_.empty()) neg_ = false;
  }
  void add_mag(const BigInt& o) {
    if (limbs_.size() < o.limbs_.size()) limbs_.resize(o.limbs_.size(), 0);
    uint64_t carry = 0;
    for (size_t i = 0; i < limbs_.size(); ++i) {
      const uint64_t v = uint64_t(limbs_[i]) + (i < o.limbs_.size() ? o.limbs_[i] : 0) + carry;
      limbs_[i] = uint32_t(v);
      carry = v >> 32;
    }
    if (carry) limbs_.push_back(uint32_t(carry));
  }
  void sub_mag(const BigInt& o) {  // requires |this| >= |o|
    int64_t borrow = 0;
    for (size_t i = 0; i < limbs_.size(); ++i) {
      int64_t v = int64_t(limbs_[i]) - (i < o.limbs_.size() ? o.limbs_[i] : 0) - borrow;
      borrow = v < 0;
      if (v < 0) v += int64_t(1) << 32;
      limbs_[i] = uint32_t(v);
    }
    trim();
  }

  std::vector<uint32_t> limbs_;  // magnitude, little-endian
  bool neg_ = false;
};

}  // namespace tcb::model::detail
