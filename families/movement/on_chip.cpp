// The on-chip half of the data-movement family: the lists of on_chip.hpp, joined.
#include "families/movement/on_chip.hpp"

#include "families/movement/common.cuh"
#include "families/movement/movement.hpp"

namespace tcb::movement {

core::Benchmark movement_benchmark(const std::string& atom, const std::string& ptx, int min_sm, const void* kernel,
                                   const std::string& sass_kernel, const std::string& sass_opcodes,
                                   std::function<void(core::State&)> run) {
  core::Benchmark b;
  b.row.family = "movement";
  b.row.atom = atom;
  b.row.ptx = ptx;
  b.table = "movement";
  b.min_sm = min_sm;  // the arch range; needs_sm also checks the code this build holds
  b.unsupported = needs_sm(min_sm, ptx, kernel);
  b.run = std::move(run);
  b.sass_kernel = sass_kernel;
  b.sass_opcodes = sass_opcodes;
  return b;
}

std::vector<core::Benchmark> on_chip_benchmarks() {
  std::vector<core::Benchmark> out;
  for (auto list : {smem_benchmarks, matrix_benchmarks, cp_async_benchmarks, dsmem_benchmarks})
    for (auto& b : list()) out.push_back(std::move(b));
  return out;
}

}  // namespace tcb::movement
