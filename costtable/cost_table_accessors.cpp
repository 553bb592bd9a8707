// The CostTable member functions: look-ups an optimizer needs first.
#include <algorithm>

#include "tcbench/cost_table.hpp"

namespace tcbench {

const Instruction* CostTable::find_instruction(std::string_view atom) const {
  auto it = std::find_if(instructions.begin(), instructions.end(),
                         [&](const Instruction& i) { return i.atom == atom; });
  return it == instructions.end() ? nullptr : &*it;
}

std::vector<const Instruction*> CostTable::find_instructions(std::string_view family, std::string_view a_type) const {
  std::vector<const Instruction*> out;
  for (const Instruction& i : instructions)
    if ((family.empty() || i.family == family) && (a_type.empty() || i.types.a == a_type)) out.push_back(&i);
  return out;
}

std::optional<double> CostTable::best_dense_tflops(std::string_view a_type) const {
  std::optional<double> best;
  for (const Instruction* i : find_instructions({}, a_type))
    if (!i->sparse && i->tflops && (!best || *i->tflops > *best)) best = i->tflops;
  return best;
}

const MemoryLevel* CostTable::level(std::string_view name) const {
  if (std::find(kMemoryLevelNames.begin(), kMemoryLevelNames.end(), name) == kMemoryLevelNames.end()) {
    std::string names;
    for (std::string_view known : kMemoryLevelNames) names += (names.empty() ? "" : ", ") + std::string(known);
    throw std::invalid_argument("no memory level \"" + std::string(name) + "\" in the cost table schema (" + names +
                                ")");
  }
  auto it = movement.levels.find(std::string(name));
  return it == movement.levels.end() ? nullptr : &it->second;
}

}  // namespace tcbench
