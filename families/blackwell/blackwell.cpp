// The Blackwell family: tcgen05.mma (sm_100a / sm_100f) and block-scaled mma.sync (sm_120a /
// sm_120f), one benchmark per atom of ptx/blackwell_atoms.hpp. Unmeasured: no run on such a GPU
// exists yet, so every row says so. Each run verifies the accumulator (all-ones inputs, unit
// scales: steps x K everywhere) and reports the cycles per dependent step from clock64.
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

#include "families/blackwell/kernels.hpp"
#include "harness/core/state.hpp"
#include "harness/device/kernel_support.hpp"

namespace tcb::blackwell {

// Kernel tables are compiled only where the build has targets in their range (CMakeLists.txt).
#ifndef TCB_HAVE_TCGEN05
const KernelEntry kTcgen05Kernels[] = {{"", nullptr, nullptr}};
const int kTcgen05KernelCount = 0;
#endif
#ifndef TCB_HAVE_BLOCK_SCALE
const KernelEntry kBlockScaleKernels[] = {{"", nullptr, nullptr}};
const int kBlockScaleKernelCount = 0;
#endif

namespace {

constexpr const char* kUnmeasured = "unmeasured: no run on a GPU of this architecture exists yet";

struct AtomRow {
  const char* atom;
  const char* ptx;
  int m, n, k;
  const char *d, *a, *b, *c;
  int min_sm, max_sm;
  const char* sass;  // RE2 regex of the opcode that identifies the work
  const KernelEntry* (*table)(int* count);
};

const KernelEntry* tcgen05_table(int* n) { *n = kTcgen05KernelCount; return kTcgen05Kernels; }
const KernelEntry* block_scale_table(int* n) { *n = kBlockScaleKernelCount; return kBlockScaleKernels; }

// sm_100f code runs on the sm_100 family (sm_100, sm_103); kind::i8 exists on sm_100a only.
const AtomRow kAtoms[] = {
    {"SM100_128x128x16_F32F16F16_SS", "tcgen05.mma.cta_group::1.kind::f16", 128, 128, 16, "f32", "f16", "f16", "f32",
     100, 103, "^UTCHMMA", tcgen05_table},
    {"SM100_128x128x8_F32TF32TF32_SS", "tcgen05.mma.cta_group::1.kind::tf32", 128, 128, 8, "f32", "tf32", "tf32",
     "f32", 100, 103, "^UTCHMMA", tcgen05_table},
    {"SM100_128x128x32_F32E4M3E4M3_SS", "tcgen05.mma.cta_group::1.kind::f8f6f4", 128, 128, 32, "f32", "e4m3", "e4m3",
     "f32", 100, 103, "^UTCQMMA", tcgen05_table},
    {"SM100_128x128x32_S32S8S8_SS", "tcgen05.mma.cta_group::1.kind::i8", 128, 128, 32, "s32", "s8", "s8", "s32", 100,
     100, "^UTCIMMA", tcgen05_table},
    {"SM120_16x8x32_F32E4M3E4M3F32_UE8M0",
     "mma.sync.aligned.m16n8k32.row.col.kind::mxf8f6f4.block_scale.scale_vec::1X.f32.e4m3.e4m3.f32.ue8m0", 16, 8, 32,
     "f32", "e4m3", "e4m3", "f32", 120, 121, "^QMMA\\.SF", block_scale_table},
    {"SM120_16x8x64_F32E2M1E2M1F32_UE8M0",
     "mma.sync.aligned.m16n8k64.row.col.kind::mxf4.block_scale.scale_vec::2X.f32.e2m1.e2m1.f32.ue8m0", 16, 8, 64,
     "f32", "e2m1", "e2m1", "f32", 120, 121, "^OMMA\\.SF.*\\.E8", block_scale_table},
    {"SM120_16x8x64_F32E2M1E2M1F32_UE4M3",
     "mma.sync.aligned.m16n8k64.row.col.kind::mxf4nvf4.block_scale.scale_vec::4X.f32.e2m1.e2m1.f32.ue4m3", 16, 8, 64,
     "f32", "e2m1", "e2m1", "f32", 120, 121, "^OMMA\\.SF.*UE4M3", block_scale_table},
};

const KernelEntry* find_kernel(const AtomRow& a) {
  int n = 0;
  const KernelEntry* t = a.table(&n);
  for (int i = 0; i < n; ++i)
    if (std::strcmp(t[i].atom, a.atom) == 0) return &t[i];
  return nullptr;
}

void run_chain(core::State& state, const AtomRow& a, const KernelEntry& k) {
  constexpr int kSteps = 64, kLaunches = 5;
  ChainResult* out = nullptr;
  core::State::check(cudaMalloc(&out, sizeof(ChainResult)), "cudaMalloc");
  core::Figure f;
  f.metric = "latency_cycles";
  f.unit = "cycles";
  f.warps_per_sm = a.m == 128 ? 4 : 1;
  f.ilp = 1;
  f.params = fmt::format("steps={}", kSteps);
  f.bound_unknown_is_a_note = true;
  f.verified = true;
  f.notes.push_back(kUnmeasured);
  f.notes.push_back(a.m == 128 ? "cycles from the first tcgen05.mma issue to the mbarrier completion of the chain, per step"
                               : "cycles of the dependent mma.sync chain, per step");
  for (int i = 0; i < kLaunches; ++i) {
    ChainResult h{};
    core::State::check(cudaMemsetAsync(out, 0, sizeof(ChainResult), state.stream()), "cudaMemsetAsync");
    core::State::check(k.launch(kSteps, out, state.stream()), a.atom);
    state.wait(a.atom);
    core::State::check(cudaMemcpy(&h, out, sizeof h, cudaMemcpyDeviceToHost), "cudaMemcpy");
    if (h.mismatches) {
      f.verified = false;
      f.notes.push_back(fmt::format("{} accumulator elements differ from {} (one reads {})", h.mismatches,
                                    kSteps * a.k, h.first));
    }
    f.samples.push_back({static_cast<double>(h.cycles) / kSteps, 0, false, false});
  }
  cudaFree(out);
  state.report(f);
}

std::vector<core::Benchmark> benchmarks() {
  std::vector<core::Benchmark> out;
  for (const AtomRow& a : kAtoms) {
    core::Benchmark b;
    b.row.family = "blackwell";
    b.row.atom = a.atom;
    b.row.ptx = a.ptx;
    b.row.m = a.m;
    b.row.n = a.n;
    b.row.k = a.k;
    b.row.d_type = a.d;
    b.row.a_type = a.a;
    b.row.b_type = a.b;
    b.row.c_type = a.c;
    b.min_sm = a.min_sm;
    b.max_sm = a.max_sm;
    b.arch_specific = true;
    b.measured = false;
    b.sass_kernel = a.atom;
    b.sass_opcodes = a.sass;
    const KernelEntry* k = find_kernel(a);
    const std::string ptx = a.ptx, atom = a.atom;
    const int min_sm = a.min_sm;
    b.unsupported = [k, ptx, atom, min_sm](const DeviceInfo& d) -> std::string {
      if (!k) return fmt::format("this build has no code for {} (built for {})", atom, TCB_BUILT_ARCHS);
      return kernel_support_problem(d, min_sm, ptx, k->kernel);
    };
    const AtomRow* ap = &a;
    b.run = [ap, k](core::State& s) { run_chain(s, *ap, *k); };
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace
}  // namespace tcb::blackwell

TCB_REGISTER_FAMILY(blackwell, "blackwell", &tcb::blackwell::benchmarks);
