// SASS inspection: the cuobjdump parser on a real dump excerpt (tests/data/sass_sample.txt),
// native/emulated classification, the output folder, and tool lookup. Needs no GPU or CUDA tool.
#include <gtest/gtest.h>

#include "tests/cpp/test_support.hpp"
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/io/gzip_file.hpp"
#include "harness/sass/sass.hpp"
#include "ptx/mma_sync.hpp"

#ifndef TCB_TEST_DATA_DIR
#define TCB_TEST_DATA_DIR "tests/data"
#endif

namespace fs = std::filesystem;

namespace tcb {
namespace {

using tcb::test::TempDir;
using tcb::test::ScopedEnv;
using tcb::test::write_script;
using tcb::test::read_text;

std::string sample_text() {
  const std::string text = read_text(fs::path(TCB_TEST_DATA_DIR) / "sass_sample.txt");
  EXPECT_FALSE(text.empty()) << "missing " << TCB_TEST_DATA_DIR << "/sass_sample.txt";
  return text;
}

const KernelSass* find_kernel(const std::vector<KernelSass>& ks, const std::string& arch, const std::string& atom,
                              const std::string& name_part = "") {
  for (const auto& k : ks)
    if (k.arch == arch && k.atom == atom && k.demangled.find(name_part) != std::string::npos) return &k;
  return nullptr;
}

using Strings = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------

TEST(SassParse, SplitsTheRealDumpIntoKernelsPerArch) {
  const auto ks = parse_cuobjdump_sass(sample_text());
  ASSERT_EQ(ks.size(), 6u);
  EXPECT_EQ(std::count_if(ks.begin(), ks.end(), [](const KernelSass& k) { return k.arch == "sm_80"; }), 3);
  EXPECT_EQ(std::count_if(ks.begin(), ks.end(), [](const KernelSass& k) { return k.arch == "sm_90a"; }), 3);

  const KernelSass* k = find_kernel(ks, "sm_90a", "SM80_16x8x16_F32F16F16F32_TN");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->mangled, "_ZN3tcb4kern9mma_chainINS_5atoms28SM80_16x8x16_F32F16F16F32_TNELi2EEEvPK5uint4P6float4");
  EXPECT_EQ(k->demangled,
            "void tcb::kern::mma_chain<tcb::atoms::SM80_16x8x16_F32F16F16F32_TN, 2>(uint4 const*, float4*)");
  EXPECT_EQ(k->ilp, 2);
  EXPECT_EQ(k->tensor_opcodes, Strings{"HMMA.16816.F32"});
  // The function's text starts at its header and stops before the next function.
  EXPECT_EQ(k->sass.rfind("\t\tFunction : _ZN3tcb4kern9mma_chain", 0), 0u);
  EXPECT_NE(k->sass.find("HMMA.16816.F32 R12"), std::string::npos);
  EXPECT_EQ(k->sass.find("probe"), std::string::npos);
  EXPECT_EQ(k->sass.find("F2FP"), std::string::npos);
}

TEST(SassParse, FindsEmulationOfFp8OnHopperAndTrapStubsOnAmpere) {
  const auto ks = parse_cuobjdump_sass(sample_text());
  const KernelSass* hopper = find_kernel(ks, "sm_90a", "SM89_16x8x32_F32E4M3E4M3F32_TN");
  ASSERT_NE(hopper, nullptr);
  EXPECT_EQ(hopper->ilp, 1);
  // nvcc 13 lowers e4m3 mma.sync on sm_90a to F2FP unpacking + f16 HMMA (no QMMA).
  EXPECT_EQ(hopper->tensor_opcodes, Strings{"HMMA.16816.F32"});
  EXPECT_NE(hopper->sass.find("F2FP.F16.E4M3.UNPACK_B"), std::string::npos);

  const KernelSass* ampere = find_kernel(ks, "sm_80", "SM89_16x8x32_F32E4M3E4M3F32_TN");
  ASSERT_NE(ampere, nullptr);
  EXPECT_TRUE(ampere->tensor_opcodes.empty());  // only BPT.TRAP: the atom does not exist there
  EXPECT_NE(ampere->sass.find("BPT.TRAP"), std::string::npos);
}

TEST(SassParse, KernelWithoutAtomHasEmptyAtomAndNoIlp) {
  const auto ks = parse_cuobjdump_sass(sample_text());
  const KernelSass* probe = find_kernel(ks, "sm_90a", "", "probe");
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->demangled, "tcb::kern::probe(unsigned long long*)");
  EXPECT_EQ(probe->ilp, 0);
  EXPECT_TRUE(probe->tensor_opcodes.empty());
  EXPECT_NE(probe->sass.find("@!P0 EXIT"), std::string::npos);
}

TEST(SassParse, IlpIsTheLastIntegerTemplateArgument) {
  const std::string text =
      "arch = sm_90a\r\n"
      "\t\tFunction : _ZN3tcb4kern5wgmmaINS_5atoms3FooELNS_9IssueModeE1ELi4EEEvNS_11ChainLaunchE\r\n"
      "        /*0000*/                   HGMMA.64x128x16.F32.BF16 R24, gdesc[UR4], RZ, !UPT, gsb0 ; /* 0x0 */\r\n"
      "\t\tFunction : _ZN3tcb4kern3wg2INS_5atoms3FooELi8ELNS_9IssueModeE1EEEvNS_11ChainLaunchE\n"
      "\t\tFunction : _ZN3tcb4kern2fpINS_5atoms3FooELi16EEEvPFviE\n"
      "\t\tFunction : not_a_mangled_name\n";
  const auto ks = parse_cuobjdump_sass(text);
  ASSERT_EQ(ks.size(), 4u);
  EXPECT_EQ(ks[0].demangled, "void tcb::kern::wgmma<tcb::atoms::Foo, (tcb::IssueMode)1, 4>(tcb::ChainLaunch)");
  EXPECT_EQ(ks[0].atom, "Foo");
  EXPECT_EQ(ks[0].ilp, 4);
  EXPECT_EQ(ks[0].tensor_opcodes, Strings{"HGMMA.64x128x16.F32.BF16"});
  EXPECT_EQ(ks[1].ilp, 8);   // an enum argument after the int is skipped
  EXPECT_EQ(ks[2].ilp, 16);  // function-pointer parameter list
  EXPECT_EQ(ks[3].demangled, "not_a_mangled_name");
  EXPECT_EQ(ks[3].atom, "");
  EXPECT_EQ(ks[3].ilp, 0);
  for (const auto& k : ks) EXPECT_EQ(k.arch, "sm_90a");
}

TEST(SassParse, FunctionEndsAtNextFatbinSection) {
  const std::string text =
      "arch = sm_80\n"
      "\t\tFunction : _ZN3tcb4kern5probeEPy\n"
      "        /*0000*/                   IMMA.16832.S8.S8 R4, R8, R12, R4 ;\n"
      "Fatbin ptx code:\n"
      "================\n"
      "arch = sm_80\n"
      "        /*0000*/                   DMMA.884 R4, R8, R12, R4 ;\n";
  const auto ks = parse_cuobjdump_sass(text);
  ASSERT_EQ(ks.size(), 1u);
  EXPECT_EQ(ks[0].tensor_opcodes, Strings{"IMMA.16832.S8.S8"});
  EXPECT_EQ(ks[0].sass.find("DMMA"), std::string::npos);
  EXPECT_TRUE(parse_cuobjdump_sass("").empty());
}

TEST(SassParse, LineOpcode) {
  EXPECT_EQ(sass_line_opcode("        /*0090*/                   HMMA.16816.F32 R4, R8, R12, R4 ;"), "HMMA.16816.F32");
  EXPECT_EQ(sass_line_opcode("        /*0040*/              @!P0 EXIT ;     /* 0x000000000000894d */"), "EXIT");
  EXPECT_EQ(sass_line_opcode("  /*0080*/  @!UPT UIADD3 URZ, URZ, URZ, URZ ;"), "UIADD3");
  EXPECT_EQ(sass_line_opcode("  /*0020*/  BRA 0x20;   /* 0xfffffff000007947 */"), "BRA");
  EXPECT_EQ(sass_line_opcode("  /*1170*/  NOP;"), "NOP");
  EXPECT_EQ(sass_line_opcode("                                            /* 0x000fe40000000f00 */"), "");
  EXPECT_EQ(sass_line_opcode("\t.headerflags\t@\"EF_CUDA_SM80\""), "");
  EXPECT_EQ(sass_line_opcode("\t\tFunction : _ZN3tcb4kern5probeEPy"), "");
  EXPECT_EQ(sass_line_opcode("\t\t.........."), "");
}

TEST(SassParse, TensorMnemonics) {
  for (const char* op : {"HMMA.16816.F32.BF16", "IMMA.16832.S8.S8", "BMMA.168256.AND.POPC", "DMMA.8x8x4",
                         "QMMA.16832.F32.E4M3.E4M3", "HGMMA.64x128x16.F32", "IGMMA.64x64x32.S8.S8",
                         "QGMMA.64x64x32.F32.E4M3.E4M3", "BGMMA.64x64x256.AND.POPC", "OMMA.SF.16864"})
    EXPECT_TRUE(is_tensor_opcode(op)) << op;
  for (const char* op : {"HFMA2.MMA", "HADD2.F32", "F2FP.F16.E4M3.UNPACK_B", "IMAD.MOV.U32", "POPC", "HMMAX"})
    EXPECT_FALSE(is_tensor_opcode(op)) << op;
}

TEST(SassNative, MatchesTheAtomTableRegexes) {
  const std::string f32 = atoms::SM80_16x8x16_F32F16F16F32_TN::info.sass;
  EXPECT_TRUE(is_native(f32, {"HMMA.16816.F32"}));
  EXPECT_FALSE(is_native(f32, {"HMMA.16816.F32.BF16"}));  // anchored: bf16 is not f16
  EXPECT_FALSE(is_native(f32, {}));
  EXPECT_TRUE(is_native(atoms::SM80_16x8x16_F32BF16BF16F32_TN::info.sass, {"IMAD", "HMMA.16816.F32.BF16"}));
  EXPECT_TRUE(is_native(atoms::SM80_8x8x4_F64F64F64F64_TN::info.sass, {"DMMA.8x8x4"}));  // sm_90 spelling
  EXPECT_TRUE(is_native(atoms::SM80_8x8x4_F64F64F64F64_TN::info.sass, {"DMMA.884"}));    // sm_80 spelling
  EXPECT_FALSE(is_native(atoms::SM80_16x8x32_S32S4S4S32_TN::info.sass, {"IMMA.16816.S8.S8"}));
  EXPECT_FALSE(is_native(atoms::SM80_16x8x128_S32U1U1S32_TN_XORPOPC::info.sass, {"BMMA.168128.AND.POPC"}));
  EXPECT_FALSE(is_native("(unclosed", {"HMMA.16816.F32"}));
  EXPECT_FALSE(is_native("", {"HMMA.16816.F32"}));
}

TEST(SassSummary, UnionPerAtomAndArchWithEmulationHints) {
  const auto ks = parse_cuobjdump_sass(sample_text());
  const std::vector<AtomInfo> atoms = {atoms::SM80_16x8x16_F32F16F16F32_TN::info,
                                       atoms::SM89_16x8x32_F32E4M3E4M3F32_TN::info,
                                       atoms::SM80_16x8x16_F32F16F16F32_TN::info,     // listed twice
                                       atoms::SM80_16x8x16_F32BF16BF16F32_TN::info};  // no kernels
  const auto s = summarize_sass(ks, atoms);
  // sm_80: the fp8 atom does not exist there (its kernel is a trap stub), so it is left out.
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].arch, "sm_80");
  EXPECT_EQ(s[0].atom, "SM80_16x8x16_F32F16F16F32_TN");
  EXPECT_TRUE(s[0].native);
  EXPECT_EQ(s[0].opcodes, Strings{"HMMA.16816.F32"});
  EXPECT_EQ(s[0].expected, atoms::SM80_16x8x16_F32F16F16F32_TN::info.sass);
  EXPECT_TRUE(s[0].other_ops.empty());

  EXPECT_EQ(s[1].arch, "sm_90a");
  EXPECT_EQ(s[1].atom, "SM80_16x8x16_F32F16F16F32_TN");
  EXPECT_TRUE(s[1].native);

  EXPECT_EQ(s[2].arch, "sm_90a");
  EXPECT_EQ(s[2].atom, "SM89_16x8x32_F32E4M3E4M3F32_TN");
  EXPECT_FALSE(s[2].native);  // expects QMMA, got F2FP + HMMA
  EXPECT_EQ(s[2].opcodes, Strings{"HMMA.16816.F32"});
  EXPECT_EQ(s[2].other_ops, Strings{"F2FP.F16.E4M3.UNPACK_B"});
}

TEST(SassSummary, OpcodesAreTheUnionOverIlpVariants) {
  const std::string text =
      "arch = sm_90a\n"
      "\t\tFunction : _ZN3tcb4kern9mma_chainINS_5atoms28SM80_16x8x16_F32F16F16F32_TNELi1EEEvNS_11ChainLaunchE\n"
      "        /*0000*/                   HMMA.16816.F32 R4, R8, R12, R4 ;\n"
      "        /*0010*/                   PRMT R3, R2, 0x7610, R3 ;\n"
      "\t\tFunction : _ZN3tcb4kern9mma_chainINS_5atoms28SM80_16x8x16_F32F16F16F32_TNELi2EEEvNS_11ChainLaunchE\n"
      "        /*0000*/               @P0 HMMA.1688.F32 R4, R8, R12, R4 ;\n"
      "        /*0010*/                   HFMA2.MMA R3, -RZ, RZ, 0, 0 ;\n"
      "        /*0020*/                   I2FP.F32.S32 R3, R3 ;\n";
  const auto s = summarize_sass(parse_cuobjdump_sass(text), {atoms::SM80_16x8x16_F32F16F16F32_TN::info});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcodes, (Strings{"HMMA.16816.F32", "HMMA.1688.F32"}));
  EXPECT_EQ(s[0].other_ops, (Strings{"HFMA2.MMA", "I2FP.F32.S32", "PRMT"}));
}

TEST(SassWrite, WritesPerArchDumpsCsvAndReadme) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path.empty());
  const auto ks = parse_cuobjdump_sass(sample_text());
  const auto s = summarize_sass(ks, {atoms::SM80_16x8x16_F32F16F16F32_TN::info,
                                     atoms::SM89_16x8x32_F32E4M3E4M3F32_TN::info});
  const fs::path out = tmp.path / "sass";
  write_sass_dir(out.string(), ks, s);

  EXPECT_TRUE(fs::exists(out / "README.md"));
  const std::string readme = read_text(out / "README.md");
  EXPECT_NE(readme.find("tcbench sass"), std::string::npos);

  const std::string dump = read_gzip_file((out / "sm_90a" / "SM89_16x8x32_F32E4M3E4M3F32_TN.sass.gz").string());
  EXPECT_NE(dump.find("// void tcb::kern::mma_chain<tcb::atoms::SM89_16x8x32_F32E4M3E4M3F32_TN, 1>"),
            std::string::npos);
  EXPECT_NE(dump.find("F2FP.F16.E4M3.UNPACK_B R14, R12 ;"), std::string::npos);
  EXPECT_EQ(dump.find("/* 0x"), std::string::npos);  // hex encodings are left out
  EXPECT_TRUE(fs::exists(out / "sm_80" / "SM80_16x8x16_F32F16F16F32_TN.sass.gz"));
  EXPECT_FALSE(fs::exists(out / "sm_90a" / ".sass.gz"));  // the probe kernel has no atom

  const std::string csv = read_text(out / "sm_90a" / "opcodes.csv");
  std::istringstream lines(csv);
  std::string header, row1, row2, extra;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  EXPECT_EQ(header, "atom,arch,expected,native,tensor_opcodes,other_ops");
  EXPECT_EQ(row1, std::string("SM80_16x8x16_F32F16F16F32_TN,sm_90a,") +
                      atoms::SM80_16x8x16_F32F16F16F32_TN::info.sass + ",true,HMMA.16816.F32,");
  EXPECT_EQ(row2, std::string("SM89_16x8x32_F32E4M3E4M3F32_TN,sm_90a,") +
                      atoms::SM89_16x8x32_F32E4M3E4M3F32_TN::info.sass +
                      ",false,HMMA.16816.F32,F2FP.F16.E4M3.UNPACK_B");
  EXPECT_FALSE(std::getline(lines, extra) && !extra.empty());
  EXPECT_TRUE(fs::exists(out / "sm_80" / "opcodes.csv"));
}

TEST(SassTools, FindToolSearchesPathFirst) {
  TempDir tmp;
  write_script(tmp.path / "cuobjdump", "exit 0");
  write_script(tmp.path / "nvdisasm", "exit 0", /*executable=*/false);
  ScopedEnv path("PATH", tmp.path.string() + ":/usr/bin:/bin");
  ScopedEnv cuda("CUDA_HOME", (tmp.path / "nowhere").string());
  EXPECT_EQ(find_tool("cuobjdump"), (tmp.path / "cuobjdump").string());
  EXPECT_NE(find_tool("nvdisasm"), (tmp.path / "nvdisasm").string());  // not executable
  EXPECT_EQ(find_tool("tcb-no-such-tool-xyz"), "");
  EXPECT_EQ(find_tool(""), "");
}

TEST(SassTools, FindToolFallsBackToCudaHome) {
  TempDir tmp;
  fs::create_directories(tmp.path / "cuda" / "bin");
  write_script(tmp.path / "cuda" / "bin" / "tcb-fake-tool", "exit 0");
  ScopedEnv path("PATH", "/usr/bin:/bin");
  ScopedEnv cuda("CUDA_HOME", (tmp.path / "cuda").string());
  EXPECT_EQ(find_tool("tcb-fake-tool"), (tmp.path / "cuda" / "bin" / "tcb-fake-tool").string());
}

TEST(SassTools, RunCuobjdumpCapturesStdoutAndReportsFailure) {
  TempDir tmp;
  const fs::path binary = tmp.path / "fake_binary";
  std::ofstream(binary) << "not an ELF";
  const fs::path sample = fs::path(TCB_TEST_DATA_DIR) / "sass_sample.txt";
  // A stand-in cuobjdump: checks its arguments, prints the sample, warns on stderr.
  write_script(tmp.path / "cuobjdump",
               "[ \"$1\" = -sass ] || exit 3\n[ -f \"$2\" ] || exit 4\necho 'a warning' >&2\ncat '" +
                   sample.string() + "'");
  ScopedEnv path("PATH", tmp.path.string() + ":/usr/bin:/bin");

  std::string text, err;
  ASSERT_TRUE(run_cuobjdump_sass(binary.string(), &text, &err)) << err;
  EXPECT_EQ(text, read_text(sample));  // stderr is kept out of the disassembly
  EXPECT_EQ(parse_cuobjdump_sass(text).size(), 6u);

  EXPECT_FALSE(run_cuobjdump_sass((tmp.path / "missing").string(), &text, &err));
  EXPECT_NE(err.find("no such file"), std::string::npos) << err;

  write_script(tmp.path / "cuobjdump", "echo 'cuobjdump info    : File does not contain device code' >&2\nexit 1");
  EXPECT_FALSE(run_cuobjdump_sass(binary.string(), &text, &err));
  EXPECT_NE(err.find("does not contain device code"), std::string::npos) << err;
  EXPECT_NE(err.find("exit 1"), std::string::npos) << err;
}

TEST(SassTools, RunCuobjdumpWithoutTool) {
  TempDir tmp;
  ScopedEnv path("PATH", tmp.path.string());
  ScopedEnv cuda("CUDA_HOME", (tmp.path / "nowhere").string());
  if (!find_tool("cuobjdump").empty()) GTEST_SKIP() << "cuobjdump installed in /usr/local/cuda/bin";
  std::string text, err;
  EXPECT_FALSE(run_cuobjdump_sass("/bin/sh", &text, &err));
  EXPECT_NE(err.find("cuobjdump not found"), std::string::npos) << err;
}

}  // namespace
}  // namespace tcb
