#include "harness/core/benchmark.hpp"

#include <algorithm>
#include <map>

namespace tcb::core {
namespace {

struct Registered {
  std::string family;
  FamilyProvider provider;
  bool test_only;
  bool own_sweep;
};

// Function-local statics: registrars run during static initialisation in any order.
std::vector<Registered>& registered() {
  static std::vector<Registered> r;
  return r;
}

// The providers' benchmarks in registration order: static initialisation follows the link
// order of the family libraries (families/CMakeLists.txt), so the sweep order is fixed.
std::vector<Benchmark> collect(bool test_only) {
  std::vector<Benchmark> out;
  for (const auto& f : registered())
    if (f.test_only == test_only)
      for (auto& b : f.provider()) out.push_back(std::move(b));
  return out;
}

}  // namespace

FamilyRegistrar::FamilyRegistrar(const char* family, FamilyProvider provider, bool test_only, bool own_sweep) {
  registered().push_back({family, provider, test_only, own_sweep});
}

const std::vector<Benchmark>& benchmarks() {
  static const std::vector<Benchmark> all = collect(false);
  return all;
}

const std::vector<Benchmark>& test_benchmarks() {
  static const std::vector<Benchmark> all = collect(true);
  return all;
}

std::vector<std::string> family_names(bool include_test) {
  std::vector<std::string> out;
  for (const auto& r : registered())
    if ((include_test || !r.test_only) && std::find(out.begin(), out.end(), r.family) == out.end())
      out.push_back(r.family);
  return out;
}

std::vector<std::string> default_family_names() {
  std::vector<std::string> out;
  for (const auto& r : registered())
    if (!r.test_only && !r.own_sweep && std::find(out.begin(), out.end(), r.family) == out.end())
      out.push_back(r.family);
  return out;
}

}  // namespace tcb::core
