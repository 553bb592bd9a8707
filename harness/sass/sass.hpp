// SASS inspection: disassemble a binary with cuobjdump, split the dump into kernels, and tell
// per atom and architecture which tensor-core opcodes the compiler really emitted (native) or
// whether the PTX was lowered to something else (emulated). Needs no GPU.
#pragma once
#include <string>
#include <vector>
#include "ptx/atom_info.hpp"

namespace tcb {

// Path of an executable tool (cuobjdump, nvdisasm): locate_tool's search (harness/io/shell.hpp:
// PATH, the building toolkit, $CUDA_HOME/bin, /usr/local/cuda/bin, NVIDIA's PyPI wheels). "" when none is found.
std::string find_tool(const std::string& name);

// Runs `cuobjdump -sass <binary>` and captures its standard output. nvdisasm's folder is put on
// PATH for the child (cuobjdump calls it). On failure returns false and says why in *error.
bool run_cuobjdump_sass(const std::string& binary, std::string* text, std::string* error);

// The same dump for one architecture only (sm = 90 takes the sm_90 and sm_90a cubins), made
// fast: the cubins are extracted (cuobjdump -xelf) and their functions disassembled by nvdisasm
// in chunks on every CPU thread, the output re-shaped like cuobjdump's ("arch = sm_90a",
// "Function : <mangled>") so that parse_cuobjdump_sass reads it. Falls back to
// run_cuobjdump_sass when nvdisasm is missing or a step fails.
bool disassemble_arch(const std::string& binary, int sm, std::string* text, std::string* error);

// The number of an architecture name: "sm_90a" -> 90; -1 when it has no digits.
int arch_number(const std::string& arch);

// The functions of a cubin's symbol table (ELF64 STT_FUNC with code): index, name, code bytes.
struct CubinFunction {
  unsigned index;
  std::string name;
  unsigned long long size;
};
std::vector<CubinFunction> cubin_functions(const std::string& cubin_path);

// One kernel ("Function : ...") of one embedded cubin.
struct KernelSass {
  std::string arch;       // sm_90a, from the cubin section's "arch = sm_90a" line
  std::string mangled, demangled;
  std::string atom;       // NAME of "tcb::atoms::NAME" in the demangled name; "" if none
  int ilp = 0;            // last integer template argument; 0 if none
  std::vector<std::string> tensor_opcodes;  // unique, sorted, with modifiers: HMMA.16816.F32.BF16
  std::string sass;       // the function's lines as cuobjdump printed them (header + instructions)
};

// Splits cuobjdump -sass output into kernels (lines outside any function are ignored).
std::vector<KernelSass> parse_cuobjdump_sass(const std::string& text);

// Full opcode of one SASS instruction line ("/*0090*/  @P0 HMMA.16816.F32 R4, ... ;"), without
// predicate; "" when the line holds no instruction (headers, encoding-only lines).
std::string sass_line_opcode(const std::string& line);

// True when the opcode's mnemonic (text before the first '.') is a tensor-core one:
// HMMA IMMA BMMA DMMA QMMA HGMMA IGMMA QGMMA BGMMA OMMA, and UTC*MMA (tcgen05.mma).
bool is_tensor_opcode(const std::string& opcode);

// True iff the regex (RE2 syntax, harness/core/regex.hpp) matches somewhere in some opcode; false for a
// bad regex.
bool is_native(const std::string& expected_regex, const std::vector<std::string>& opcodes);

// One atom on one architecture, over all of its kernels (ILP variants, kernel families).
struct AtomSass {
  std::string atom, arch;
  std::vector<std::string> opcodes;    // tensor-core opcodes, union over the kernels, sorted
  bool native = false;                 // some opcode matches `expected`
  std::string expected;                // AtomInfo::sass
  // Non-tensor opcodes that betray emulation (conversions, packed half arithmetic, bit tricks):
  // F2FP*, HADD2*, HFMA2*, I2F*, F2I*, I2IP*, POPC, PRMT; unique and sorted, with modifiers.
  std::vector<std::string> other_ops;
};

// One entry per (arch, atom) that has kernels, archs in sorted order and atoms in the order
// given. Left out: atoms that do not exist on the arch (AtomInfo::exists_on; their kernels only
// trap there) and kernels of atoms not in `atoms` (nothing to compare them with). An atom
// listed twice (several benchmarks sharing one instruction) appears once.
std::vector<AtomSass> summarize_sass(const std::vector<KernelSass>& kernels, const std::vector<AtomInfo>& atoms);

// The SASS facts of one architecture of `binary`: for each atom that exists on `sm`, its
// tensor-core opcodes and whether one is native. Returns false with the real reason in *why
// (cuobjdump missing, its own error message, no code for this architecture in the binary).
// Benchmarks of families without atoms (data movement, ...) are inspected by kernel name: a
// query names the benchmark, a substring of its kernels' demangled names and an RE2 regex of the
// opcodes that identify its work; the answer lists the matching opcodes found (unique, sorted)
// and native = at least one.
struct BenchmarkSassQuery {
  std::string name, kernel_substring, opcode_regex;
};
struct BenchmarkSass {
  std::string name;
  std::vector<std::string> opcodes;
  bool native = false;
};
std::vector<BenchmarkSass> summarize_sass_by_kernel(const std::vector<KernelSass>& kernels,
                                                    const std::vector<BenchmarkSassQuery>& queries, int sm);

bool inspect_binary_sass(const std::string& binary, int sm, const std::vector<AtomInfo>& atoms,
                         std::vector<AtomSass>* found, std::string* why,
                         const std::vector<BenchmarkSassQuery>& queries = {},
                         std::vector<BenchmarkSass>* found_by_kernel = nullptr);

// Writes <out_dir>/<arch>/<atom>.sass.gz (gzip: every kernel of that atom, each after its
// demangled name), <out_dir>/<arch>/opcodes.csv and <out_dir>/README.md. Throws
// std::runtime_error (or std::filesystem::filesystem_error) when a file cannot be written.
// `tcbench sass` writes into a staging folder and swaps whole <arch>/ folders into place.
void write_sass_dir(const std::string& out_dir, const std::vector<KernelSass>& kernels,
                    const std::vector<AtomSass>& summary);

// (Re)writes <dir>/README.md, listing the <arch>/ folders <dir> holds (after a swap, those of
// earlier dumps for other architectures too).
void write_sass_readme(const std::string& dir);

}  // namespace tcb
