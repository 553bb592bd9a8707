// disassemble_arch: cuobjdump -sass takes about a minute on tcbench's 400 MB of SASS, single
// threaded; nvdisasm restricted to a few functions at a time runs on every core instead.
#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "harness/core/parallel.hpp"
#include "harness/sass/sass.hpp"
#include "harness/io/shell.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

std::string read_binary(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// "tcbench.4.sm_90a.cubin" -> "sm_90a"; "" when the name has no arch.
std::string cubin_arch(const std::string& file) {
  const size_t end = file.rfind(".cubin"), dot = file.rfind('.', end == std::string::npos ? end : end - 1);
  if (end == std::string::npos || dot == std::string::npos) return "";
  const std::string arch = file.substr(dot + 1, end - dot - 1);
  return arch.rfind("sm_", 0) == 0 ? arch : "";
}

// nvdisasm's listing re-shaped like cuobjdump's: each function's "//---- .text.<name> ----"
// banner becomes "Function : <name>", the instruction lines stay as they are.
std::string as_cuobjdump(const std::string& listing, const std::string& arch) {
  std::string out = "arch = " + arch + "\n";
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    const size_t t = line.find("--- .text.");
    if (line.rfind("//---", 0) == 0 && t != std::string::npos) {
      const size_t b = t + 10, e = line.find(' ', b);
      out += "\t\tFunction : " + line.substr(b, e == std::string::npos ? std::string::npos : e - b) + "\n";
      continue;
    }
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace

int arch_number(const std::string& arch) {
  std::string digits;
  for (char c : arch)
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  return digits.empty() ? -1 : std::stoi(digits);
}

std::vector<CubinFunction> cubin_functions(const std::string& cubin_path) {
  const std::string elf = read_binary(cubin_path);
  std::vector<CubinFunction> fns;
  if (elf.size() < sizeof(Elf64_Ehdr) || elf.compare(0, 4, ELFMAG) != 0 || elf[EI_CLASS] != ELFCLASS64) return fns;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(elf.data());
  if (eh->e_shoff + size_t(eh->e_shnum) * sizeof(Elf64_Shdr) > elf.size()) return fns;
  const auto* sh = reinterpret_cast<const Elf64_Shdr*>(elf.data() + eh->e_shoff);
  for (int s = 0; s < eh->e_shnum; ++s) {
    if (sh[s].sh_type != SHT_SYMTAB || sh[s].sh_link >= eh->e_shnum) continue;
    const Elf64_Shdr& strtab = sh[sh[s].sh_link];
    if (sh[s].sh_offset + sh[s].sh_size > elf.size() || strtab.sh_offset + strtab.sh_size > elf.size()) continue;
    const auto* sym = reinterpret_cast<const Elf64_Sym*>(elf.data() + sh[s].sh_offset);
    const size_t count = sh[s].sh_size / sizeof(Elf64_Sym);
    for (size_t i = 0; i < count; ++i) {
      if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_size == 0 || sym[i].st_name >= strtab.sh_size) continue;
      fns.push_back({unsigned(i), std::string(elf.c_str() + strtab.sh_offset + sym[i].st_name), sym[i].st_size});
    }
  }
  return fns;
}

bool disassemble_arch(const std::string& binary, int sm, std::string* text, std::string* error) {
  const std::string cuobjdump = find_tool("cuobjdump"), nvdisasm = find_tool("nvdisasm");
  if (cuobjdump.empty() || nvdisasm.empty()) return run_cuobjdump_sass(binary, text, error);
  std::error_code ec;
  if (!fs::is_regular_file(binary, ec)) return run_cuobjdump_sass(binary, text, error);  // says why
  const fs::path dir = fs::temp_directory_path() / ("tcb_cubins_" + std::to_string(::getpid()));
  fs::create_directories(dir, ec);
  struct Cleanup {
    fs::path d;
    ~Cleanup() { std::error_code e; fs::remove_all(d, e); }
  } cleanup{dir};
  std::string out, err;
  const std::string abs = fs::absolute(binary).string();
  if (run_capture("cd " + shell_quote(dir.string()) + " && " + shell_quote(cuobjdump) + " -xelf all " + shell_quote(abs),
                  &out, &err) != 0)
    return run_cuobjdump_sass(binary, text, error);

  // Work items: chunks of functions of the wanted cubins, balanced by code size.
  struct Chunk {
    std::string cubin, arch, indices;
  };
  std::vector<Chunk> chunks;
  std::vector<fs::path> cubins;
  for (const auto& e : fs::directory_iterator(dir, ec)) cubins.push_back(e.path());
  std::sort(cubins.begin(), cubins.end());
  const unsigned long long target = 1ull << 20;  // ~1 MB of code per nvdisasm call
  for (const auto& c : cubins) {
    const std::string arch = cubin_arch(c.filename().string());
    if (arch.empty() || arch_number(arch) != sm) continue;
    Chunk cur{c.string(), arch, ""};
    unsigned long long bytes = 0;
    for (const CubinFunction& f : cubin_functions(c.string())) {
      cur.indices += (cur.indices.empty() ? "" : ",") + std::to_string(f.index);
      if ((bytes += f.size) >= target) {
        chunks.push_back(cur);
        cur.indices.clear();
        bytes = 0;
      }
    }
    if (!cur.indices.empty()) chunks.push_back(cur);
  }
  if (chunks.empty()) {
    if (text) text->clear();
    return true;  // no code for this architecture
  }
  std::vector<std::string> parts(chunks.size());
  std::vector<int> status(chunks.size(), 0);
  std::vector<std::string> errs(chunks.size());
  parallel_for(chunks.size(), [&](size_t i) {
    std::string listing;
    status[i] = run_capture(shell_quote(nvdisasm) + " -c -fun " + chunks[i].indices + " " + shell_quote(chunks[i].cubin),
                            &listing, &errs[i]);
    parts[i] = as_cuobjdump(listing, chunks[i].arch);
  }, 1);
  for (size_t i = 0; i < chunks.size(); ++i)
    if (status[i] != 0) return run_cuobjdump_sass(binary, text, error);
  if (text) {
    text->clear();
    for (auto& p : parts) *text += p;
  }
  return true;
}

}  // namespace tcb
