// The harness's bit-exact reference for random data: the model's chain, with its period-2
// shortcut, equals stepping the model naively, and a one-bit error is caught.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "families/mma/operands.hpp"
#include "harness/core/parallel.hpp"
#include "model/presets.hpp"
#include "ptx/mma_sync.hpp"

namespace tcb {
namespace {

// D after `steps` steps, stepping the model through every one (B, -B, B, ...).
std::vector<uint32_t> naive_chain(const AtomInfo& at, const OperandSet& ops, const model::PathParams& p, long steps) {
  std::vector<uint32_t> d(size_t(at.m) * at.n);
  for (int r = 0; r < at.m; ++r)
    for (int c = 0; c < at.n; ++c) {
      std::vector<uint64_t> a(at.k), b(at.k), bn(at.k);
      for (int kk = 0; kk < at.k; ++kk) {
        a[kk] = ops.a[size_t(r) * at.k + kk];
        b[kk] = ops.b[size_t(kk) * at.n + c];
        bn[kk] = b[kk] ^ 0x8000;
      }
      uint64_t acc = ops.c[size_t(r) * at.n + c];
      for (long t = 0; t < steps; ++t) acc = model::dot(p, a.data(), (t & 1) ? bn.data() : b.data(), at.k, acc);
      d[size_t(r) * at.n + c] = uint32_t(acc);
    }
  return d;
}

TEST(ModelReference, ChainShortcutEqualsNaiveSteppingAndCatchesOneBit) {
  const AtomInfo& at = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  const OperandSet ops = make_operands(at, DataMode::random, 42, 600);
  const model::PathParams p = model::resolve("h100", at.ptx).params;
  for (long steps : {1L, 2L, 7L, 513L}) {
    SCOPED_TRACE(steps);
    std::vector<uint32_t> d = naive_chain(at, ops, p, steps);
    ModelReference ref{p, "h100", {}};
    Verdict v = verify_matrix_chain(at, ops, DataMode::random, steps, reinterpret_cast<const uint8_t*>(d.data()), &ref);
    EXPECT_TRUE(v.ok) << v.detail;
    EXPECT_EQ(v.model_elements, at.m * at.n);
    d[37] ^= 1;  // one ulp: within the tolerance, but not the model's bits
    ModelReference ref2{p, "h100", {}};
    v = verify_matrix_chain(at, ops, DataMode::random, steps, reinterpret_cast<const uint8_t*>(d.data()), &ref2);
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.detail.find("h100 model"), std::string::npos) << v.detail;
  }
}

TEST(ProductSums, CachedSumsGiveTheSameVerdictsAndStillCatchErrors) {
  const AtomInfo& at = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  const OperandSet ops = make_operands(at, DataMode::random, 7, 600);
  const model::PathParams p = model::resolve("h100", at.ptx).params;
  ProductSums sums;
  for (long steps : {3L, 5L, 3L}) {  // the second use of the sums comes from the cache
    SCOPED_TRACE(steps);
    std::vector<uint32_t> d = naive_chain(at, ops, p, steps);
    const auto* bytes = reinterpret_cast<const uint8_t*>(d.data());
    EXPECT_TRUE(verify_matrix_chain(at, ops, DataMode::random, steps, bytes, nullptr, &sums).ok);
    EXPECT_EQ(sums.ab.size(), size_t(at.m) * at.n);
    d[5] ^= 0x00400000;  // far outside the tolerance
    const Verdict bad = verify_matrix_chain(at, ops, DataMode::random, steps, bytes, nullptr, &sums);
    EXPECT_FALSE(bad.ok);
    EXPECT_EQ(bad.mismatches, 1);
  }
}

// prepare() runs the chains of every sampled element on the CPU's threads, several lengths in one
// pass: its cache must hold what naive stepping gives, and verification must then use it.
TEST(ModelReference, PreparedChainsEqualNaiveStepping) {
  const AtomInfo& at = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  const OperandSet ops = make_operands(at, DataMode::random, 11, 600);
  const model::PathParams p = model::resolve("h100", at.ptx).params;
  ModelReference ref{p, "h100", {}};
  ref.prepare(at, ops, {513, 7, 1, 513});
  EXPECT_EQ(ref.cache.size(), size_t(3) * at.m * at.n);  // lengths deduplicated
  for (long steps : {1L, 7L, 513L}) {
    SCOPED_TRACE(steps);
    const std::vector<uint32_t> d = naive_chain(at, ops, p, steps);
    for (int r = 0; r < at.m; ++r)
      for (int c = 0; c < at.n; ++c) EXPECT_EQ(ref.cache.at({steps, 0, r, c}), d[size_t(r) * at.n + c]);
    std::vector<uint32_t> bad = d;
    bad[3] ^= 1;
    ModelReference copy = ref;
    EXPECT_FALSE(verify_matrix_chain(at, ops, DataMode::random, steps, reinterpret_cast<const uint8_t*>(bad.data()), &copy).ok);
    EXPECT_TRUE(verify_matrix_chain(at, ops, DataMode::random, steps, reinterpret_cast<const uint8_t*>(d.data()), &copy).ok);
    EXPECT_EQ(copy.cache.size(), ref.cache.size()) << "verification recomputed a prepared chain";
  }
}

// Large tiles: the model checks every stride-th element in row-major order, kModelElements in all.
TEST(ModelReference, SamplesAnEvenlySpreadSubsetOfLargeTiles) {
  AtomInfo big = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  big.m = 64;
  big.n = 256;
  int sampled = 0;
  for (size_t e = 0; e < size_t(big.m) * big.n; ++e) sampled += model_sampled(big, e);
  EXPECT_EQ(sampled, ModelReference::kModelElements);
  EXPECT_TRUE(model_sampled(big, 0));
  EXPECT_FALSE(model_sampled(big, 1));
  const AtomInfo& small = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  for (size_t e = 0; e < size_t(small.m) * small.n; ++e) EXPECT_TRUE(model_sampled(small, e));
}

TEST(ProductSums, AllAtOnceEqualsTheCheckOnesAndSumsExactly) {
  const AtomInfo& at = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  const OperandSet ops = make_operands(at, DataMode::random, 9, 600);
  const ProductSums all = product_sums(at, ops);
  ASSERT_EQ(all.ab.size(), size_t(at.m) * at.n);
  for (int r = 0; r < at.m; ++r)
    for (int c = 0; c < at.n; ++c) {
      long double want = 0, want_abs = 0;
      for (int kk = 0; kk < at.k; ++kk) {
        const long double t = (long double)decode_value(at.a, ops.a[size_t(r) * at.k + kk]) *
                              decode_value(at.b, ops.b[size_t(kk) * at.n + c]);
        want += t;
        want_abs += std::fabs(t);
      }
      EXPECT_EQ(all.ab[size_t(r) * at.n + c], want);
      EXPECT_EQ(all.abs_ab[size_t(r) * at.n + c], want_abs);
    }
  // Verification with the precomputed sums gives the same verdicts as without them.
  ProductSums given = all;
  const std::vector<uint32_t> d = naive_chain(at, ops, model::resolve("h100", at.ptx).params, 3);
  const auto* bytes = reinterpret_cast<const uint8_t*>(d.data());
  EXPECT_TRUE(verify_matrix_chain(at, ops, DataMode::random, 3, bytes, nullptr, &given).ok);
  std::vector<uint32_t> wrong = d;
  wrong[9] ^= 0x00400000;
  EXPECT_FALSE(verify_matrix_chain(at, ops, DataMode::random, 3, reinterpret_cast<const uint8_t*>(wrong.data()),
                                   nullptr, &given).ok);
}

TEST(ParallelFor, VisitsEveryIndexOnceAndRethrows) {
  for (size_t n : {size_t(0), size_t(1), size_t(15), size_t(1000), size_t(4097)}) {
    std::vector<int> hits(n, 0);
    parallel_for(n, [&](size_t i) { ++hits[i]; }, 1);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << "n " << n << " i " << i;
  }
  EXPECT_THROW(parallel_for(1000, [](size_t i) { if (i == 777) throw std::runtime_error("x"); }, 1), std::runtime_error);
}

}  // namespace
}  // namespace tcb
