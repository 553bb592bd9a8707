// The wgmma completion-latency chain measures the instruction, not the loop (label "gpu", though
// it needs only cuobjdump + nvdisasm): in the sm_90a SASS of every wgmma chain kernel, the
// stretch from a WARPGROUP.DEPBAR (wait_group) to the next *GMMA holds only the fence
// (WARPGROUP.ARRIVE) and alignment NOPs (wgmma.sp: plus one move of the constant sparse metadata
// into a register, which ptxas re-materialises for every instruction), except once per unrolled block of
// kern::kWaitEachUnroll steps (the loop back edge) and in the tail loop. Before the fix every
// stretch held 12-33 instructions of loop control and descriptor selection.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/sass/sass.hpp"

#ifndef TCB_BINARY
#define TCB_BINARY "build/tcbench"
#endif

namespace tcb {
namespace {

struct Stretches {
  int fence_only = 0;  // DEPBAR -> ARRIVE [NOP...] -> GMMA
  int with_other = 0;  // anything else between them
  std::string example;  // the first stretch with other instructions, for the failure message
};

bool is_gmma(const std::string& op) { return op.find("GMMA") != std::string::npos; }

bool allowed_between(const std::string& op, bool sparse) {
  if (op == "WARPGROUP.ARRIVE" || op == "NOP") return true;
  return sparse && (op == "IMAD.MOV.U32" || op == "MOV");  // the sp-meta operand
}

Stretches depbar_to_gmma_stretches(const std::string& sass, bool sparse) {
  std::vector<std::string> ops;
  size_t pos = 0;
  while (pos < sass.size()) {
    const size_t end = sass.find('\n', pos);
    const std::string op = sass_line_opcode(sass.substr(pos, end == std::string::npos ? end : end - pos));
    if (!op.empty()) ops.push_back(op);
    pos = end == std::string::npos ? sass.size() : end + 1;
  }
  Stretches s;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].rfind("WARPGROUP.DEPBAR", 0) != 0) continue;
    size_t j = i + 1;
    bool other = false;
    std::string between;
    while (j < ops.size() && !is_gmma(ops[j]) && ops[j].rfind("WARPGROUP.DEPBAR", 0) != 0 && ops[j] != "EXIT") {
      if (!allowed_between(ops[j], sparse)) other = true;
      between += ops[j] + " ";
      ++j;
    }
    if (j >= ops.size() || !is_gmma(ops[j])) continue;
    (other ? s.with_other : s.fence_only)++;
    if (other && s.example.empty()) s.example = between;
  }
  return s;
}

TEST(WgmmaLatencySass, ChainFromWaitToNextWgmmaHoldsOnlyTheFence) {
  if (find_tool("cuobjdump").empty()) GTEST_SKIP() << "cuobjdump not found (CUDA toolkit or the nvidia-cuda-cuobjdump wheel)";
  std::string text, err;
  ASSERT_TRUE(disassemble_arch(TCB_BINARY, 90, &text, &err)) << err;
  int checked = 0;
  for (const KernelSass& k : parse_cuobjdump_sass(text)) {
    if (k.demangled.find("wgmma_chain") == std::string::npos || k.ilp != 1) continue;
    const bool sparse = k.atom.find("SPARSE") != std::string::npos;
    const Stretches s = depbar_to_gmma_stretches(k.sass, sparse);
    // 32 steps per block: 31 fence-only stretches, 1 back edge; the tail loop and the end add
    // a few more with other instructions.
    EXPECT_GE(s.fence_only, 31) << k.atom << " (" << k.mangled << ")";
    EXPECT_LE(s.with_other, 4) << k.atom << " (" << k.mangled << "), e.g. " << s.example;
    ++checked;
  }
  EXPECT_GT(checked, 100) << "too few wgmma chain kernels found in " << TCB_BINARY;
}

}  // namespace
}  // namespace tcb
