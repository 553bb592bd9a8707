// Literature presets (v100, t4, a100) and the lookup. Every value here is from the literature,
// not measured here; docs/numerics_model.md gives the full references:
//   [FHMP21] M. Fasi, N. J. Higham, M. Mikaitis, S. Pranesh, "Numerical behavior of NVIDIA
//            tensor cores", PeerJ Computer Science 7:e330, 2021 (test suite:
//            github.com/north-numerical-computing/tensor-cores-numerical-behavior).
//   [KM25]   F. A. Khattak, M. Mikaitis, "Accurate models of NVIDIA tensor cores",
//            arXiv:2512.07004, 2025; MATLAB models github.com/north-numerical-computing/
//            MATLAB-tensor-core (V100TC.m, A100TC.m, H100TC.m, tools/GEMM.m).
//   [PTX]    NVIDIA, PTX ISA (mma / wmma / wgmma): integer .satfinite, f64 round-to-nearest.
#include "model/presets.hpp"

namespace tcb::model {

const char* in_class_name(InClass c) {
  switch (c) {
    case InClass::f16: return "f16";   case InClass::bf16: return "bf16";
    case InClass::tf32: return "tf32"; case InClass::f64: return "f64";
    case InClass::fp8: return "fp8";   case InClass::i8: return "i8";
    case InClass::i4: return "i4";
  }
  return "?";
}

InClass in_class_of(Fmt a) {
  switch (a) {
    case Fmt::f16: return InClass::f16;
    case Fmt::bf16: return InClass::bf16;
    case Fmt::tf32: return InClass::tf32;
    case Fmt::f64: return InClass::f64;
    case Fmt::e4m3: case Fmt::e5m2: return InClass::fp8;
    case Fmt::s8: case Fmt::u8: return InClass::i8;
    case Fmt::s4: case Fmt::u4: return InClass::i4;
    default: throw std::invalid_argument(std::string("not an input format: ") + fmt_name(a));
  }
}

PathRow row(InClass in, Fmt d) {
  PathRow r{std::nullopt, std::nullopt, std::nullopt, std::nullopt, in, d, PathParams{}};
  // The MATLAB models' recursion: each block's sum is rounded straight into the output format.
  r.p.chain_in_output = true;
  return r;
}

namespace {

constexpr const char* kLit = "from the literature, not measured here: ";
constexpr const char* kIntSrc =
    "from the literature, not measured here: integer products and sums are exact; the s32 result wraps "
    "modulo 2^32, or saturates with .satfinite [PTX]";
constexpr const char* kDmmaSrc =
    "from the literature, not measured here: f64 mma is IEEE round-to-nearest [PTX]; modelled as one fused "
    "multiply-add per product in k order (the order is an assumption)";

std::vector<PathRow> v100_rows() {
  const std::string s = std::string(kLit) +
                        "[FHMP21] V100: exact products, 4-product blocks + c aligned to the largest exponent, "
                        "no extra alignment bits (truncation), round toward zero, normalisation once per block; "
                        "[KM25] V100TC.m: fma=4, neab=0, frmode=rz";
  return {
      row(InClass::f16, Fmt::f32).block(4).extra_bits(0).src(s),
      row(InClass::f16, Fmt::f16).block(4).extra_bits(0).out_round(Round::rn)
          .src(s + "; fp16 output rounded to nearest [FHMP21], frmode=rne [KM25]"),
  };
}

std::vector<PathRow> t4_rows() {
  const std::string s = std::string(kLit) +
                        "[FHMP21] T4 (the T4/A100 binary16 test suite): exact products, one extra alignment bit, "
                        "truncation, round toward zero; block size 4 as on V100 (not cross-checked: [KM25] has no "
                        "T4 model)";
  return {
      row(InClass::f16, Fmt::f32).block(4).extra_bits(1).src(s),
      row(InClass::f16, Fmt::f16).block(4).extra_bits(1).out_round(Round::rn).src(s + "; fp16 output rounded to nearest"),
      row(InClass::i8, Fmt::s32).src(kIntSrc),
      row(InClass::i4, Fmt::s32).src(kIntSrc),
  };
}

std::vector<PathRow> a100_rows() {
  const std::string s = std::string(kLit) +
                        "[FHMP21] A100 / [KM25] A100TC.m: fma=8 (fp16, bf16), neab=1, frmode=rz";
  const std::string tf = std::string(kLit) +
                         "[FHMP21] A100 tf32: 4-product blocks / [KM25] A100TC.m: fma=4, neab=1, frmode=rz; "
                         "tf32 inputs from f32 words by truncation (GEMM.m rounds tf32 inputs toward zero)";
  return {
      row(InClass::f16, Fmt::f32).block(8).extra_bits(1).src(s),
      row(InClass::f16, Fmt::f16).block(8).extra_bits(1).out_round(Round::rn).src(s + "; fp16 output: frmode=rne"),
      row(InClass::bf16, Fmt::f32).block(8).extra_bits(1).src(s),
      row(InClass::tf32, Fmt::f32).block(4).extra_bits(1).tf32_input(Tf32Input::truncate).src(tf),
      row(InClass::f64, Fmt::f64).exact_fma().src(kDmmaSrc),
      row(InClass::i8, Fmt::s32).src(kIntSrc),
      row(InClass::i4, Fmt::s32).src(kIntSrc),
  };
}

std::vector<Preset> make_presets() {
  return {
      {"v100", "NVIDIA V100 (Volta)", 70, false, v100_rows()},
      {"t4", "NVIDIA T4 (Turing)", 75, false, t4_rows()},
      {"a100", "NVIDIA A100 (Ampere)", 80, false, a100_rows()},
      {"h100", "NVIDIA H100 / H200 (Hopper GH100, sm_90a)", 90, true, h100_rows()},
  };
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> p = make_presets();
  return p;
}

}  // namespace

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Preset& p : presets()) v.push_back(p.name);
    return v;
  }();
  return names;
}

std::string preset_for_sm(int sm) {
  for (const Preset& p : presets())
    if (p.sm == sm) return p.name;
  return "";
}

const Preset* find_preset(const std::string& name) {
  for (const Preset& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

Resolved resolve(const std::string& preset_name, const std::string& ptx) {
  const Preset* preset = find_preset(preset_name);
  if (!preset) {
    std::string list;
    for (const std::string& n : preset_names()) list += (list.empty() ? "" : ", ") + n;
    throw ResolveError(ResolveError::unknown_preset, "unknown preset '" + preset_name + "' (known: " + list + ")");
  }
  Resolved r;
  std::string err;
  if (!parse_instr(ptx, &r.instr, &err)) throw ResolveError(ResolveError::bad_instruction, err);
  const Instr& in = r.instr;
  const std::string arch = "sm_" + std::to_string(preset->sm);
  if (in.sm90a_only && preset->sm != 90)
    throw ResolveError(ResolveError::not_on_arch, "instruction '" + ptx + "' needs sm_90a; preset " + preset->name +
                                                      " is " + arch);
  if (in.min_sm > preset->sm)
    throw ResolveError(ResolveError::not_on_arch, "instruction '" + ptx + "' needs sm_" + std::to_string(in.min_sm) +
                                                      " or newer; preset " + preset->name + " is " + arch);
  const InClass cls = in_class_of(in.a);
  for (const PathRow& row : preset->rows) {
    if (row.in != cls || row.d != in.d || (row.family && *row.family != in.family)) continue;
    if (row.shape_k && (*row.shape_m != in.m || *row.shape_n != in.n || *row.shape_k != in.k)) continue;
    r.params = row.p;
    r.params.a = in.a;
    r.params.b = in.b;
    r.params.c = in.c;
    r.params.d = in.d;
    r.params.instr_k = in.k;
    r.params.satfinite = in.satfinite;
    return r;
  }
  throw ResolveError(ResolveError::no_path, std::string("preset ") + preset->name + " has no " + in_class_name(cls) +
                                                " -> " + fmt_name(in.d) + " path for " + family_name(in.family));
}

}  // namespace tcb::model
