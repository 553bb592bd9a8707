// GPU presets for the tensor-core model: one PathParams per (instruction family, input type
// class, output type) path, and the lookup from a PTX mnemonic to the path it runs.
//   v100, t4, a100: from the literature, not measured here (model/presets.cpp).
//   h100: starts from the literature; its table (model/presets_h100.cpp) is meant to be
//         overwritten, row by row, with values the GPU probes measure.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/ptx_instr.hpp"
#include "model/tc_model.hpp"

namespace tcb::model {

// The input-type class that selects a datapath (fp8 = any mix of e4m3/e5m2; i8 = s8/u8 ...).
enum class InClass : uint8_t { f16, bf16, tf32, f64, fp8, i8, i4 };
const char* in_class_name(InClass);
InClass in_class_of(Fmt a);

// One path of a preset. `family` empty: the row serves every family the GPU has. The setters
// chain so that a table row reads as one line:
//   row(InClass::f16, Fmt::f32).block(16).extra_bits(2).src("...")
struct PathRow {
  std::optional<Family> family;
  std::optional<int> shape_m, shape_n, shape_k;  // empty: every shape
  InClass in;
  Fmt d;
  PathParams p;

  PathRow& only(Family f) { family = f; return *this; }
  PathRow& shape(int m, int n, int k) { shape_m = m; shape_n = n; shape_k = k; return *this; }
  PathRow& nan_rule(NanRule r) { p.nan_rule = r; return *this; }
  PathRow& c_after_ieee(bool v) { p.c_after_ieee = v; return *this; }
  PathRow& zero_result_positive(bool v) { p.zero_result_positive = v; return *this; }
  PathRow& k_order(std::vector<int> v) { p.k_order = std::move(v); return *this; }
  PathRow& ffma_chain() {  // products by sequential fp32 FMAs, round to nearest (emulation)
    p.acc = Fmt::f32; p.acc_frac_bits = 23; p.block = 1; p.exact_alignment = true;
    p.block_round = p.out_round = Round::rn; p.chain_in_output = false;
    return *this;
  }
  PathRow& block(int v) { p.block = v; return *this; }
  PathRow& extra_bits(int v) { p.extra_align_bits = v; return *this; }
  PathRow& acc_bits(int v) { p.acc_frac_bits = v; return *this; }
  PathRow& align(Round r) { p.align_round = r; return *this; }
  PathRow& block_round(Round r) { p.block_round = r; return *this; }
  PathRow& out_round(Round r) { p.out_round = r; return *this; }
  PathRow& chain_in_output(bool v) { p.chain_in_output = v; return *this; }
  PathRow& tf32_input(Tf32Input v) { p.tf32_input = v; return *this; }
  PathRow& c_mode(CMode v) { p.c_mode = v; return *this; }
  PathRow& c_frac_bits(int v) { p.c_frac_bits = v; return *this; }
  PathRow& carry_bits(int v) { p.carry_bits = v; return *this; }
  PathRow& normalise_each_add(bool v) { p.normalise_each_add = v; return *this; }
  PathRow& anchor_normalised(bool v) { p.anchor_normalised = v; return *this; }
  PathRow& subnormals(bool in, bool c, bool out) { p.in_subnormals = in; p.c_subnormals = c; p.out_subnormals = out; return *this; }
  PathRow& overflow_to_inf(bool v) { p.overflow_to_inf = v; return *this; }
  PathRow& nan_bits(uint64_t v) { p.nan_bits = v; return *this; }
  PathRow& min_product_exp(int v) { p.min_product_exp = v; return *this; }
  PathRow& exact_fma() {  // IEEE fused multiply-add per product (DMMA), round to nearest
    p.acc = Fmt::f64; p.acc_frac_bits = 52; p.block = 1; p.exact_alignment = true;
    p.block_round = p.out_round = Round::rn; p.chain_in_output = false;
    return *this;
  }
  PathRow& src(const std::string& s) { p.source = s; return *this; }
};
PathRow row(InClass in, Fmt d);

struct Preset {
  std::string name;  // v100, t4, a100, h100
  std::string gpu;
  int sm;            // 70, 75, 80, 90 (h100: sm_90a)
  bool measured;     // false: every row is from the literature
  std::vector<PathRow> rows;
};

const std::vector<std::string>& preset_names();
// The preset of a GPU architecture (70 -> v100, 75 -> t4, 80 -> a100, 90 -> h100); "" if none.
std::string preset_for_sm(int sm);
// nullptr if no preset has that name.
const Preset* find_preset(const std::string& name);
// The editable H100 table (model/presets_h100.cpp).
std::vector<PathRow> h100_rows();

class ResolveError : public std::runtime_error {
 public:
  enum Kind { unknown_preset, bad_instruction, not_on_arch, no_path };
  ResolveError(Kind k, const std::string& msg) : std::runtime_error(msg), kind(k) {}
  Kind kind;
};

struct Resolved {
  Instr instr;        // shape, k, formats of a, b, c, d
  PathParams params;  // formats and instr_k filled in from the instruction
};

// The path `ptx` runs on `preset`. Throws ResolveError (unknown preset, ill-formed or unknown
// instruction, an instruction that the preset's architecture lacks, or no path in the table).
Resolved resolve(const std::string& preset, const std::string& ptx);

}  // namespace tcb::model
