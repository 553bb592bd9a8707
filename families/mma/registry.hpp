// The benchmark registry: every atom's kernel instantiations register themselves here
// (static initialisers in families/mma/kernels/*.cu), so the CLI, runner and SASS checks see one list.
#pragma once
#include <cuda_runtime.h>
#include <string>
#include <vector>
#include "harness/core/timing.cuh"
#include "ptx/atom_info.hpp"

namespace tcb {

// How a benchmark's kernel takes its operands and gives back D.
enum class OperandForm : uint8_t {
  lane_registers,  // per-lane fragment registers packed on the host (mma.sync, mma.sp)
  matrices,        // whole matrices in global memory; the kernel stores D as a matrix (wmma, wgmma)
};

// What a launch measures; kernels that support only `pipelined` ignore the field.
enum class IssueMode : uint8_t {
  pipelined,       // back-to-back dependent instructions, one wait at the end (interval, throughput)
  wait_each,       // wait for completion after every instruction (wgmma completion latency)
};

// Arguments of one chain-kernel launch (families/mma/kernels/mma_chain.cuh and the other families).
struct ChainLaunch {
  int blocks = 1;
  int warps_per_block = 1;
  long steps = 1;             // mma steps per chain
  int ilp = 1;                // independent chains per warp
  const void* a_regs = nullptr;      // device: 32 lanes x A registers (raw)
  const void* b_regs = nullptr;
  const void* b_neg_regs = nullptr;
  const void* c_regs = nullptr;
  const void* e_regs = nullptr;      // device: 32 lanes x sparsity-metadata registers (mma.sp)
  // OperandForm::matrices: packed element bits; A is m x k row-major, B is n x k (each column
  // of B contiguous along k, i.e. "col-major" B), C is m x n row-major.
  const void* a_mat = nullptr;
  const void* b_mat = nullptr;
  const void* b_neg_mat = nullptr;
  const void* c_mat = nullptr;
  // Per-block operand sets (the numeric probes batch many cases into one launch): block b reads
  // A, B (and -B), C at base + b * stride bytes. 0: every block shares one set (the sweeps).
  size_t block_stride_a = 0, block_stride_b = 0, block_stride_c = 0;
  IssueMode issue = IssueMode::pipelined;
  bool opaque_operands = false;      // vary B per step and chain (instructions ptxas emulates)
  unsigned opaque_zero = 0;          // always 0; the compiler cannot know (see mma_chain.cuh)
  // lane_registers: [block][warp][chain][lane][D regs]; matrices: [block][unit][chain][m x n D]
  void* d_out = nullptr;
  unsigned long long* timing = nullptr;  // device: per block {clock start, clock end, ns start, ns end, smid}
};

// Block `blockIdx`'s operand set at `base` (see ChainLaunch::block_stride_*).
template <class T = void>
__host__ __device__ inline const T* block_operand(const void* base, size_t stride, unsigned block) {
  return reinterpret_cast<const T*>(static_cast<const char*>(base) + size_t(block) * stride);
}

// What one step of a benchmark's chain does (wmma measures its loads and stores apart).
enum class Work : uint8_t { mma, load_a, load_b, load_c, store_d };
constexpr const char* work_name(Work w) {
  switch (w) {
    case Work::mma: return "mma";
    case Work::load_a: return "load_a";
    case Work::load_b: return "load_b";
    case Work::load_c: return "load_c";
    case Work::store_d: return "store_d";
  }
  return "?";
}

struct Benchmark {
  AtomInfo info;
  Work work = Work::mma;
  int bytes_per_step = 0;      // load/store work: bytes one warp moves per step
  OperandForm form = OperandForm::lane_registers;
  int threads_per_unit = 32;   // a unit is a warp (mma.sync, wmma) or a warpgroup (wgmma)
  int smem_bytes = 0;          // dynamic shared memory per block
  std::vector<int> ilps;                                   // compiled ILP variants
  cudaError_t (*launch)(const ChainLaunch&, cudaStream_t);  // picks the kernel for launch.ilp
  const void* (*kernel)(int ilp);                          // for cudaFuncGetAttributes
};

// The family a benchmark is selected and reported under: "mma.sync", "mma.sp", "wmma", "wgmma".
inline std::string benchmark_family(const Benchmark& b) { return family_name(b.info.family); }

std::vector<Benchmark>& registry();
struct Registrar {
  explicit Registrar(const Benchmark& b) { registry().push_back(b); }
};

}  // namespace tcb
