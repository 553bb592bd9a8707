#include "harness/sass/sass.hpp"

#include "harness/io/gzip_file.hpp"
#include "harness/core/regex.hpp"
#include "harness/io/shell.hpp"

#include <cxxabi.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tcb {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}



std::string mnemonic(const std::string& opcode) { return opcode.substr(0, opcode.find('.')); }

// Opcodes outside the tensor cores that show an instruction was lowered to something else.
bool is_emulation_hint(const std::string& opcode) {
  static const char* const kPrefixes[] = {"F2FP", "HADD2", "HFMA2", "I2F", "F2I", "I2IP"};
  static const char* const kExact[] = {"POPC", "PRMT"};
  const std::string mn = mnemonic(opcode);
  for (const char* p : kPrefixes)
    if (starts_with(mn, p)) return true;
  for (const char* e : kExact)
    if (mn == e) return true;
  return false;
}

std::string demangle(const std::string& mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status),
                                          std::free);
  return (status == 0 && d) ? std::string(d.get()) : mangled;
}

std::string atom_of(const std::string& demangled) {
  static const Regex kAtom(R"(tcb::atoms::([A-Za-z_][A-Za-z0-9_]*))");
  static const Regex kBlackwell(R"(tcb::blackwell::(SM1[0-9]{2}_[A-Za-z0-9_]*))");  // ptx/blackwell_atoms.hpp
  std::string atom;
  if (kAtom.search(demangled, &atom)) return atom;
  return kBlackwell.search(demangled, &atom) ? atom : std::string();
}

// Last integer argument of the kernel's own template argument list:
// "void tcb::kern::mma_chain<tcb::atoms::X, 4>(tcb::ChainLaunch)" -> 4.
int ilp_of(const std::string& demangled) {
  // The parameter list is the trailing (...) group; the template list is the <...> before it.
  size_t end = demangled.find_last_not_of(' ');
  if (end == std::string::npos || demangled[end] != ')') return 0;
  int depth = 0;
  size_t i = end + 1;
  while (i-- > 0) {
    if (demangled[i] == ')') ++depth;
    else if (demangled[i] == '(' && --depth == 0) break;
  }
  if (i == 0 || i == std::string::npos || demangled[i - 1] != '>') return 0;
  const size_t close = i - 1;
  depth = 0;
  size_t open = close + 1;
  while (open-- > 0) {
    if (demangled[open] == '>') ++depth;
    else if (demangled[open] == '<' && --depth == 0) break;
  }
  if (open == std::string::npos) return 0;
  // Split at top-level commas.
  std::vector<std::string> args;
  std::string cur;
  int nest = 0;
  for (size_t j = open + 1; j < close; ++j) {
    char c = demangled[j];
    if (c == '<' || c == '(' || c == '[') ++nest;
    if (c == '>' || c == ')' || c == ']') --nest;
    if (c == ',' && nest == 0) {
      args.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  args.push_back(trim(cur));
  static const Regex kInt(R"(^-?[0-9]+[uUlL]*$)");
  for (auto it = args.rbegin(); it != args.rend(); ++it)
    if (kInt.full_match(*it)) return std::atoi(it->c_str());
  return 0;
}

// "sm_90a" -> 90, "sm_100f" -> 100; 0 when there is no number.
int arch_sm(const std::string& arch) {
  std::string digits;
  for (char c : arch)
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  return digits.empty() ? 0 : std::atoi(digits.c_str());
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string csv_field(const std::string& f) {
  if (f.find_first_of(",\"\n\r") == std::string::npos) return f;
  std::string q = "\"";
  for (char c : f) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// The function's SASS without the hex encoding words (half the size; cuobjdump keeps them).
std::string without_encodings(const std::string& sass) {
  std::string out;
  std::istringstream in(sass);
  std::string line;
  while (std::getline(in, line)) {
    const size_t semi = line.find(';');
    if (semi != std::string::npos && line.find("/* 0x", semi) != std::string::npos) line.erase(semi + 1);
    const std::string t = trim(line);
    if (starts_with(t, "/* 0x") && t.size() > 2 && t.compare(t.size() - 2, 2, "*/") == 0) continue;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("cannot write " + path.string());
  f << content;
  if (!f) throw std::runtime_error("error writing " + path.string());
}

std::string utc_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace

std::string find_tool(const std::string& name) { return locate_tool(name); }  // one search everywhere

bool run_cuobjdump_sass(const std::string& binary, std::string* text, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  const std::string cuobjdump = find_tool("cuobjdump");
  if (cuobjdump.empty()) return fail(std::string("cuobjdump not found (") + kToolSearchPlaces + ")");
  std::error_code ec;
  if (!fs::is_regular_file(binary, ec)) return fail("no such file: " + binary);

  // cuobjdump runs nvdisasm from PATH: add the folders where we found both.
  std::string path_prefix = fs::path(cuobjdump).parent_path().string();
  const std::string nvdisasm = find_tool("nvdisasm");
  if (!nvdisasm.empty()) path_prefix += ":" + fs::path(nvdisasm).parent_path().string();
  const char* old_path = std::getenv("PATH");
  const std::string env_path = path_prefix + (old_path ? ":" + std::string(old_path) : "");

  const std::string cmd = "PATH=" + shell_quote(env_path) + " " + shell_quote(cuobjdump) + " -sass " + shell_quote(binary);
  std::string out, err_text;
  const int status = run_capture(cmd, &out, &err_text);
  err_text = trim(err_text);
  if (status != 0) {
    std::string why = "cuobjdump -sass " + binary + " failed";
    if (status != -1) why += " (exit " + std::to_string(status) + ")";
    if (!err_text.empty()) why += ": " + err_text;
    return fail(why);
  }
  if (text) *text = std::move(out);
  return true;
}

std::string sass_line_opcode(const std::string& line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos || line.compare(i, 2, "/*") != 0) return "";
  i += 2;
  const size_t digits = i;
  while (i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]))) ++i;
  if (i == digits || line.compare(i, 2, "*/") != 0) return "";  // "/* 0x... */" encoding lines
  i = line.find_first_not_of(" \t", i + 2);
  if (i == std::string::npos) return "";
  if (line[i] == '@') {  // predicate: @P0, @!P1, @!UPT ...
    i = line.find_first_of(" \t", i);
    if (i == std::string::npos) return "";
    i = line.find_first_not_of(" \t", i);
    if (i == std::string::npos) return "";
  }
  const size_t end = line.find_first_of(" \t;", i);
  std::string op = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
  if (op.empty() || !std::isupper(static_cast<unsigned char>(op[0]))) return "";
  return op;
}

bool is_tensor_opcode(const std::string& opcode) {
  // UTC*MMA: tcgen05.mma (sm_100); QMMA.SF / OMMA.SF: block-scaled mma.sync (sm_120).
  static const std::set<std::string> kTensor = {"HMMA",  "IMMA",  "BMMA",    "DMMA",    "QMMA",    "HGMMA",
                                                "IGMMA", "QGMMA", "BGMMA",   "OMMA",    "UTCHMMA", "UTCQMMA",
                                                "UTCIMMA", "UTCOMMA", "UTCBMMA"};
  return kTensor.count(mnemonic(opcode)) > 0;
}

bool is_native(const std::string& expected_regex, const std::vector<std::string>& opcodes) {
  if (expected_regex.empty()) return false;
  try {
    const Regex re(expected_regex);
    for (const auto& op : opcodes)
      if (re.search(op)) return true;
  } catch (const RegexError&) {
    return false;
  }
  return false;
}

std::vector<KernelSass> parse_cuobjdump_sass(const std::string& text) {
  std::vector<KernelSass> kernels;
  std::string arch;
  KernelSass* cur = nullptr;
  std::set<std::string> ops;

  auto close = [&] {
    if (!cur) return;
    cur->tensor_opcodes.assign(ops.begin(), ops.end());
    while (!cur->sass.empty() && std::isspace(static_cast<unsigned char>(cur->sass.back()))) cur->sass.pop_back();
    cur->sass += '\n';
    cur = nullptr;
    ops.clear();
  };

  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string t = trim(line);
    if (starts_with(t, "arch =")) {
      close();
      arch = trim(t.substr(6));
      continue;
    }
    if (starts_with(t, "Fatbin ") || starts_with(t, "=====")) {  // next embedded object
      close();
      continue;
    }
    if (starts_with(t, "Function :")) {
      close();
      kernels.emplace_back();
      cur = &kernels.back();
      cur->arch = arch;
      cur->mangled = trim(t.substr(10));
      cur->demangled = demangle(cur->mangled);
      cur->atom = atom_of(cur->demangled);
      cur->ilp = ilp_of(cur->demangled);
      cur->sass = line + '\n';
      continue;
    }
    if (!cur) continue;
    cur->sass += line;
    cur->sass += '\n';
    const std::string op = sass_line_opcode(line);
    if (!op.empty() && is_tensor_opcode(op)) ops.insert(op);
  }
  close();
  return kernels;
}

std::vector<AtomSass> summarize_sass(const std::vector<KernelSass>& kernels, const std::vector<AtomInfo>& atoms) {
  std::set<std::string> archs;
  for (const auto& k : kernels)
    if (!k.atom.empty()) archs.insert(k.arch);

  std::vector<AtomSass> out;
  for (const auto& arch : archs) {
    const int sm = arch_sm(arch);
    std::set<std::string> seen;
    for (const AtomInfo& info : atoms) {
      const std::string name = info.name ? info.name : "";
      if (name.empty() || !seen.insert(name).second) continue;
      if (sm > 0 && !info.exists_on(sm)) continue;  // the kernel is a trap stub there
      std::set<std::string> tensor, other;
      bool any = false, has_trap = false;
      for (const auto& k : kernels) {
        if (k.arch != arch || k.atom != name) continue;
        any = true;
        tensor.insert(k.tensor_opcodes.begin(), k.tensor_opcodes.end());
        std::istringstream in(k.sass);
        std::string line;
        while (std::getline(in, line)) {
          const std::string op = sass_line_opcode(line);
          if (!op.empty() && is_emulation_hint(op)) other.insert(op);
          if (op.find("TRAP") != std::string::npos) has_trap = true;
        }
      }
      // A kernel with no tensor opcode and a trap is the stub an atom compiles to outside its
      // targets (tcgen05 kind::i8 in the sm_100f pass): nothing to record for this arch.
      if (!any || (tensor.empty() && has_trap)) continue;
      AtomSass s;
      s.atom = name;
      s.arch = arch;
      s.opcodes.assign(tensor.begin(), tensor.end());
      s.expected = info.sass ? info.sass : "";
      s.native = is_native(s.expected, s.opcodes);
      s.other_ops.assign(other.begin(), other.end());
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<BenchmarkSass> summarize_sass_by_kernel(const std::vector<KernelSass>& kernels,
                                                    const std::vector<BenchmarkSassQuery>& queries, int sm) {
  std::vector<BenchmarkSass> out;
  for (const auto& q : queries) {
    const Regex re(q.opcode_regex);
    std::set<std::string> ops;
    bool seen = false;
    for (const auto& k : kernels) {
      if (arch_number(k.arch) != sm || k.demangled.find(q.kernel_substring) == std::string::npos) continue;
      seen = true;
      std::istringstream lines(k.sass);
      for (std::string line; std::getline(lines, line);) {
        const std::string op = sass_line_opcode(line);
        if (!op.empty() && re.search(op)) ops.insert(op);
      }
    }
    if (seen) out.push_back({q.name, std::vector<std::string>(ops.begin(), ops.end()), !ops.empty()});
  }
  return out;
}

bool inspect_binary_sass(const std::string& binary, int sm, const std::vector<AtomInfo>& atoms,
                         std::vector<AtomSass>* found, std::string* why,
                         const std::vector<BenchmarkSassQuery>& queries, std::vector<BenchmarkSass>* found_by_kernel) {
  found->clear();
  if (find_tool("cuobjdump").empty()) {
    *why = std::string("cuobjdump not found (") + kToolSearchPlaces + ")";
    return false;
  }
  std::string text, err;
  if (!disassemble_arch(binary, sm, &text, &err)) {
    *why = "disassembly failed: " + err;
    return false;
  }
  const auto kernels = parse_cuobjdump_sass(text);
  for (auto& s : summarize_sass(kernels, atoms))
    if (arch_number(s.arch) == sm) found->push_back(std::move(s));
  if (found_by_kernel) *found_by_kernel = summarize_sass_by_kernel(kernels, queries, sm);
  if (found->empty() && (!found_by_kernel || found_by_kernel->empty())) {
    *why = fmt::format("{} holds no SASS of a benchmark kernel for sm_{}", binary, sm);
    return false;
  }
  return true;
}

void write_sass_dir(const std::string& out_dir, const std::vector<KernelSass>& kernels,
                    const std::vector<AtomSass>& summary) {
  const fs::path root(out_dir);
  fs::create_directories(root);

  // <arch>/<atom>.sass, kernels in the order cuobjdump listed them, ILP ascending.
  std::map<std::string, std::map<std::string, std::vector<const KernelSass*>>> by_arch;
  for (const auto& k : kernels)
    if (!k.atom.empty() && !k.arch.empty()) by_arch[k.arch][k.atom].push_back(&k);
  for (auto& [arch, atoms] : by_arch) {
    fs::create_directories(root / arch);
    for (auto& [atom, ks] : atoms) {
      // Group by kernel template (text before '<'), then ILP ascending.
      auto family = [](const KernelSass* k) { return k->demangled.substr(0, k->demangled.find('<')); };
      std::stable_sort(ks.begin(), ks.end(), [&](const KernelSass* a, const KernelSass* b) {
        const std::string fa = family(a), fb = family(b);
        return fa != fb ? fa < fb : a->ilp < b->ilp;
      });
      // Full text for the first (lowest-ILP) kernel of each template; the other ILP variants
      // differ only in unrolling, so they get their opcode line (keeps the committed dump small).
      std::string body, last_family;
      for (const KernelSass* k : ks) {
        body += "// " + k->demangled + "\n";
        body += "// tensor-core opcodes: " + (k->tensor_opcodes.empty() ? "none" : join(k->tensor_opcodes, ";")) + "\n";
        if (family(k) != last_family) body += without_encodings(k->sass) + "\n";
        last_family = family(k);
      }
      write_gzip_file((root / arch / (atom + ".sass.gz")).string(), body);
    }
  }

  // <arch>/opcodes.csv from the summary.
  std::map<std::string, std::string> csv;
  for (const auto& s : summary) {
    std::string& c = csv[s.arch];
    if (c.empty()) c = "atom,arch,expected,native,tensor_opcodes,other_ops\n";
    c += csv_field(s.atom) + "," + csv_field(s.arch) + "," + csv_field(s.expected) + "," +
         (s.native ? "true" : "false") + "," + csv_field(join(s.opcodes, ";")) + "," +
         csv_field(join(s.other_ops, ";")) + "\n";
  }
  for (const auto& [arch, content] : csv) {
    fs::create_directories(root / arch);
    write_file(root / arch / "opcodes.csv", content);
  }

  write_sass_readme(root.string());
}

void write_sass_readme(const std::string& dir) {
  const fs::path root(dir);
  std::map<std::string, int> atoms_per_arch;  // what the folder holds now, earlier dumps included
  for (const auto& e : fs::directory_iterator(root)) {
    if (!e.is_directory() || !fs::exists(e.path() / "opcodes.csv")) continue;
    int& n = atoms_per_arch[e.path().filename().string()];
    for (const auto& f : fs::directory_iterator(e.path()))
      if (f.path().string().size() > 8 && f.path().string().rfind(".sass.gz") == f.path().string().size() - 8) ++n;
  }
  std::string readme =
      "# SASS of the benchmark kernels\n\n"
      "Generated by `tcbench sass` (cuobjdump -sass of the tcbench binary); last written " + utc_date() + ".\n"
      "Do not edit by hand; rerun `tcbench sass --out <this folder> --force` after changing kernels or the\n"
      "toolkit (each architecture's folder is replaced whole).\n\n"
      "- `<arch>/<atom>.sass.gz`: gzip-compressed SASS of every kernel built from that atom (all ILP\n"
      "  variants), each preceded by its demangled name and the tensor-core opcodes it contains. The hex\n"
      "  encodings (with the scheduling control bits) are left out: `cuobjdump -sass` shows them.\n"
      "- `<arch>/opcodes.csv`: per atom, the expected tensor-core opcode (regex from the atom table),\n"
      "  `native` (some opcode matches it), the tensor-core opcodes found, and other opcodes that\n"
      "  point to emulation (F2FP, HADD2, HFMA2, I2F, F2I, I2IP, POPC, PRMT).\n\n"
      "Architectures:";
  for (const auto& [arch, n] : atoms_per_arch) readme += " " + arch + " (" + std::to_string(n) + " atoms)";
  readme += atoms_per_arch.empty() ? " none\n" : "\n";
  write_file(root / "README.md", readme);
}

}  // namespace tcb
