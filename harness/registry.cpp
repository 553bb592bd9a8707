#include "harness/registry.hpp"

namespace tcb {

std::vector<Benchmark>& registry() {
  static std::vector<Benchmark> benchmarks;  // function-local: safe from init-order issues
  return benchmarks;
}

std::vector<Benchmark>& test_registry() {
  static std::vector<Benchmark> benchmarks;
  return benchmarks;
}

}  // namespace tcb
