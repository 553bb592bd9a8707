// CPU throughput of the tensor-core numerics model (model/): dot products d = c + sum a_i * b_i
// per second, for each preset x a representative instruction of each input type x k.
//
// Registration is the product presets x instructions x k; an instruction a preset's architecture
// lacks falls back to the closest shape it has (f16 on t4: m16n8k8, on v100: m8n8k4), or is left
// out (bf16 on t4). Inputs are random, seeded and prepared once per (case, k), outside the timed
// loop. Before a case is timed its results are checked, so a broken model cannot be benchmarked
// silently (the case is skipped with the reason and the program exits 1):
//   - integer-valued float inputs: the sum is exact in the output format, so the model must
//     return exactly the double-precision sum, whatever its alignment and rounding;
//   - the timed random inputs: s8 -> s32 exactly the int64 sum; f64 exactly a std::fma chain in
//     k order (the presets' DMMA path); other floats within a worst-case truncation bound of the
//     double-precision sum.
// Reported: items_per_second = dot products per second; products_per_second = multiply-adds
// (k per dot product) per second. Run: scripts/bench_model.sh; docs/cpu_benchmarks.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/presets.hpp"

namespace {

using tcb::model::Fmt;
using tcb::model::PathParams;

// ---- bit patterns of the float formats (tf32 is its f32 word) --------------------------------

struct Layout {
  int exp_bits, man_bits, total_bits;
};

Layout layout(Fmt f) {
  switch (f) {
    case Fmt::f16: return {5, 10, 16};
    case Fmt::bf16: return {8, 7, 16};
    case Fmt::tf32: case Fmt::f32: return {8, 23, 32};
    case Fmt::f64: return {11, 52, 64};
    case Fmt::e4m3: return {4, 3, 8};
    case Fmt::e5m2: return {5, 2, 8};
    default: return {0, 0, tcb::model::fmt_storage_bits(f)};
  }
}

uint64_t pack(const Layout& l, bool neg, uint64_t exp_field, uint64_t man) {
  return (uint64_t(neg) << (l.total_bits - 1)) | (exp_field << l.man_bits) | man;
}

// A random normal number of magnitude in [2^-3, 2^4): no overflow, NaN or subnormal at any k
// here. tf32 keeps the low 13 bits of its word zero, so the model and the reference read one value.
uint64_t random_float(Fmt f, std::mt19937_64& rng) {
  const Layout l = layout(f);
  const int bias = (1 << (l.exp_bits - 1)) - 1;
  const uint64_t man_mask = (uint64_t(1) << l.man_bits) - 1;
  uint64_t man = rng() & man_mask;
  if (f == Fmt::tf32) man &= ~uint64_t(0x1fff);
  const int e = int(rng() % 7) - 3;
  return pack(l, rng() & 1, uint64_t(bias + e), man);
}

// The integer n (|n| < 2^(man_bits + 1)) exactly in float format f.
uint64_t encode_int(Fmt f, int64_t n) {
  const Layout l = layout(f);
  if (n == 0) return 0;
  const uint64_t m = uint64_t(n < 0 ? -n : n);
  const int e = 63 - __builtin_clzll(m);
  const int bias = (1 << (l.exp_bits - 1)) - 1;
  return pack(l, n < 0, uint64_t(bias + e), (m - (uint64_t(1) << e)) << (l.man_bits - e));
}

uint64_t random_int(Fmt f, std::mt19937_64& rng, int64_t lo, int64_t hi) {
  const int64_t v = lo + int64_t(rng() % uint64_t(hi - lo + 1));
  const int bits = tcb::model::fmt_storage_bits(f);
  return bits == 64 ? uint64_t(v) : uint64_t(v) & ((uint64_t(1) << bits) - 1);
}

int64_t int_value(Fmt f, uint64_t bits) {
  const int n = tcb::model::fmt_storage_bits(f);
  const int64_t v = int64_t(bits & ((uint64_t(1) << n) - 1));
  return tcb::model::fmt_is_signed_int(f) && (v >> (n - 1)) ? v - (int64_t(1) << n) : v;
}

// ---- prepared inputs and their verification -------------------------------------------------

struct Batch {  // `rows` dot products of length k: a and b row-major, one c per row
  int k = 0, rows = 0;
  std::vector<uint64_t> a, b, c;
  const uint64_t* a_row(int r) const { return a.data() + size_t(r) * k; }
  const uint64_t* b_row(int r) const { return b.data() + size_t(r) * k; }
};

enum class Data { random, small_ints };

Batch make_batch(const PathParams& p, int k, int rows, Data data, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Batch x;
  x.k = k;
  x.rows = rows;
  x.a.resize(size_t(rows) * k);
  x.b.resize(size_t(rows) * k);
  x.c.resize(rows);
  const bool ints = !tcb::model::fmt_is_float(p.a);
  auto input = [&](Fmt f) {
    if (ints) return random_int(f, rng, -128, 127);
    return data == Data::random ? random_float(f, rng) : encode_int(f, int64_t(rng() % 17) - 8);
  };
  auto accumulator = [&](Fmt f) {
    if (!tcb::model::fmt_is_float(f)) return random_int(f, rng, -(1 << 20), 1 << 20);
    return data == Data::random ? random_float(f, rng) : encode_int(f, int64_t(rng() % 2001) - 1000);
  };
  for (size_t i = 0; i < x.a.size(); ++i) {
    x.a[i] = input(p.a);
    x.b[i] = input(p.b);
  }
  for (uint64_t& c : x.c) c = accumulator(p.c);
  return x;
}

int frac_bits(Fmt f) { return tcb::model::fmt_is_float(f) ? layout(f).man_bits : 0; }

// "" when every row of `x` agrees with its reference; else what is wrong with the first that does not.
std::string verify(const PathParams& p, const Batch& x, Data data) {
  using tcb::model::to_double;
  const bool is_float = tcb::model::fmt_is_float(p.a);
  const bool f64 = p.a == Fmt::f64;
  for (int r = 0; r < x.rows; ++r) {
    const uint64_t got = tcb::model::dot(p, x.a_row(r), x.b_row(r), x.k, x.c[r]);
    if (!is_float) {
      int64_t sum = int_value(p.c, x.c[r]);
      for (int i = 0; i < x.k; ++i) sum += int_value(p.a, x.a_row(r)[i]) * int_value(p.b, x.b_row(r)[i]);
      if (int_value(p.d, got) != int64_t(int32_t(uint32_t(uint64_t(sum)))))
        return "row " + std::to_string(r) + ": model " + std::to_string(int_value(p.d, got)) + ", exact sum " +
               std::to_string(sum);
      continue;
    }
    double exact = to_double(p.c, x.c[r]), fma_chain = exact, magnitude = std::fabs(exact);
    for (int i = 0; i < x.k; ++i) {
      const double ai = to_double(p.a, x.a_row(r)[i]), bi = to_double(p.b, x.b_row(r)[i]);
      exact += ai * bi;  // exact for integer-valued inputs and (to ~2^-40 relative) for the rest
      fma_chain = std::fma(ai, bi, fma_chain);
      magnitude += std::fabs(ai * bi);
    }
    const double v = to_double(p.d, got);
    double tolerance = 0;
    if (data == Data::small_ints) {
      tolerance = 0;  // |sum| < 2^19: exact in every output format here
    } else if (f64) {
      exact = fma_chain;
    } else {
      // Each of the k products and each block/instruction rounding loses less than 2 units in
      // the last place of the accumulator (or output) at the largest magnitude seen, <= magnitude.
      const int f = std::min(p.exact_alignment ? 52 : p.acc_frac_bits, frac_bits(p.d));
      const int instructions = (x.k + p.instr_k - 1) / p.instr_k;
      tolerance = magnitude * std::ldexp(2.0, -f) * double(x.k + 2 * instructions + 2);
    }
    if (!std::isfinite(v) || std::fabs(v - exact) > tolerance)
      return "row " + std::to_string(r) + ": model " + std::to_string(v) + ", reference " + std::to_string(exact) +
             " (tolerance " + std::to_string(tolerance) + ")";
  }
  return "";
}

// ---- the benchmark --------------------------------------------------------------------------

bool g_verification_failed = false;

struct Case {
  std::string preset, ptx;
  PathParams params;
  std::map<int, std::shared_ptr<Batch>> batches;  // by k: prepared and verified once
};

// Distinct rows cycled through by the timed loop: ~1-2 MB of inputs at every k.
int rows_for(int k) { return std::max(8, std::min(256, 65536 / k)); }

void BM_ModelDot(benchmark::State& state, const std::shared_ptr<Case>& cs) {
  const int k = int(state.range(0));
  std::shared_ptr<Batch>& x = cs->batches[k];
  if (!x) {
    const uint64_t seed = std::hash<std::string>{}(cs->preset + cs->ptx) ^ uint64_t(k);
    std::string why = verify(cs->params, make_batch(cs->params, k, 16, Data::small_ints, seed + 1), Data::small_ints);
    auto batch = std::make_shared<Batch>(make_batch(cs->params, k, rows_for(k), Data::random, seed));
    if (why.empty()) why = verify(cs->params, *batch, Data::random);
    if (!why.empty()) {
      g_verification_failed = true;
      state.SkipWithError(("model disagrees with the reference: " + why).c_str());
      return;
    }
    x = batch;
  }
  const PathParams& p = cs->params;
  int r = 0;
  for (auto _ : state) {
    uint64_t d = tcb::model::dot(p, x->a_row(r), x->b_row(r), k, x->c[r]);
    benchmark::DoNotOptimize(d);
    if (++r == x->rows) r = 0;
  }
  state.SetItemsProcessed(state.iterations());  // dot products
  state.counters["products_per_second"] =
      benchmark::Counter(double(state.iterations()) * k, benchmark::Counter::kIsRate);
}

// One representative mma.sync per input type; the first form a preset resolves is used.
struct InstrChoice {
  const char* type;  // benchmark name part: A/B type -> D type
  std::vector<const char*> ptx;
};

const std::vector<InstrChoice>& instructions() {
  static const std::vector<InstrChoice> v = {
      {"f16_f32", {"mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32",
                   "mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32"}},
      {"bf16_f32", {"mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"}},
      {"tf32_f32", {"mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"}},
      {"e4m3_f32", {"mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32"}},
      {"f64_f64", {"mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64"}},
      {"s8_s32", {"mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32", "mma.sync.aligned.m8n8k16.row.col.s32.s8.s8.s32"}},
  };
  return v;
}

// "m16n8k16" from a PTX mnemonic.
std::string shape_of(const std::string& ptx) {
  const size_t at = ptx.find(".m");
  return ptx.substr(at + 1, ptx.find('.', at + 1) - at - 1);
}

void register_benchmarks() {
  for (const char* preset : {"h100", "a100", "t4", "v100"})
    for (const InstrChoice& in : instructions())
      for (const char* ptx : in.ptx) {
        auto cs = std::make_shared<Case>();
        try {
          cs->params = tcb::model::resolve(preset, ptx).params;
        } catch (const tcb::model::ResolveError&) {
          continue;  // not on this architecture: try the next form
        }
        cs->preset = preset;
        cs->ptx = ptx;
        const std::string name = std::string("model_dot/") + preset + "/" + in.type + "." + shape_of(ptx);
        benchmark::RegisterBenchmark(name.c_str(), BM_ModelDot, cs)
            ->ArgName("k")
            ->RangeMultiplier(16)
            ->Range(16, 4096);  // k = 16, 256, 4096
        break;
      }
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return g_verification_failed ? 1 : 0;
}
