// The energy family's benchmark lists (registered in energy.cpp), apart so the tests see them.
#pragma once
#include <string>
#include <vector>
#include "harness/core/benchmark.hpp"

namespace tcb::energy {

// The atoms whose energy per FMA is measured, by name (families/mma/registry.hpp).
const std::vector<std::string>& representative_atoms();
// The steps of each chain of that atom's loads (0 when the atom is not in this build).
long instruction_chain_steps(const std::string& atom);

core::Benchmark idle_benchmark();
std::vector<core::Benchmark> instruction_benchmarks();
std::vector<core::Benchmark> path_benchmarks();
// Every benchmark of the family, the idle baseline first.
std::vector<core::Benchmark> all_benchmarks();

}  // namespace tcb::energy
