#include "harness/device/peaks.hpp"

#include <algorithm>
#include <cctype>

namespace tcb {
namespace {

// Input classes that share one tensor-core rate.
enum class Klass { f16, tf32, f64, fp8, int8, int4, b1, none };

Klass klass(DType a) {
  switch (a) {
    case DType::f16: case DType::bf16: return Klass::f16;
    case DType::tf32: case DType::f32: return Klass::tf32;  // f32 operands run as tf32
    case DType::f64: return Klass::f64;
    case DType::e4m3: case DType::e5m2: return Klass::fp8;
    case DType::s8: case DType::u8: return Klass::int8;
    case DType::s4: case DType::u4: return Klass::int4;
    case DType::b1: return Klass::b1;
    case DType::s32: return Klass::none;
  }
  return Klass::none;
}

struct Peak { int sm; Klass k; double fma; };

// Dense FMA per clock per SM = datasheet dense TFLOPS (or TOPS) / 2 / (SMs x boost clock).
// Worked figures (whitepaper / datasheet -> FMA/clk/SM):
//  sm70 V100 SXM2 (Volta whitepaper): 125 TFLOPS f16, 80 SMs, 1530 MHz -> 512.
//  sm72 Xavier (Jetson AGX Xavier datasheet): 11 TFLOPS f16 / 22 TOPS int8, 8 SMs, 1377 MHz
//       -> 512 / 1024.
//  sm75 T4 (Turing whitepaper / T4 datasheet): 65 TFLOPS f16, 130 int8, 260 int4, 40 SMs,
//       1590 MHz -> 512, 1024, 2048; b1 8192 (Turing whitepaper: 8x int8 rate per tensor core).
//  sm80 A100 SXM4 (A100 whitepaper): 312 f16/bf16, 156 tf32, 19.5 f64, 624 int8, 1248 int4,
//       4992 b1; 108 SMs, 1410 MHz -> 1024, 512, 64, 2048, 4096, 16384.
//  sm86 GA10x (GA102 whitepaper v2, A40 column): 149.7 f16 (f16 or f32 accumulate) / bf16,
//       74.8 tf32, 299.3 int8, 598.7 int4; 84 SMs, 1740 MHz -> 512, 256, 1024, 2048.
//       GeForce parts run f32 accumulate and tf32 at half that; the table keeps the larger
//       figure because it is an upper bound. b1 is not in the whitepaper: int8 x 8 (as on
//       sm75/sm80), a generous bound.
//  sm87 Orin (Jetson AGX Orin technical brief): 170 sparse = 85 dense int8 TOPS, 16 SMs,
//       1300 MHz -> 2048 int8, i.e. A100-class tensor cores; the other types use the sm80
//       figures as upper bounds (not in the brief).
//  sm89 Ada (Ada whitepaper, RTX 4090; RTX 6000 Ada agrees): 330.3 f16 (f16 accumulate),
//       660.6 fp8, 82.6 tf32, 660.6 int8, 1321.2 int4; 128 SMs, 2520 MHz -> 512, 1024, 128,
//       1024, 2048; b1 int8 x 8 as above.
//  sm90 H100 SXM5 (H100 whitepaper / datasheet): 989.4 f16/bf16, 494.7 tf32, 1978.9 fp8 and
//       int8 at 132 SMs x 1830 MHz -> 2048, 1024, 4096, 4096; 67 f64 at 1980 MHz -> 128.
//       int4 and b1 are not in the datasheet (wgmma has no int4; mma.sync s4/b1 may be
//       emulated, the SASS check says): int8 x 2 and int8 x 8, generous upper bounds.
// These are wgmma (sm90) / mma.sync peaks; sparse 2:4 doubles them (handled by the caller).
constexpr Peak kPeaks[] = {
    {70, Klass::f16, 512},
    {72, Klass::f16, 512},   {72, Klass::int8, 1024},
    {75, Klass::f16, 512},   {75, Klass::int8, 1024}, {75, Klass::int4, 2048}, {75, Klass::b1, 8192},
    {80, Klass::f16, 1024},  {80, Klass::tf32, 512},  {80, Klass::f64, 64},    {80, Klass::int8, 2048},
    {80, Klass::int4, 4096}, {80, Klass::b1, 16384},
    {86, Klass::f16, 512},   {86, Klass::tf32, 256},  {86, Klass::int8, 1024}, {86, Klass::int4, 2048},
    {86, Klass::b1, 8192},
    {87, Klass::f16, 1024},  {87, Klass::tf32, 512},  {87, Klass::f64, 64},    {87, Klass::int8, 2048},
    {87, Klass::int4, 4096}, {87, Klass::b1, 16384},
    {89, Klass::f16, 512},   {89, Klass::tf32, 128},  {89, Klass::fp8, 1024},  {89, Klass::int8, 1024},
    {89, Klass::int4, 2048}, {89, Klass::b1, 8192},
    {90, Klass::f16, 2048},  {90, Klass::tf32, 1024}, {90, Klass::f64, 128},   {90, Klass::fp8, 4096},
    {90, Klass::int8, 4096}, {90, Klass::int4, 8192}, {90, Klass::b1, 32768},
};

}  // namespace

// The accumulator type does not enter: where it changes the rate (GeForce f32 accumulate)
// the table already holds the larger figure, which is what an upper bound needs.
double peak_fma_per_clk_sm(int sm, DType a, DType /*acc*/) {
  const Klass k = klass(a);
  for (const Peak& p : kPeaks)
    if (p.sm == sm && p.k == k) return p.fma;
  return 0;
}

namespace {

// DRAM bandwidth by model, matched on the CUDA device name: the entry must occur as whole words
// (case-insensitive; letters and digits on neither side), so "A40" does not match "RTX A4000" nor
// "H200" "GH200"; the first match wins. GB/s = 10^9 B/s, as the datasheets print them:
//  H200 SXM and H200 NVL, 141 GB HBM3e: 4.8 TB/s (NVIDIA H200 Tensor Core GPU datasheet, 2024).
//  GH200 with 144 GB HBM3e: 4.9 TB/s; GH200 with 96 GB HBM3: 4 TB/s (NVIDIA GH200 Grace Hopper
//      Superchip datasheet).
//  H100 NVL 94 GB: 3.9 TB/s; H100 SXM5 80 GB ("H100 80GB HBM3"): 3.35 TB/s; H100 PCIe 80 GB:
//      2 TB/s (NVIDIA H100 Tensor Core GPU datasheet). H800 as the H100 of the same form.
//  A100 SXM4 80 GB: 2,039 GB/s; A100 PCIe 80 GB: 1,935 GB/s; A100 40 GB: 1,555 GB/s (NVIDIA A100
//      Tensor Core GPU datasheet).
//  A30: 933 GB/s (A30 datasheet); A40: 696 GB/s (A40 datasheet); L40S and L40: 864 GB/s (L40S,
//      L40 datasheets); L4: 300 GB/s (L4 datasheet); A10: 600 GB/s (A10 datasheet).
//  V100S PCIe: 1,134 GB/s; V100 SXM2 and PCIe: 900 GB/s (NVIDIA V100 datasheet); T4: 320 GB/s
//      (T4 datasheet).
struct DramEntry { const char* name; double gbs; };
constexpr DramEntry kDramDatasheet[] = {
    {"GH200 144G", 4900}, {"GH200", 4000}, {"H200", 4800},
    {"H100 NVL", 3900},   {"H100 PCIe", 2000}, {"H100", 3350},
    {"H800 PCIe", 2000},  {"H800", 3350},
    {"A100-SXM4-80GB", 2039}, {"A100 80GB PCIe", 1935}, {"A100", 1555},
    {"A30", 933}, {"A40", 696}, {"L40S", 864}, {"L40", 864}, {"L4", 300}, {"A10", 600},
    {"V100S", 1134}, {"V100", 900}, {"T4", 320},
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// `word` occurs in `text` with no letter or digit right before or after it.
bool contains_words(const std::string& text, const std::string& word) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const size_t after = at + word.size();
    if ((at == 0 || !alnum(text[at - 1])) && (after == text.size() || !alnum(text[after]))) return true;
  }
  return false;
}

}  // namespace

double datasheet_dram_gbs(const std::string& gpu_name) {
  const std::string name = lower(gpu_name);
  for (const DramEntry& e : kDramDatasheet)
    if (contains_words(name, lower(e.name))) return e.gbs;
  return 0;
}

double theoretical_dram_gbs(int mem_clock_khz, int bus_width_bits) {
  if (mem_clock_khz <= 0 || bus_width_bits <= 0) return 0;
  return 2.0 * mem_clock_khz * 1e3 * (bus_width_bits / 8.0) / 1e9;
}

}  // namespace tcb
