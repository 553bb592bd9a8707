// ldmatrix and stmatrix (x1, x2, x4, with and without .trans): latency in a dependent chain and
// throughput with every SM busy. A layout probe checks the fragment layout the host assumes
// before any chain relies on it. docs/movement.md, "ldmatrix and stmatrix".
#include <fmt/format.h>

#include <stdexcept>

#include "families/movement/common.cuh"
#include "families/movement/on_chip.hpp"

namespace tcb::movement {

// ---- the instructions --------------------------------------------------------------------------

// Where the 16-bit half h (0: low, 1: high) of thread t's register for one 8x8 b16 matrix sits in
// that matrix (element row * 8 + column; rows of 16 bytes): ldmatrix loads it from there, stmatrix
// stores it there. Without .trans thread t holds row t/4, columns 2(t%4) and 2(t%4)+1; with
// .trans the transposed positions (PTX ISA, "Warp-level matrix load instruction: ldmatrix").
__host__ __device__ constexpr int fragment_element(int t, int h, bool trans) {
  return trans ? (2 * (t % 4) + h) * 8 + t / 4 : (t / 4) * 8 + 2 * (t % 4) + h;
}

// The row address thread t supplies for a tile of `matrices` 8x8 matrices stored one after the
// other (128 B each): row t%8 of matrix t/8 (threads past 8 x matrices repeat, ignored).
__host__ __device__ constexpr uint32_t row_offset(int t, int matrices) {
  return uint32_t((t / 8) % matrices) * 128u + uint32_t(t % 8) * 16u;
}

template <int X, bool Trans>
struct Ldsm {
  static constexpr int matrices = X;
  static constexpr bool trans = Trans;
  static constexpr int bytes = 128 * X;  // per warp instruction
  static std::string ptx() {
    return fmt::format("ldmatrix.sync.aligned.m8n8.x{}{}.shared.b16", X, Trans ? ".trans" : "");
  }
  static std::string sass_tag() { return fmt::format("movement::Ldsm<{}, {}>", X, Trans ? "true" : "false"); }
};

template <int X, bool Trans>
struct Stsm {
  static constexpr int matrices = X;
  static constexpr bool trans = Trans;
  static constexpr int bytes = 128 * X;
  static std::string ptx() {
    return fmt::format("stmatrix.sync.aligned.m8n8.x{}{}.shared.b16", X, Trans ? ".trans" : "");
  }
  static std::string sass_tag() { return fmt::format("movement::Stsm<{}, {}>", X, Trans ? "true" : "false"); }
};

namespace kern {

template <int X, bool Trans>
__device__ __forceinline__ void ldsm(uint32_t (&r)[X], uint32_t a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 750
  (void)r, (void)a;
  __trap();  // ldmatrix is sm_75+: a Volta image holds this stub, never run (the benchmarks gate on SM 75)
#else
  if constexpr (X == 1 && !Trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];" : "=r"(r[0]) : "r"(a) : "memory");
  else if constexpr (X == 1 && Trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];" : "=r"(r[0]) : "r"(a) : "memory");
  else if constexpr (X == 2 && !Trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];"
                 : "=r"(r[0]), "=r"(r[1])
                 : "r"(a)
                 : "memory");
  else if constexpr (X == 2 && Trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];"
                 : "=r"(r[0]), "=r"(r[1])
                 : "r"(a)
                 : "memory");
  else if constexpr (X == 4 && !Trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a)
                 : "memory");
  else
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a)
                 : "memory");
#endif
}

// stmatrix is sm_90+; the sm_80 image of these kernels holds nothing (unsupported() says so).
template <int X, bool Trans>
__device__ __forceinline__ void stsm(uint32_t a, const uint32_t (&r)[X]) {
#if __CUDA_ARCH__ >= 900
  if constexpr (X == 1 && !Trans)
    asm volatile("stmatrix.sync.aligned.m8n8.x1.shared.b16 [%0], {%1};" ::"r"(a), "r"(r[0]) : "memory");
  else if constexpr (X == 1 && Trans)
    asm volatile("stmatrix.sync.aligned.m8n8.x1.trans.shared.b16 [%0], {%1};" ::"r"(a), "r"(r[0]) : "memory");
  else if constexpr (X == 2 && !Trans)
    asm volatile("stmatrix.sync.aligned.m8n8.x2.shared.b16 [%0], {%1, %2};" ::"r"(a), "r"(r[0]), "r"(r[1]) : "memory");
  else if constexpr (X == 2 && Trans)
    asm volatile("stmatrix.sync.aligned.m8n8.x2.trans.shared.b16 [%0], {%1, %2};" ::"r"(a), "r"(r[0]), "r"(r[1])
                 : "memory");
  else if constexpr (X == 4 && !Trans)
    asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1, %2, %3, %4};" ::"r"(a), "r"(r[0]), "r"(r[1]),
                 "r"(r[2]), "r"(r[3])
                 : "memory");
  else
    asm volatile("stmatrix.sync.aligned.m8n8.x4.trans.shared.b16 [%0], {%1, %2, %3, %4};" ::"r"(a), "r"(r[0]),
                 "r"(r[1]), "r"(r[2]), "r"(r[3])
                 : "memory");
#endif
}

}  // namespace kern

namespace {

constexpr int kChainUnroll = 32;      // ldmatrix latency: dependent loads per loop iteration
constexpr int kChainTiles = 32;       // tiles the chain cycles through
constexpr int kRoundTripUnroll = 16;  // stmatrix latency: store/load pairs per loop iteration (one slot each)
constexpr int kThreads = 512;         // throughput: 2 blocks of 16 warps per SM
constexpr int kBlocksPerSm = 2;
constexpr int kSlots = 16;  // throughput: accesses per loop iteration, one tile each
// Wavefronts (128 B) each warp issues per throughput launch (~0.1 ms at 1 per SM clock).
constexpr int kWavefrontsPerWarp = 6144;
constexpr uint32_t kProbeSalt = 0x9a0be, kFragmentSalt = 0xf7a9;

// The 16-bit element e of a tile region filled with word_value(i) in its 32-bit word i.
uint16_t half_of_words(uint32_t e) { return uint16_t(word_value(e / 2) >> (16 * (e % 2))); }

}  // namespace

namespace kern {

// One warp: thread t's register 0 from each ldmatrix is the row address it supplies to the next,
// which lies in the next tile of a random cycle (the tiles are filled so: each thread writes the
// halves of its own next addresses where the fragment layout puts them).
template <class Op>
__global__ void __launch_bounds__(32)
    ldsm_latency(const uint32_t* next_tile, int steps, uint32_t* end, unsigned long long* timing) {
  constexpr int X = Op::matrices;
  __shared__ __align__(128) uint16_t tiles[kChainTiles * X * 64];
  const uint32_t base = shared_address(tiles);
  const int t = threadIdx.x;
  for (int p = 0; p < kChainTiles; ++p) {
    const uint32_t v = base + next_tile[p] * Op::bytes + row_offset(t, X);
    for (int j = 0; j < X; ++j)
      for (int h = 0; h < 2; ++h) tiles[(p * X + j) * 64 + fragment_element(t, h, Op::trans)] = uint16_t(v >> (16 * h));
  }
  BlockTimer timer;
  timer.start();
  uint32_t r[X];
  r[0] = base + row_offset(t, X);  // tile 0
#pragma unroll 1
  for (int s = 0; s < steps; s += kChainUnroll) {
#pragma unroll
    for (int k = 0; k < kChainUnroll; ++k) ldsm<X, Op::trans>(r, r[0]);
  }
  timer.stop(timing);
  end[t] = r[0] - base;
}

// One warp: stmatrix of its registers into a tile, then ldmatrix (the other .trans) of the same
// tile into the same registers, which the next stmatrix stores: each pair waits for the last.
template <class Op>
__global__ void __launch_bounds__(32) stsm_round_trip(int steps, uint32_t* out, unsigned long long* timing) {
  constexpr int X = Op::matrices;
  __shared__ __align__(128) uint32_t words[kRoundTripUnroll * X * 32];
  const int t = threadIdx.x;
  const uint32_t a = shared_address(words) + row_offset(t, X);
  uint32_t r[X];
  for (int j = 0; j < X; ++j) r[j] = word_value(t * X + j, kFragmentSalt);
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int s = 0; s < steps; s += kRoundTripUnroll) {
#pragma unroll
    for (int k = 0; k < kRoundTripUnroll; ++k) {
      stsm<X, Op::trans>(a + k * Op::bytes, r);
      ldsm<X, !Op::trans>(r, a + k * Op::bytes);
    }
  }
  timer.stop(timing);
  for (int j = 0; j < X; ++j) out[t * X + j] = r[j];
}

// Every warp loads kSlots tiles per iteration; the checksum of all registers goes to sums[block].
template <class Op>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm)
    ldsm_throughput(int iterations, uint32_t* sums, unsigned long long* timing) {
  constexpr int X = Op::matrices;
  __shared__ __align__(128) uint32_t words[kSlots * X * 32];
  for (int i = threadIdx.x; i < kSlots * X * 32; i += blockDim.x) words[i] = word_value(i);
  const uint32_t a = shared_address(words) + row_offset(threadIdx.x & 31, X);
  uint32_t acc[X] = {};
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int k = 0; k < kSlots; ++k) {
      uint32_t r[X];
      ldsm<X, Op::trans>(r, a + k * Op::bytes);
      for (int j = 0; j < X; ++j) acc[j] += r[j];
    }
  }
  timer.stop(timing);
  uint32_t v = 0;
  for (int j = 0; j < X; ++j) v += acc[j] * thread_weight(j);
  add_block_checksum(v, &sums[blockIdx.x]);
}

// Every warp stores the same lane registers into kSlots tiles per iteration; afterwards the block
// checksums the tiles (a tile no stmatrix reached keeps its initial ~word_value).
template <class Op>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm)
    stsm_throughput(int iterations, uint32_t* sums, unsigned long long* timing) {
  constexpr int X = Op::matrices;
  constexpr int kWords = kSlots * X * 32;
  __shared__ __align__(128) uint32_t words[kWords];
  for (int i = threadIdx.x; i < kWords; i += blockDim.x) words[i] = ~word_value(i);
  const int lane = threadIdx.x & 31;
  const uint32_t a = shared_address(words) + row_offset(lane, X);
  uint32_t r[X];
  for (int j = 0; j < X; ++j) r[j] = word_value(lane * X + j, kFragmentSalt);
  BlockTimer timer;
  timer.start();
#pragma unroll 1
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int k = 0; k < kSlots; ++k) stsm<X, Op::trans>(a + k * Op::bytes, r);
  }
  timer.stop(timing);
  uint32_t sum = 0;
  for (int i = threadIdx.x; i < kWords; i += blockDim.x) sum += words[i] * thread_weight(i);
  add_block_checksum(sum, &sums[blockIdx.x]);
}

// The layout probe (one warp, one tile, untimed): ldmatrix writes each thread's registers,
// stmatrix the tile it stored; the host compares both with fragment_element.
template <int X, bool Trans>
__global__ void __launch_bounds__(32) matrix_probe(Ldsm<X, Trans>, uint32_t* out) {
  __shared__ __align__(128) uint16_t tile[X * 64];
  for (int e = threadIdx.x; e < X * 64; e += 32) tile[e] = uint16_t(word_value(e, kProbeSalt));
  __syncwarp();
  uint32_t r[X];
  ldsm<X, Trans>(r, shared_address(tile) + row_offset(threadIdx.x, X));
  for (int j = 0; j < X; ++j) out[threadIdx.x * X + j] = r[j];
}
template <int X, bool Trans>
__global__ void __launch_bounds__(32) matrix_probe(Stsm<X, Trans>, uint32_t* out) {
  __shared__ __align__(128) uint32_t tile[X * 32];
  for (int w = threadIdx.x; w < X * 32; w += 32) tile[w] = 0xffffffffu;
  __syncwarp();
  uint32_t r[X];
  for (int j = 0; j < X; ++j) r[j] = word_value(threadIdx.x * X + j, kProbeSalt);
  stsm<X, Trans>(shared_address(tile) + row_offset(threadIdx.x, X), r);
  __syncwarp();
  for (int w = threadIdx.x; w < X * 32; w += 32) out[w] = tile[w];
}

}  // namespace kern

namespace {

// ---- host: the fragment model -----------------------------------------------------------------

// Registers [thread][matrix] as ldmatrix (trans or not) would load them from a tile of 16-bit
// elements, and the tile stmatrix would store from registers.
using Registers = std::vector<uint32_t>;  // thread * X + matrix
using Tile = std::vector<uint16_t>;       // matrix * 64 + element

Registers model_load(const Tile& tile, int X, bool trans) {
  Registers r(32 * X);
  for (int t = 0; t < 32; ++t)
    for (int j = 0; j < X; ++j)
      r[t * X + j] = uint32_t(tile[j * 64 + fragment_element(t, 0, trans)]) |
                     uint32_t(tile[j * 64 + fragment_element(t, 1, trans)]) << 16;
  return r;
}

Tile model_store(const Registers& r, int X, bool trans, Tile tile) {
  for (int t = 0; t < 32; ++t)
    for (int j = 0; j < X; ++j)
      for (int h = 0; h < 2; ++h) tile[j * 64 + fragment_element(t, h, trans)] = uint16_t(r[t * X + j] >> (16 * h));
  return tile;
}

Registers lane_registers(int X, uint32_t salt) {
  Registers r(32 * X);
  for (int i = 0; i < 32 * X; ++i) r[i] = word_value(i, salt);
  return r;
}

Check compare(const std::vector<uint32_t>& got, const std::vector<uint32_t>& want, const std::string& what) {
  Check c;
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i]) c.fail(fmt::format("{} word {}: {:#010x}, expected {:#010x}", what, i, got[i], want[i]));
  return c;
}

// The layout probe: ok when the instruction moves the fragments as fragment_element says, else
// the first difference. Every chain and checksum below relies on that model.
template <class Op>
std::vector<uint32_t> probe_output(core::State& state) {
  constexpr int X = Op::matrices;
  auto* out = static_cast<uint32_t*>(zeroed(state, "movement.probe", 32 * X * sizeof(uint32_t)));
  kern::matrix_probe<<<1, 32, 0, state.stream()>>>(Op{}, out);
  core::State::check(cudaGetLastError(), "layout probe launch");
  return download_words(state, "movement.probe", 32 * X);
}

template <int X, bool Trans>
Check run_probe(core::State& state, Ldsm<X, Trans>) {
  Tile tile(64 * X);
  for (int e = 0; e < 64 * X; ++e) tile[e] = uint16_t(word_value(e, kProbeSalt));
  return compare(probe_output<Ldsm<X, Trans>>(state), model_load(tile, X, Trans), "layout probe: ldmatrix register");
}

template <int X, bool Trans>
Check run_probe(core::State& state, Stsm<X, Trans>) {
  const Tile tile = model_store(lane_registers(X, kProbeSalt), X, Trans, Tile(64 * X, 0xffff));
  std::vector<uint32_t> want(32 * X);
  for (int w = 0; w < 32 * X; ++w) want[w] = uint32_t(tile[2 * w]) | uint32_t(tile[2 * w + 1]) << 16;
  return compare(probe_output<Stsm<X, Trans>>(state), want, "layout probe: stmatrix tile");
}

// ---- host: latency -----------------------------------------------------------------------------

template <int X, bool Trans>
void run_latency(core::State& state, Ldsm<X, Trans>) {
  const SweepConfig& cfg = state.config();
  const ChainPair pair = chain_pair(cfg, kChainUnroll);
  const int launches = chain_launches(cfg);
  const std::vector<uint32_t> next = random_cycle(kChainTiles, state.seed());
  const uint32_t* d_next = upload(state, "movement.next", next);
  auto* d_end = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * 32 * sizeof(uint32_t)));
  const auto timings = state.time_launches(launches, 1, cfg.warmup, [&](int i, unsigned long long* timing) {
    kern::ldsm_latency<Ldsm<X, Trans>>
        <<<1, 32, 0, state.stream()>>>(d_next, int(chain_steps(cfg, pair, i)), d_end + i * 32, timing);
    return cudaGetLastError();
  });
  const auto ends = download_words(state, "movement.out", size_t(launches) * 32);
  Check check;
  for (int i = 0; i < launches; ++i) {
    const uint32_t tile = walk(next, 0, chain_steps(cfg, pair, i));
    for (int t = 0; t < 32; ++t) {
      const uint32_t want = tile * Ldsm<X, Trans>::bytes + row_offset(t, X);
      if (ends[i * 32 + t] != want)
        check.fail(fmt::format("launch {} thread {}: ended at offset {}, expected {}", i, t, ends[i * 32 + t], want));
    }
  }
  report_latency(state, pair, timings, check, "", kChainTiles * Ldsm<X, Trans>::bytes,
                 {"one warp; each ldmatrix's register 0 is the row address of the next"});
}

template <int X, bool Trans>
void run_latency(core::State& state, Stsm<X, Trans>) {
  const SweepConfig& cfg = state.config();
  const ChainPair pair = chain_pair(cfg, kRoundTripUnroll);
  const int launches = chain_launches(cfg);
  auto* d_out = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * 32 * X * sizeof(uint32_t)));
  const auto timings = state.time_launches(launches, 1, cfg.warmup, [&](int i, unsigned long long* timing) {
    kern::stsm_round_trip<Stsm<X, Trans>>
        <<<1, 32, 0, state.stream()>>>(int(chain_steps(cfg, pair, i)), d_out + size_t(i) * 32 * X, timing);
    return cudaGetLastError();
  });
  const auto got = download_words(state, "movement.out", size_t(launches) * 32 * X);
  Check check;
  for (int i = 0; i < launches; ++i) {
    Registers r = lane_registers(X, kFragmentSalt);
    for (long s = 0; s < chain_steps(cfg, pair, i); ++s)
      r = model_load(model_store(r, X, Trans, Tile(64 * X)), X, !Trans);
    const std::vector<uint32_t> launch_out(got.begin() + size_t(i) * 32 * X, got.begin() + size_t(i + 1) * 32 * X);
    const Check c = compare(launch_out, r, fmt::format("launch {}: register", i));
    if (!c.ok) check.fail(c.note());
  }
  report_latency(state, pair, timings, check, fmt::format("pair=ldmatrix{}", Trans ? "" : ".trans"),
                 kRoundTripUnroll * Stsm<X, Trans>::bytes,
                 {fmt::format("one warp; per step one stmatrix and the ldmatrix{} that reads its tile back into the "
                              "registers the next stmatrix stores (the ldmatrix's latency included)",
                              Trans ? "" : ".trans")});
}

// ---- host: throughput ----------------------------------------------------------------------------

template <int X, bool Trans>
auto throughput_kernel(Ldsm<X, Trans>) {
  return kern::ldsm_throughput<Ldsm<X, Trans>>;
}
template <int X, bool Trans>
auto throughput_kernel(Stsm<X, Trans>) {
  return kern::stsm_throughput<Stsm<X, Trans>>;
}

// What the throughput kernel's block checksum must be.
template <int X, bool Trans>
uint32_t expected_checksum(Ldsm<X, Trans>, int iterations) {
  Tile region(kSlots * X * 64);
  for (size_t e = 0; e < region.size(); ++e) region[e] = half_of_words(uint32_t(e));
  uint32_t per_lane[32] = {};
  for (int k = 0; k < kSlots; ++k) {
    const Tile tile(region.begin() + k * X * 64, region.begin() + (k + 1) * X * 64);
    const Registers r = model_load(tile, X, Trans);
    for (int t = 0; t < 32; ++t)
      for (int j = 0; j < X; ++j) per_lane[t] += r[t * X + j] * uint32_t(iterations) * thread_weight(j);
  }
  uint32_t sum = 0;
  for (int t = 0; t < kThreads; ++t) sum += per_lane[t % 32] * thread_weight(t);
  return sum;
}

template <int X, bool Trans>
uint32_t expected_checksum(Stsm<X, Trans>, int) {
  const int words = kSlots * X * 32;
  Tile initial(2 * words);
  for (int w = 0; w < words; ++w) {
    initial[2 * w] = uint16_t(~word_value(w));
    initial[2 * w + 1] = uint16_t(~word_value(w) >> 16);
  }
  const Registers r = lane_registers(X, kFragmentSalt);
  std::vector<uint32_t> image(words);
  for (int k = 0; k < kSlots; ++k) {
    const Tile tile = model_store(r, X, Trans, Tile(initial.begin() + k * X * 64, initial.begin() + (k + 1) * X * 64));
    for (int w = 0; w < X * 32; ++w) image[k * X * 32 + w] = uint32_t(tile[2 * w]) | uint32_t(tile[2 * w + 1]) << 16;
  }
  uint32_t sum = 0;
  for (int t = 0; t < kThreads; ++t) {
    uint32_t own = 0;
    for (int i = t; i < words; i += kThreads) own += image[i] * thread_weight(i);
    sum += own * thread_weight(t);
  }
  return sum;
}

template <class Op>
void run_throughput(core::State& state) {
  const SweepConfig& cfg = state.config();
  const auto kernel = throughput_kernel(Op{});
  const int warps_per_sm = kThreads / 32 * kBlocksPerSm;
  const std::string no_fit = occupancy_problem(reinterpret_cast<const void*>(kernel), kThreads, 0, kBlocksPerSm);
  if (!no_fit.empty()) {
    state.skip_point(no_fit, warps_per_sm);
    return;
  }
  const int blocks = state.device().sm_count * kBlocksPerSm;
  const int iterations = std::max(2, kWavefrontsPerWarp / (kSlots * Op::matrices));
  const int launches = cfg.warmup + cfg.repetitions;
  auto* sums = static_cast<uint32_t*>(zeroed(state, "movement.out", size_t(launches) * blocks * sizeof(uint32_t)));
  const auto timings = state.time_launches(launches, blocks, cfg.warmup, [&](int i, unsigned long long* timing) {
    kernel<<<blocks, kThreads, 0, state.stream()>>>(iterations, sums + size_t(i) * blocks, timing);
    return cudaGetLastError();
  });
  const auto got = download_words(state, "movement.out", size_t(launches) * blocks);
  const uint32_t expected = expected_checksum(Op{}, iterations);
  Check check;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != expected)
      check.fail(fmt::format("launch {} block {}: checksum {:#010x}, expected {:#010x}", i / blocks, i % blocks, got[i],
                             expected));
  RatePoint p;
  p.bytes_per_launch = double(blocks) * (kThreads / 32) * iterations * kSlots * Op::bytes;
  p.warps_per_sm = warps_per_sm;
  report_rate(state, p, timings, check);
}

// One benchmark: the layout probe, then latency and throughput (neither when the probe fails:
// a chain built on a wrong layout would address outside its tiles).
template <class Op>
void run_matrix(core::State& state) {
  const Check probe = run_probe(state, Op{});
  if (!probe.ok) throw std::runtime_error(probe.note() + " (the fragment layout differs from the model: not run)");
  if (state.config().latency && !state.stop_requested()) run_latency(state, Op{});
  if (state.config().throughput && !state.stop_requested()) run_throughput<Op>(state);
}

template <class Op>
core::Benchmark matrix_benchmark(const char* name, int min_sm, const char* sass) {
  const std::string atom = fmt::format("{}.x{}{}", name, Op::matrices, Op::trans ? ".trans" : "");
  return movement_benchmark(atom, Op::ptx(), min_sm, reinterpret_cast<const void*>(throughput_kernel(Op{})),
                            Op::sass_tag(), sass, run_matrix<Op>);
}

template <int X>
void add_shape(std::vector<core::Benchmark>* out) {
  out->push_back(matrix_benchmark<Ldsm<X, false>>("ldmatrix", 75, "^LDSM"));
  out->push_back(matrix_benchmark<Ldsm<X, true>>("ldmatrix", 75, "^LDSM"));
  out->push_back(matrix_benchmark<Stsm<X, false>>("stmatrix", 90, "^STSM"));
  out->push_back(matrix_benchmark<Stsm<X, true>>("stmatrix", 90, "^STSM"));
}

}  // namespace

std::vector<core::Benchmark> matrix_benchmarks() {
  std::vector<core::Benchmark> out;
  add_shape<1>(&out);
  add_shape<2>(&out);
  add_shape<4>(&out);
  return out;
}

}  // namespace tcb::movement
