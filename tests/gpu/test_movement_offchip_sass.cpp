// The off-chip movement kernels measure the access, not the loop (label "gpu", though it needs
// only cuobjdump): in the sm_90a SASS of the built tcbench,
//  * every off-chip benchmark's sass_kernel names kernels there, and its sass_opcodes regex matches
//    one of their opcodes (what the runner records as native);
//  * the chase loops are dependent loads of the asked kind back to back (LDG.E.64: the default
//    load, cached in L1; LDG.E.64.STRONG.GPU: .cg, L2 only), with only the loop's counter,
//    compare and branch beside them;
//  * the bandwidth loops keep four 16-byte accesses per thread in flight, L1-bypassing loads, and
//    few other instructions per access;
//  * the bulk-copy kernels issue the copy engine's instructions (UBLKCP, UTMALDG) and wait on
//    the mbarrier (SYNCS), one copy per step of the latency chain.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "families/movement/movement.hpp"
#include "harness/core/regex.hpp"
#include "harness/sass/sass.hpp"
#include "tests/cpp/sass_loops.hpp"

#ifndef TCB_BINARY
#define TCB_BINARY "build/tcbench"
#endif

namespace tcb {
namespace {

const std::vector<KernelSass>& sm90_kernels() {
  static const std::vector<KernelSass> kernels = [] {
    std::string text, err;
    if (!disassemble_arch(TCB_BINARY, 90, &text, &err)) ADD_FAILURE() << err;
    return parse_cuobjdump_sass(text);
  }();
  return kernels;
}

#define REQUIRE_CUOBJDUMP()                                                                      \
  if (find_tool("cuobjdump").empty()) GTEST_SKIP() << "cuobjdump not found (CUDA toolkit or the " \
                                                      "nvidia-cuda-cuobjdump wheel)"

// The one kernel whose demangled name contains `part`.
const KernelSass* kernel_named(const std::string& part) {
  const KernelSass* found = nullptr;
  int n = 0;
  for (const auto& k : sm90_kernels())
    if (k.demangled.find(part) != std::string::npos) found = &k, ++n;
  EXPECT_EQ(n, 1) << part;
  return n == 1 ? found : nullptr;
}

int count_ops(const KernelSass& k, const std::string& regex) {
  const Regex re(regex);
  int n = 0;
  for (const auto& in : test::sass_instructions(k.sass)) n += re.search(in.op);
  return n;
}

TEST(MovementOffChipSass, EveryOffChipBenchmarkFindsItsKernelAndItsOpcode) {
  REQUIRE_CUOBJDUMP();
  for (const auto& b : movement::off_chip_benchmarks()) {
    const KernelSass* k = kernel_named(b.sass_kernel);
    if (!k) continue;
    EXPECT_GE(count_ops(*k, b.sass_opcodes), 1) << b.name() << ": no opcode matches " << b.sass_opcodes;
  }
}

struct LoopRule {
  const char* kernel;    // part of the demangled name
  const char* measured;  // regex of the measured instructions' opcodes
  int per_loop;          // how many the busiest loop must hold (a multiple of this, for chases)
  int max_others;        // other instructions allowed in that loop
  bool multiple = false;
};

void check_loop(const LoopRule& rule) {
  const KernelSass* k = kernel_named(rule.kernel);
  if (!k) return;
  const test::SassLoop loop = test::busiest_loop(test::sass_instructions(k->sass), Regex(rule.measured));
  SCOPED_TRACE(std::string(rule.kernel) + ": " + loop.listing);
  if (rule.multiple) {
    EXPECT_GE(loop.measured, rule.per_loop);
    EXPECT_EQ(loop.measured % rule.per_loop, 0);
  } else {
    EXPECT_EQ(loop.measured, rule.per_loop);
  }
  EXPECT_LE(loop.others, rule.max_others);
}

TEST(MovementOffChipSass, ChaseLoopsAreDependentLoadsOfTheirKindOnly) {
  REQUIRE_CUOBJDUMP();
  // 8 loads per unrolled step (ptxas may unroll further); the counter (64-bit: two adds), its
  // compare (two) and the branch beside them.
  check_loop({"chase_ca_kernel", "^LDG\\.E\\.64$", 8, 6, true});
  check_loop({"chase_cg_kernel", "^LDG\\.E\\.64\\.STRONG\\.GPU$", 8, 6, true});
  // No other kind of load in the chase kernels.
  const KernelSass* ca = kernel_named("chase_ca_kernel");
  if (ca) {
    EXPECT_EQ(count_ops(*ca, "^LDG\\.E\\.64\\.STRONG"), 0);
  }
  const KernelSass* cg = kernel_named("chase_cg_kernel");
  if (cg) {
    EXPECT_EQ(count_ops(*cg, "^LDG\\.E\\.64$"), 0);
  }
}

TEST(MovementOffChipSass, BandwidthLoopsKeepFourWideAccessesPerThread) {
  REQUIRE_CUOBJDUMP();
  // Four 16-byte accesses (loads bypassing L1) per iteration; beside them the flattened walk's
  // wrapped index and address of each access, the sums (read) or the pattern (write), the loop
  // control: at most 12 instructions per 16 bytes, so that even 2 blocks of 16 warps per SM
  // (4 warp instructions per clock) could move ~170 B/clk/SM, above any L2 or DRAM share.
  check_loop({"read_bw_kernel", "^LDG\\.E\\.128\\.STRONG\\.GPU$", 4, 48});
  check_loop({"copy_bw_kernel", "^(LDG\\.E\\.128\\.STRONG\\.GPU|STG\\.E\\.128)$", 8, 48});
  check_loop({"write_bw_kernel", "^STG\\.E\\.128$", 4, 48});
}

TEST(MovementOffChipSass, BulkCopiesUseTheCopyEngineAndTheMbarrier) {
  REQUIRE_CUOBJDUMP();
  for (const char* kernel : {"bulk_g2s_latency_kernel", "bulk_g2s_bandwidth_kernel"}) {
    const KernelSass* k = kernel_named(kernel);
    if (!k) continue;
    EXPECT_GE(count_ops(*k, "^UBLKCP\\.S\\.G$"), 1) << kernel;
    EXPECT_EQ(count_ops(*k, "^UTMALDG"), 0) << kernel;
    EXPECT_GE(count_ops(*k, "^SYNCS\\.PHASECHK"), 1) << kernel;
  }
  for (const char* kernel : {"tma_tensor2d_latency_kernel", "tma_tensor2d_bandwidth_kernel"}) {
    const KernelSass* k = kernel_named(kernel);
    if (!k) continue;
    EXPECT_GE(count_ops(*k, "^UTMALDG\\.2D$"), 1) << kernel;
    EXPECT_EQ(count_ops(*k, "^UBLKCP"), 0) << kernel;
    EXPECT_GE(count_ops(*k, "^SYNCS\\.PHASECHK"), 1) << kernel;
  }
  // The latency chain: one copy per step, in the loop that waits for it.
  for (const char* kernel : {"bulk_g2s_latency_kernel", "tma_tensor2d_latency_kernel"}) {
    const KernelSass* k = kernel_named(kernel);
    if (!k) continue;
    const test::SassLoop loop =
        test::busiest_loop(test::sass_instructions(k->sass), Regex("^(UBLKCP\\.S\\.G|UTMALDG\\.2D)$"));
    EXPECT_EQ(loop.measured, 1) << kernel << ": " << loop.listing;
  }
}

}  // namespace
}  // namespace tcb
