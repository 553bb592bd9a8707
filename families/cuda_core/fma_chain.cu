// The CUDA-core FMA chains: the kernel (ILP independent chains per thread, each x <- fma(x, x, c))
// and the run function of each instruction: latency from one warp's chains at two lengths,
// throughput over the config's warps x ILP grid with every SM busy, and every launch's chains
// checked bit for bit against the host reference. docs/cuda_core.md.
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "families/cuda_core/cuda_core.hpp"
#include "families/cuda_core/fma_ops.cuh"
#include "families/cuda_core/peaks.hpp"
#include "harness/core/check.hpp"
#include "harness/device/kernel_support.hpp"
#include "families/cuda_core/reference.hpp"
#include "harness/core/state.hpp"
#include "harness/core/stats.hpp"
#include "harness/core/timing.cuh"

namespace tcb::cuda_core {

constexpr int kMaxIlp = 8;
constexpr int kChains = 32 * kMaxIlp;  // distinct chains, one per (ILP slot, lane): every warp runs the same
constexpr int kMaxBlockThreads = 1024;

namespace kern {

using ::tcb::kern::BlockTimer;

// Thread t runs ILP chains from start[j * 32 + lane] for `steps` steps (a multiple of the unroll)
// and writes their ends to out[t * ILP + j]. Two blocks of 1024 threads must fit on one SM (64
// warps): __launch_bounds__ caps the registers at 32, which 8 f64 chains still fit.
template <class Op, int ILP>
__global__ void __launch_bounds__(kMaxBlockThreads, 2)
    fma_chain(const typename Op::Reg* __restrict__ start, typename Op::Reg c, int steps,
              typename Op::Reg* __restrict__ out, unsigned long long* timing) {
  using Reg = typename Op::Reg;
  constexpr int kUnroll = unroll_for(ILP);
  const int lane = threadIdx.x & 31;
  Reg x[ILP];
  bool all_ones = false;  // never: an all-ones register is a NaN, and no start is one
#pragma unroll
  for (int j = 0; j < ILP; ++j) {
    x[j] = start[j * 32 + lane];
    all_ones |= x[j] == static_cast<Reg>(~Reg(0));
  }
  // Reading every start before the clock does: the loads' latency stays out of the timed region.
  if (__syncthreads_or(all_ones)) return;
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int s = 0; s < steps; s += kUnroll) {
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
#pragma unroll
      for (int j = 0; j < ILP; ++j) x[j] = Op::fma(x[j], c);
    }
  }
  timer.stop(timing);
  const size_t t = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
#pragma unroll
  for (int j = 0; j < ILP; ++j) out[t * ILP + j] = x[j];
}

}  // namespace kern

long throughput_chain_steps(long config_steps) {
  const long unit = unroll_for(1);
  return std::max<long>(1, (config_steps * kStepsPerMmaStep + unit - 1) / unit) * unit;
}

namespace {

using core::Figure;
using core::LaunchTiming;
using core::State;

template <class Op>
using Kernel = void (*)(const typename Op::Reg*, typename Op::Reg, int, typename Op::Reg*, unsigned long long*);

template <class Op>
Kernel<Op> kernel_for(int ilp) {
  switch (ilp) {
    case 1: return kern::fma_chain<Op, 1>;
    case 2: return kern::fma_chain<Op, 2>;
    case 4: return kern::fma_chain<Op, 4>;
    case 8: return kern::fma_chain<Op, 8>;
  }
  return nullptr;
}

// The constant c of every chain: -1.9, and -1.7 in the high half of the 16-bit pairs (a second
// orbit, so that the two halves fall into cycles of different lengths).
uint64_t chain_constant(DType t) {
  const double c[2] = {-1.9, -1.7};
  return register_of(t, c);
}

// Chain k's start (k = ILP slot x 32 + lane): values drawn in [-1.5, 1.5] from the run's seed.
std::vector<uint64_t> chain_starts(DType t, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0xc0dec0decafeULL);
  std::uniform_real_distribution<double> draw(-1.5, 1.5);
  std::vector<uint64_t> out(kChains);
  for (auto& s : out) {
    const double v[2] = {draw(rng), draw(rng)};
    s = register_of(t, v);
  }
  return out;
}

using core::Check;  // harness/core/check.hpp

template <class Op>
class FmaRun {
  using Reg = typename Op::Reg;

 public:
  explicit FmaRun(State& state)
      : st_(state), cfg_(state.config()), c_(chain_constant(Op::type)), starts_(chain_starts(Op::type, state.seed())) {}

  void run() {
    const core::SassFacts* sass = st_.sass();
    if (st_.sass_inspected() && sass && !sass->native) {
      std::string& note = st_.base_row().note;
      note += (note.empty() ? "" : "; ") + fmt::format("no opcode matching {} in the kernel's SASS", Op::sass);
    }
    std::vector<Reg> starts(starts_.begin(), starts_.end());
    d_starts_ = static_cast<Reg*>(upload("cuda_core.starts", starts.data(), starts.size() * sizeof(Reg)));
    if (cfg_.latency && !st_.stop_requested()) latency();
    if (cfg_.throughput && !st_.stop_requested()) throughput_grid();
  }

 private:
  void* upload(const char* name, const void* data, size_t bytes) {
    DeviceBuffer& b = st_.buffer(name);
    b.reserve(bytes);
    State::check(cudaMemcpyAsync(b.get(), data, bytes, cudaMemcpyHostToDevice, st_.stream()), "upload");
    return b.get();
  }

  // The output buffer of `regs` chain ends, cleared: a launch that wrote nothing leaves zeros,
  // which no chain of x^2 + c ends at.
  Reg* output(size_t regs) {
    DeviceBuffer& b = st_.buffer("cuda_core.out");
    b.reserve(regs * sizeof(Reg));
    State::check(cudaMemsetAsync(b.get(), 0, regs * sizeof(Reg), st_.stream()), "clear");
    return static_cast<Reg*>(b.get());
  }

  std::vector<Reg> download(size_t regs) {
    std::vector<Reg> host(regs);
    State::check(cudaMemcpyAsync(host.data(), st_.buffer("cuda_core.out").get(), regs * sizeof(Reg),
                                 cudaMemcpyDeviceToHost, st_.stream()),
                 "download");
    st_.wait("download");
    return host;
  }

  static std::string hex(uint64_t v) { return fmt::format("{:#0{}x}", v, 2 + 2 * int(sizeof(Reg))); }

  // ---- latency ------------------------------------------------------------------------------

  // One warp (one block of 32 threads), one chain per lane; warm-up launches of the longer chain,
  // then (shorter, longer) per repetition. The difference of the two cancels the launch, the
  // timer reads and the loop's tail.
  void latency() {
    const long unit = unroll_for(1);
    auto whole = [unit](long s) { return std::max<long>(1, (s + unit - 1) / unit) * unit; };
    const auto [lo, hi] = std::minmax(cfg_.latency_steps.front(), cfg_.latency_steps.back());
    const long shorter = whole(lo), longer = std::max(whole(hi), shorter + unit);
    const int launches = cfg_.warmup + 2 * cfg_.repetitions;
    auto steps_of = [&](int i) { return i < cfg_.warmup || (i - cfg_.warmup) % 2 ? longer : shorter; };
    Reg* out = output(size_t(launches) * 32);
    const Kernel<Op> kernel = kernel_for<Op>(1);
    const auto timings = st_.time_launches(launches, 1, cfg_.warmup, [&](int i, unsigned long long* timing) {
      kernel<<<1, 32, 0, st_.stream()>>>(d_starts_, Reg(c_), int(steps_of(i)), out + size_t(i) * 32, timing);
      return cudaGetLastError();
    });
    const std::vector<Reg> got = download(size_t(launches) * 32);

    Check check;
    int told_apart = 0;
    {
      core::ChargeSeconds t{st_.phase_seconds("cpu_verification")};
      std::vector<std::vector<uint64_t>> want(32);  // per lane: the ends after shorter and longer steps
      for (int lane = 0; lane < 32; ++lane) {
        want[lane] = chain_ends(Op::type, starts_[lane], c_, {shorter, longer});
        told_apart += want[lane][0] != want[lane][1] && want[lane][0] != starts_[lane] && want[lane][1] != starts_[lane];
      }
      for (int i = 0; i < launches; ++i)
        for (int lane = 0; lane < 32; ++lane) {
          const uint64_t expected = want[lane][steps_of(i) == shorter ? 0 : 1];
          if (uint64_t(got[size_t(i) * 32 + lane]) != expected)
            check.fail(fmt::format("launch {} lane {}: chain of {} steps ended at {}, expected {}", i, lane,
                                   steps_of(i), hex(got[size_t(i) * 32 + lane]), hex(expected)));
        }
      if (told_apart == 0)
        check.fail("the reference ends the two chain lengths alike: the check could not see a missing step");
    }

    Figure f;
    f.metric = "latency_cycles";
    f.unit = "cycles";
    f.warps_per_sm = 1;
    f.ilp = 1;
    for (size_t r = 0; r + 1 < timings.size(); r += 2) {
      const LaunchTiming& s = timings[r];
      const LaunchTiming& l = timings[r + 1];
      f.samples.push_back({(l.cycles - s.cycles) / double(longer - shorter), l.sm_clock_mhz,
                           s.throttled || l.throttled, s.timing_suspect || l.timing_suspect});
    }
    f.verified = check.ok;
    f.notes.push_back(fmt::format("one warp, a dependent chain of {} per lane; {} and {} steps", Op::ptx, shorter,
                                  longer));
    if (!check.ok) f.notes.push_back("output check failed: " + check.note());
    std::vector<double> values;
    for (const auto& s : f.samples) values.push_back(s.value);
    if (!values.empty() && summarize(values).median < 1) {
      f.verified = false;
      f.notes.push_back("under one cycle per dependent FMA: the chain did not run as built");
    }
    const ResultRow& r = st_.report(f);
    st_.say(fmt::format("latency {:.2f} cycles{}", r.stats.median, r.valid ? "" : " (INVALID)"));
  }

  // ---- throughput ---------------------------------------------------------------------------

  void throughput_grid() {
    const long steps = throughput_chain_steps(cfg_.throughput_steps);
    {
      // Every chain's end, and its value one loop iteration earlier at each ILP (256/ILP steps).
      core::ChargeSeconds t{st_.phase_seconds("cpu_verification")};
      ends_.clear();
      for (int k = 0; k < kChains; ++k)
        ends_.push_back(chain_ends(Op::type, starts_[k], c_,
                                   {steps - unroll_for(1), steps - unroll_for(2), steps - unroll_for(4),
                                    steps - unroll_for(8), steps}));
    }
    const double peak = ops_per_clk_sm(st_.device().sm, Op::type);
    double best = 0;
    for (int w : cfg_.warps_per_sm)
      for (int ilp : cfg_.ilp) {
        if (st_.stop_requested()) return;
        best = std::max(best, throughput_point(w, ilp, steps, peak));
      }
    st_.say(peak > 0 ? fmt::format("best {:.0f} ops/clk/SM ({:.1f}% of {:.0f})", best, 100 * best / peak, peak)
                     : fmt::format("best {:.0f} ops/clk/SM", best));
  }

  // The index in ends_[k] of the end one loop iteration (unroll_for(ilp) steps) before the last.
  static int earlier_index(int ilp) { return ilp == 1 ? 0 : ilp == 2 ? 1 : ilp == 4 ? 2 : 3; }

  // Every thread's every chain against the reference; and whether the reference itself tells the
  // full chain from one a loop iteration shorter and from its start.
  Check verify_grid(const std::vector<Reg>& got, int threads_total, int ilp) const {
    core::ChargeSeconds t{st_.phase_seconds("cpu_verification")};
    Check check;
    for (size_t t = 0; t < size_t(threads_total); ++t)
      for (int j = 0; j < ilp; ++j) {
        const uint64_t want = ends_[j * 32 + (t & 31)].back();
        const uint64_t have = got[t * ilp + j];
        if (have == want) continue;
        if (check.ok)
          check.fail(fmt::format("thread {} chain {}: ended at {}, expected {}", t, j, hex(have), hex(want)));
        else
          ++check.problems;  // counted, not described: a broken kernel fails millions of chains
      }
    int told_apart = 0;
    for (int j = 0; j < ilp; ++j)
      for (int lane = 0; lane < 32; ++lane) {
        const auto& e = ends_[j * 32 + lane];
        told_apart += e.back() != e[earlier_index(ilp)] && e.back() != starts_[j * 32 + lane];
      }
    if (told_apart == 0)
      check.fail("the reference ends a loop iteration earlier alike: the check could not see a missing iteration");
    return check;
  }

  // One point: w warps per SM (blocks of at most 32 warps) running ilp chains each on every SM.
  // Returns its valid rate (0 when invalid or skipped).
  double throughput_point(int w, int ilp, long steps, double peak) {
    const Kernel<Op> kernel = kernel_for<Op>(ilp);
    if (kernel == nullptr) {
      st_.skip_point(fmt::format("no kernel for ILP {} (1, 2, 4 or 8)", ilp), w, ilp);
      return 0;
    }
    const int blocks_per_sm = (w + 31) / 32;
    if (w % blocks_per_sm != 0) {
      st_.skip_point(fmt::format("{} warps per SM do not split into {} equal blocks", w, blocks_per_sm), w, ilp);
      return 0;
    }
    const int threads = w / blocks_per_sm * 32;
    int resident = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, kernel, threads, 0) != cudaSuccess) {
      st_.skip_point(fmt::format("occupancy query failed: {}", cudaGetErrorString(cudaGetLastError())), w, ilp);
      return 0;
    }
    if (resident < blocks_per_sm) {
      cudaFuncAttributes fa{};
      cudaFuncGetAttributes(&fa, kernel);
      st_.skip_point(fmt::format("{} blocks of {} threads do not fit on one SM (only {}; {} registers/thread)",
                                 blocks_per_sm, threads, resident, fa.numRegs),
                     w, ilp);
      return 0;
    }
    const int blocks = st_.device().sm_count * blocks_per_sm;
    const size_t regs = size_t(blocks) * threads * ilp;
    Reg* out = output(regs);
    const auto timings = st_.time_launches(cfg_.warmup + cfg_.repetitions, blocks, cfg_.warmup,
                                           [&](int, unsigned long long* timing) {
                                             kernel<<<blocks, threads, 0, st_.stream()>>>(d_starts_, Reg(c_),
                                                                                          int(steps), out, timing);
                                             return cudaGetLastError();
                                           });
    const Check check = verify_grid(download(regs), blocks * threads, ilp);

    const double ops = double(regs) * double(steps) * 2.0 * values_per_register(Op::type);
    Figure f;
    f.metric = "ops_per_clk_sm";
    f.unit = "ops/clk/SM";
    f.warps_per_sm = w;
    f.ilp = ilp;
    f.samples = core::samples_of(timings, [&](const LaunchTiming& t) {
      return t.sm_span_cycles > 0 ? ops / t.sm_span_cycles : std::nan("");
    });
    f.bound = peak;
    f.bound_source = kBoundSource;
    f.bound_unknown_is_a_note = true;
    f.verified = check.ok;
    if (!check.ok) f.notes.push_back("output check failed: " + check.note());
    int uneven = 0, fewest_sms = st_.device().sm_count;
    for (const auto& t : timings) {
      uneven += !t.even_placement;
      fewest_sms = std::min(fewest_sms, t.sms);
    }
    if (uneven)
      f.notes.push_back(fmt::format("blocks not spread evenly over the SMs in {} of {} launches", uneven,
                                    timings.size()));
    if (fewest_sms < st_.device().sm_count)
      f.notes.push_back(fmt::format("{} of {} SMs ran blocks (rate per SM that ran)", fewest_sms,
                                    st_.device().sm_count));
    const ResultRow& rate = st_.report(f);
    const double result = rate.valid ? rate.value : 0;

    // The same samples as whole-GPU TFLOP/s at the clock each was measured at.
    double max_clock = 0;
    for (const auto& s : f.samples) max_clock = std::max(max_clock, s.sm_clock_mhz);
    const double sm_count = st_.device().sm_count;
    Figure tf = f;
    tf.metric = "tflops";
    tf.unit = "TFLOP/s";
    for (auto& s : tf.samples) s.value = s.value * sm_count * s.sm_clock_mhz * 1e6 / 1e12;
    tf.bound = peak > 0 ? peak * sm_count * max_clock * 1e6 / 1e12 : 0;
    st_.report(tf);
    return result;
  }

  State& st_;
  const SweepConfig& cfg_;
  const uint64_t c_;
  const std::vector<uint64_t> starts_;
  Reg* d_starts_ = nullptr;
  std::vector<std::vector<uint64_t>> ends_;  // per chain: ends at steps - 256, -128, -64, -32 and steps
};

template <class Op>
core::Benchmark benchmark_of(const char* kernel_tag) {
  core::Benchmark b;
  b.row.family = "cuda_core";
  b.row.atom = Op::atom;
  b.row.ptx = Op::ptx;
  // One warp-wide instruction is 32 (x2 forms: 64) independent multiply-adds: m x n x k = that
  // count, so that 2 m n k is the work of one warp instruction as for the MMA atoms.
  b.row.m = 32 * values_per_register(Op::type);
  b.row.n = 1;
  b.row.k = 1;
  b.row.a_type = b.row.b_type = b.row.c_type = b.row.d_type = dtype_name(Op::type);
  b.table = "instructions";
  b.unsupported = [](const DeviceInfo& d) {
    return kernel_support_problem(d, Op::min_sm, Op::ptx, reinterpret_cast<const void*>(kernel_for<Op>(1)));
  };
  b.run = [](State& s) { FmaRun<Op>(s).run(); };
  b.sass_kernel = std::string("fma_chain<tcb::cuda_core::") + kernel_tag + ",";
  b.sass_opcodes = Op::sass;
  return b;
}

}  // namespace

std::vector<core::Benchmark> benchmarks() {
  return {benchmark_of<FfmaF32>("FfmaF32"), benchmark_of<Hfma2F16>("Hfma2F16"),
          benchmark_of<Hfma2BF16>("Hfma2BF16"), benchmark_of<DfmaF64>("DfmaF64")};
}

}  // namespace tcb::cuda_core
