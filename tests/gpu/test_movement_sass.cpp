// The on-chip movement kernels measure the instruction, not the loop (label "gpu", though it needs
// only cuobjdump + nvdisasm): in the sm_90a SASS of the built tcbench,
//  * every on-chip benchmark's sass_kernel names kernels there, and its sass_opcodes regex matches
//    one of their opcodes (what the runner records as native);
//  * each latency kernel's timed loop is the unrolled chain itself: 32 dependent loads (16 for
//    the stmatrix round trip and cp.async) with at most the loop's own counter, compare and branch
//    beside them (cp.async: also its source pointer's 64-bit increment);
//  * each throughput kernel's timed loop holds exactly the unrolled accesses (none hoisted,
//    merged or split by ptxas) and few other instructions per access.
#include <gtest/gtest.h>

#include <cstdlib>
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

// clang-format off
#define REQUIRE_CUOBJDUMP() \
  if (find_tool("cuobjdump").empty()) GTEST_SKIP() << "cuobjdump not found (CUDA toolkit or its wheel)"
// clang-format on

std::vector<const KernelSass*> kernels_named(const std::string& part) {
  std::vector<const KernelSass*> out;
  for (const auto& k : sm90_kernels())
    if (k.demangled.find(part) != std::string::npos) out.push_back(&k);
  return out;
}

TEST(MovementSass, EveryOnChipBenchmarkFindsItsKernelsAndItsOpcode) {
  REQUIRE_CUOBJDUMP();
  for (const auto& b : movement::on_chip_benchmarks()) {
    const auto kernels = kernels_named(b.sass_kernel);
    EXPECT_GE(kernels.size(), 1u) << b.name() << ": no kernels named '" << b.sass_kernel << "'";
    const Regex re(b.sass_opcodes);
    bool found = false;
    for (const KernelSass* k : kernels)
      for (const test::SassInstr& in : test::sass_instructions(k->sass)) found = found || re.search(in.op);
    EXPECT_TRUE(found) << b.name() << ": no opcode matches " << b.sass_opcodes;
  }
}

struct LoopRule {
  const char* kernel;    // part of the demangled name
  const char* measured;  // regex of the measured instructions' opcodes
  int per_loop;          // how many the unrolled loop must hold
  int max_others;        // other instructions allowed in the loop (absolute), or ...
  double others_per_op;  // ... per measured instruction (throughput loops)
  int min_kernels;
};

void check_loops(const LoopRule& rule) {
  const auto kernels = kernels_named(rule.kernel);
  EXPECT_GE(int(kernels.size()), rule.min_kernels) << rule.kernel;
  const Regex re(rule.measured);
  for (const KernelSass* k : kernels) {
    const test::SassLoop body = test::busiest_loop(test::sass_instructions(k->sass), re);
    EXPECT_EQ(body.measured, rule.per_loop) << k->demangled << "\n" << body.listing;
    const double allowed = rule.max_others + rule.others_per_op * body.measured;
    EXPECT_LE(body.others, allowed) << k->demangled << "\n" << body.listing;
  }
}

TEST(MovementSass, LatencyLoopsAreTheChainAndTheLoopCounterOnly) {
  REQUIRE_CUOBJDUMP();
  // 32 dependent loads; beside them at most the counter update, the compare and the branch.
  check_loops({"kern::smem_latency<", "^LDS(\\..*)?$", 32, 3, 0, 3});
  check_loops({"kern::ldsm_latency<", "^LDSM", 32, 3, 0, 6});
  check_loops({"kern::dsmem_latency<", "^LD\\.E", 32, 3, 0, 1});
  // 16 stmatrix + ldmatrix pairs.
  check_loops({"kern::stsm_round_trip<", "^(STSM|LDSM)", 32, 3, 0, 6});
  // 16 x (copy, commit, wait): counter, compare, branch, the source pointer's 64-bit add and the
  // two moves that rename it (at most 7 instructions per 16 steps of hundreds of cycles each).
  check_loops({"kern::cp_async_latency<", "^(LDGSTS|LDGDEPBAR|DEPBAR)", 48, 7, 0, 4});
}

TEST(MovementSass, ThroughputLoopsHoldEveryUnrolledAccess) {
  REQUIRE_CUOBJDUMP();
  // Loads: the checksum adds (two IADD3 per 128-bit load at most) and the loop control.
  check_loops({"kern::smem_load_bandwidth<", "^LDS(\\..*)?$", 32, 4, 2.25, 3});
  check_loops({"kern::smem_store_bandwidth<", "^STS(\\..*)?$", 32, 3, 0.25, 3});
  check_loops({"kern::ldsm_throughput<", "^LDSM", 16, 3, 2.5, 6});
  check_loops({"kern::stsm_throughput<", "^STSM", 16, 3, 0.25, 6});
  check_loops({"kern::dsmem_bandwidth<", "^LD\\.E\\.128", 16, 10, 2.25, 1});
  // Per group: 64 bytes of copies per thread, commit, wait; the source addresses (64-bit, wrapped
  // in the region) and the loop control: at most 32 other instructions per group, so that even
  // with 4-byte copies (16 per group, 46 instructions for 2 KiB per warp) the SM's 4 issue slots
  // per clock could feed ~170 B/clk, beyond the 128 B/clk the copies can reach.
  check_loops({"kern::cp_async_throughput<tcb::movement::CpAsync<4, false>, false>", "^LDGSTS", 16, 32, 0, 1});
  check_loops({"kern::cp_async_throughput<tcb::movement::CpAsync<8, false>, false>", "^LDGSTS", 8, 32, 0, 1});
  check_loops({"kern::cp_async_throughput<tcb::movement::CpAsync<16, false>, false>", "^LDGSTS", 4, 32, 0, 1});
  check_loops({"kern::cp_async_throughput<tcb::movement::CpAsync<16, true>, false>", "^LDGSTS", 4, 32, 0, 1});
}

}  // namespace
}  // namespace tcb
