#include "families/mma/registry.hpp"

namespace tcb {

std::vector<Benchmark>& registry() {
  static std::vector<Benchmark> benchmarks;  // function-local: safe from init-order issues
  return benchmarks;
}

}  // namespace tcb
