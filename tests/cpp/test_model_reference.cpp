// The harness's bit-exact reference for random data: the model's chain, with its period-2
// shortcut, equals stepping the model naively, and a one-bit error is caught.
#include <gtest/gtest.h>

#include <cstring>

#include "harness/operands.hpp"
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

}  // namespace
}  // namespace tcb
