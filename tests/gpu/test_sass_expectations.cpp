// SASS expectations (label "gpu", though it needs no GPU, only cuobjdump + nvdisasm): disassemble
// the built tcbench binary and check, for its sm_90a code, which mma.sync atoms run on a
// tensor-core instruction of their own (native) and which the compiler lowers to something else.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "families/mma/registry.hpp"
#include "harness/sass/sass.hpp"

#ifndef TCB_BINARY
#define TCB_BINARY "build/tcbench"
#endif

namespace tcb {
namespace {

// How nvcc lowers an mma.sync atom on sm_90a.
enum class Lowering {
  native,        // the atom's own tensor-core opcode (AtomInfo::sass matches)
  no_tensor_op,  // f16 m8n8k4: no HMMA.884 on Hopper; scalar HFMA2/HADD2 code instead
  imma_8bit,     // s4/u4: operands unpacked to 8 bits, then IMMA ...S8/U8
  bmma_and,      // b1 XOR: rewritten with BMMA ...AND.POPC
  f2fp_hmma,     // e4m3/e5m2: F2FP ...UNPACK_B to f16, then HMMA (no QMMA on sm_90)
};

// How nvcc 13.0 lowers mma.sync on sm_90a (cuobjdump 13.0), as a rule over the atom's own
// declaration, so that a new atom needs no entry here: Hopper has no HMMA.884 (f16 m8n8k4), no
// 4-bit IMMA, no BMMA XOR and no QMMA. A different toolkit may lower differently: if this test
// fails after a toolkit change, read sass/sm_90a/opcodes.csv (`tcbench sass`) and update the rule
// together with docs/.
Lowering sm90a_lowering(const AtomInfo& a) {
  const auto is4 = [](DType t) { return t == DType::s4 || t == DType::u4; };
  const auto is_fp8 = [](DType t) { return t == DType::e4m3 || t == DType::e5m2; };
  if (a.m == 8 && a.n == 8 && a.k == 4 && a.a == DType::f16) return Lowering::no_tensor_op;
  if (is4(a.a) || is4(a.b)) return Lowering::imma_8bit;
  if (a.bitop == BitOp::xor_popc) return Lowering::bmma_and;
  if (is_fp8(a.a) || is_fp8(a.b)) return Lowering::f2fp_hmma;
  return Lowering::native;
}

bool any_matches(const std::vector<std::string>& ops, const char* re) {
  const std::regex r(re);
  for (const auto& op : ops)
    if (std::regex_search(op, r)) return true;
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ";") + x;
  return s.empty() ? "(none)" : s;
}

class SassExpectations : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_tool("cuobjdump").empty())
      GTEST_SKIP() << "cuobjdump not found (install the nvidia-cuda-cuobjdump and nvidia-cuda-nvdisasm wheels)";
    // Disassemble once for all tests of the suite (the dump runs to tens of MB).
    static std::string err;
    static const bool ok = [] {
      std::string text;
      if (!run_cuobjdump_sass(TCB_BINARY, &text, &err)) return false;
      for (auto& k : parse_cuobjdump_sass(text))
        if (k.arch == "sm_90a") dump().push_back(std::move(k));
      return true;
    }();
    ASSERT_TRUE(ok) << err;
    kernels_ = dump();
    if (kernels_.empty()) GTEST_SKIP() << TCB_BINARY << " holds no sm_90a code (TCBENCH_CUDA_ARCHS)";
    std::set<std::string> seen;
    for (const auto& b : registry())
      if (seen.insert(b.info.name).second) atoms_.push_back(b.info);
    for (auto& s : summarize_sass(kernels_, atoms_)) summary_[s.atom] = std::move(s);
  }

  static std::vector<KernelSass>& dump() {
    static std::vector<KernelSass> k;
    return k;
  }

  std::vector<KernelSass> kernels_;
  std::vector<AtomInfo> atoms_;
  std::map<std::string, AtomSass> summary_;
};

TEST_F(SassExpectations, EveryAtomOfSm90HasKernels) {
  ASSERT_FALSE(atoms_.empty()) << "registry is empty: the kernel library was not linked whole";
  for (const AtomInfo& a : atoms_) {
    if (!a.exists_on(90)) continue;
    int n = 0;
    for (const auto& k : kernels_) n += (k.atom == a.name);
    EXPECT_GT(n, 0) << a.name << " (" << a.ptx << "): no sm_90a kernel in " << TCB_BINARY;
  }
}

TEST_F(SassExpectations, MmaSyncNativeAndEmulatedAsObservedWithNvcc13) {
  int checked = 0;
  for (const AtomInfo& a : atoms_) {
    if (a.family != Family::mma_sync || !a.exists_on(90)) continue;
    const std::string name = a.name;
    const Lowering lowering = sm90a_lowering(a);
    SCOPED_TRACE(name);
    ++checked;
    auto it = summary_.find(name);
    if (it == summary_.end()) {
      ADD_FAILURE() << "no SASS summary";
      continue;
    }
    const AtomSass& s = it->second;
    const std::string seen = "tensor opcodes " + joined(s.opcodes) + ", other " + joined(s.other_ops) +
                             ", expected /" + s.expected + "/";
    switch (lowering) {
      case Lowering::native:
        EXPECT_TRUE(s.native) << "expected native; " << seen;
        break;
      case Lowering::no_tensor_op:
        EXPECT_FALSE(s.native) << seen;
        EXPECT_FALSE(any_matches(s.opcodes, "^HMMA\\.884")) << seen;
        break;
      case Lowering::imma_8bit:
        EXPECT_FALSE(s.native) << seen;
        EXPECT_TRUE(any_matches(s.opcodes, "^IMMA\\..*\\.[SU]8\\.[SU]8$")) << seen;
        EXPECT_FALSE(any_matches(s.opcodes, "[SU]4")) << seen;
        break;
      case Lowering::bmma_and:
        EXPECT_FALSE(s.native) << seen;
        EXPECT_TRUE(any_matches(s.opcodes, "^BMMA\\..*\\.AND\\.POPC")) << seen;
        EXPECT_FALSE(any_matches(s.opcodes, "XOR")) << seen;
        break;
      case Lowering::f2fp_hmma:
        EXPECT_FALSE(s.native) << seen;
        EXPECT_TRUE(any_matches(s.opcodes, "^HMMA\\.")) << seen;
        EXPECT_FALSE(any_matches(s.opcodes, "^QMMA\\.")) << seen;
        EXPECT_TRUE(any_matches(s.other_ops, "^F2FP\\..*(E4M3|E5M2)")) << seen;
        break;
    }
  }
  EXPECT_GE(checked, 50) << "too few mma.sync atoms registered for sm_90";
}

}  // namespace
}  // namespace tcb
