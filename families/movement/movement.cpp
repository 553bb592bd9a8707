// Registers the data-movement family (the one line that makes it part of every sweep).
#include "families/movement/movement.hpp"

namespace tcb::movement {
namespace {

std::vector<core::Benchmark> all_benchmarks() {
  std::vector<core::Benchmark> out = on_chip_benchmarks();
  for (auto& b : off_chip_benchmarks()) out.push_back(std::move(b));
  return out;
}

}  // namespace
}  // namespace tcb::movement

TCB_REGISTER_FAMILY(movement, "movement", &tcb::movement::all_benchmarks);
