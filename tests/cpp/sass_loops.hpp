// Reading a kernel's timed loop out of its SASS in the tests: the instructions of a kernel as
// cuobjdump or nvdisasm print them, and the loop (a backward branch and the code from its target)
// holding the most instructions of a kind. Needs no GPU.
#pragma once
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "harness/core/regex.hpp"
#include "harness/sass/sass.hpp"

namespace tcb::test {

struct SassInstr {
  unsigned long addr = 0;
  std::string op;      // full opcode, no predicate
  long target = -1;    // branch target address, for BRA
  std::string label;   // ... or its label (nvdisasm writes "BRA `(.L_x_69)")
};

// The instructions of one kernel's SASS; ptxas's never-executed padding ("@!PT LDS RZ, [RZ]")
// is left out. Branch targets are addresses (cuobjdump) or labels (nvdisasm: ".L_x_69:" before
// the instruction it names).
inline std::vector<SassInstr> sass_instructions(const std::string& sass) {
  std::vector<SassInstr> out;
  std::map<std::string, unsigned long> label_addr;
  std::vector<std::string> pending_labels;
  size_t pos = 0;
  while (pos < sass.size()) {
    size_t end = sass.find('\n', pos);
    if (end == std::string::npos) end = sass.size();
    const std::string line = sass.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind(".L_", 0) == 0 && !line.empty() && line.back() == ':') {
      pending_labels.push_back(line.substr(0, line.size() - 1));
      continue;
    }
    const std::string op = sass_line_opcode(line);
    const size_t a = line.find("/*");
    if (op.empty() || a == std::string::npos) continue;
    const unsigned long addr = std::strtoul(line.c_str() + a + 2, nullptr, 16);
    for (const auto& l : pending_labels) label_addr[l] = addr;
    pending_labels.clear();
    if (line.find("@!PT") != std::string::npos) continue;
    SassInstr in;
    in.addr = addr;
    in.op = op;
    if (op == "BRA") {
      const size_t l = line.find("(.L_");
      const size_t t = line.find("0x", line.find("BRA"));
      if (l != std::string::npos) in.label = line.substr(l + 1, line.find(')', l) - l - 1);
      else if (t != std::string::npos) in.target = std::strtol(line.c_str() + t, nullptr, 16);
    }
    out.push_back(in);
  }
  for (auto& in : out)
    if (!in.label.empty() && label_addr.count(in.label)) in.target = long(label_addr[in.label]);
  return out;
}

struct SassLoop {
  int measured = 0, others = 0;  // the back-edge branch counts as other
  std::string listing;
};

// The loop holding the most instructions that `measured` matches.
inline SassLoop busiest_loop(const std::vector<SassInstr>& code, const Regex& measured) {
  SassLoop best;
  for (size_t b = 0; b < code.size(); ++b) {
    if (code[b].target < 0 || code[b].target > long(code[b].addr)) continue;
    SassLoop body;
    for (size_t i = 0; i <= b; ++i) {
      if (long(code[i].addr) < code[b].target) continue;
      (measured.search(code[i].op) ? body.measured : body.others)++;
      body.listing += code[i].op + "; ";
    }
    if (body.measured > best.measured) best = body;
  }
  return best;
}

}  // namespace tcb::test
