#include "families/mma/numerics_probes.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "families/mma/numerics_cases.hpp"
#include "families/mma/operands.hpp"

namespace tcb {
namespace {

using model::PathParams;
using model::Round;

Hypothesis model_hypothesis(const std::string& label, const PathParams& p, int k) {
  return {label, [p, k](const DotCase& c) { return model_dot(p, k, c); }};
}

// A property whose hypotheses set one parameter to each of `values`.
template <class T, class Set>
Property vary(const std::string& name, const PathParams& preset, int k, const std::vector<std::pair<std::string, T>>& values,
              Set set, const std::string& preset_label) {
  Property prop{name, preset_label, {}};
  for (const auto& [label, v] : values) {
    PathParams p = preset;
    set(p, v);
    prop.hypotheses.push_back(model_hypothesis(label, p, k));
  }
  return prop;
}

std::string round_label(Round r) { return model::round_name(r); }

bool is_fp8(DType t) { return t == DType::e4m3 || t == DType::e5m2; }

}  // namespace

std::vector<Property> path_properties(const AtomInfo& atom, const PathParams& preset) {
  const int k = atom.k;
  std::vector<Property> props;
  if (!dtype_is_float(atom.a)) {
    props.push_back(vary<bool>("satfinite", preset, k, {{"wrap", false}, {"saturate", true}},
                               [](PathParams& p, bool v) { p.satfinite = v; }, preset.satfinite ? "saturate" : "wrap"));
    return props;
  }
  using B = std::vector<std::pair<std::string, bool>>;
  using R = std::vector<std::pair<std::string, Round>>;
  using I = std::vector<std::pair<std::string, int>>;
  auto yes_no = [](bool v) { return std::string(v ? "yes" : "no"); };
  props.push_back(vary<bool>("in_subnormals", preset, k, B{{"yes", true}, {"no", false}},
                             [](PathParams& p, bool v) { p.in_subnormals = v; }, yes_no(preset.in_subnormals)));
  props.push_back(vary<bool>("c_subnormals", preset, k, B{{"yes", true}, {"no", false}},
                             [](PathParams& p, bool v) { p.c_subnormals = v; }, yes_no(preset.c_subnormals)));
  props.push_back(vary<bool>("out_subnormals", preset, k, B{{"yes", true}, {"no", false}},
                             [](PathParams& p, bool v) { p.out_subnormals = v; }, yes_no(preset.out_subnormals)));
  // Product exactness: exact products (the model) against products rounded to the input
  // format's precision before the sum, written as the model with narrowed inputs.
  {
    Property prop{"product_exact", "exact", {model_hypothesis("exact", preset, k)}};
    PathParams p = preset;
    prop.hypotheses.push_back({"rounded_to_input_precision", [p, k, atom](const DotCase& c) {
                                 DotCase r = c;
                                 for (size_t i = 0; i < r.a.size() && i < r.b.size(); ++i) {
                                   const double v = decode_value(atom.a, r.a[i]) * decode_value(atom.b, r.b[i]);
                                   const uint64_t q = encode_value(atom.a, v);  // product in A's format
                                   if (!std::isfinite(v) || decode_value(atom.a, q) == v) continue;
                                   r.a[i] = q;
                                   r.b[i] = encode_value(atom.b, 1.0);
                                 }
                                 return model_dot(p, k, r);
                               }});
    props.push_back(prop);
  }
  if (!preset.exact_alignment) {
    I extra;
    for (int e = std::max(-12, preset.extra_align_bits - 3); e <= preset.extra_align_bits + 3; ++e)
      extra.push_back({std::to_string(e), e});
    props.push_back(vary<int>("extra_align_bits", preset, k, extra, [](PathParams& p, int v) { p.extra_align_bits = v; },
                              std::to_string(preset.extra_align_bits)));
    if (is_fp8(atom.a)) {
      I acc;
      for (int b : {11, 12, 13, 14, 15, 16, 23}) acc.push_back({std::to_string(b), b});
      props.push_back(vary<int>("acc_frac_bits", preset, k, acc, [](PathParams& p, int v) { p.acc_frac_bits = v; },
                                std::to_string(preset.acc_frac_bits)));
    }
    props.push_back(vary<Round>("align_round", preset, k, R{{"rz", Round::rz}, {"rd", Round::rd}, {"rn", Round::rn}},
                                [](PathParams& p, Round v) { p.align_round = v; }, round_label(preset.align_round)));
    // An instruction of k products can fuse at most k: a preset block larger than k is the
    // whole instruction, and is labelled k.
    I blocks;
    for (int b : {1, 2, 4, 8, 16, 32, 64})
      if (b <= k && k % b == 0) blocks.push_back({std::to_string(b), b});
    props.push_back(vary<int>("block", preset, k, blocks, [](PathParams& p, int v) { p.block = v; },
                              std::to_string(std::min(preset.block, k))));
    props.push_back(vary<int>("carry_bits", preset, k, I{{"unlimited", -1}, {"1", 1}, {"2", 2}, {"3", 3}, {"4", 4}},
                              [](PathParams& p, int v) { p.carry_bits = v; },
                              preset.carry_bits < 0 ? "unlimited" : std::to_string(preset.carry_bits)));
    props.push_back(vary<bool>("normalise_each_add", preset, k, B{{"once_per_block", false}, {"after_each_add", true}},
                               [](PathParams& p, bool v) { p.normalise_each_add = v; },
                               preset.normalise_each_add ? "after_each_add" : "once_per_block"));
    props.push_back(vary<model::CMode>("c_mode", preset, k,
                                       {{"in_block", model::CMode::in_block}, {"after_products", model::CMode::after_products}},
                                       [](PathParams& p, model::CMode v) { p.c_mode = v; },
                                       preset.c_mode == model::CMode::in_block ? "in_block" : "after_products"));
  }
  props.push_back(vary<Round>("block_round", preset, k, R{{"rz", Round::rz}, {"rn", Round::rn}},
                              [](PathParams& p, Round v) { p.block_round = v; }, round_label(preset.block_round)));
  props.push_back(vary<Round>("out_round", preset, k, R{{"rz", Round::rz}, {"rn", Round::rn}},
                              [](PathParams& p, Round v) { p.out_round = v; }, round_label(preset.out_round)));
  if (atom.d == DType::f16)
    props.push_back(vary<bool>("chain_in_output", preset, k, B{{"no", false}, {"yes", true}},
                               [](PathParams& p, bool v) { p.chain_in_output = v; }, yes_no(preset.chain_in_output)));
  props.push_back(vary<int>("c_frac_bits", preset, k, I{{"all", -1}, {"20", 20}, {"16", 16}, {"10", 10}},
                            [](PathParams& p, int v) { p.c_frac_bits = v; },
                            preset.c_frac_bits < 0 ? "all" : std::to_string(preset.c_frac_bits)));
  if (atom.a == DType::tf32)
    props.push_back(vary<model::Tf32Input>("tf32_input", preset, k,
                                           {{"truncate", model::Tf32Input::truncate},
                                            {"nearest_even", model::Tf32Input::nearest_even}},
                                           [](PathParams& p, model::Tf32Input v) { p.tf32_input = v; },
                                           preset.tf32_input == model::Tf32Input::truncate ? "truncate" : "nearest_even"));
  props.push_back(vary<bool>("inf_overflow", preset, k, B{{"inf", true}, {"ieee", false}},
                             [](PathParams& p, bool v) { p.overflow_to_inf = v; }, preset.overflow_to_inf ? "inf" : "ieee"));
  props.push_back(vary<bool>("zero_sign", preset, k, B{{"always_positive", true}, {"ieee", false}},
                             [](PathParams& p, bool v) { p.positive_zero = v; },
                             preset.positive_zero ? "always_positive" : "ieee"));
  {
    const bool f64 = atom.d == DType::f64, f16 = atom.d == DType::f16;
    const uint64_t canon = f64 ? 0x7fffffffffffffffULL : f16 ? 0x7fff : 0x7fffffff;
    const uint64_t neg_q = f64 ? 0xfff8000000000000ULL : f16 ? 0xfe00 : 0xffc00000;
    const uint64_t pos_q = f64 ? 0x7ff8000000000000ULL : f16 ? 0x7e00 : 0x7fc00000;
    Property prop{"nan", "", {}};
    for (auto [label, bits, rule] : {std::tuple{"canonical_" + hex_bits(canon, atom.d), canon, model::NanRule::canonical},
                                     std::tuple{"canonical_" + hex_bits(neg_q, atom.d), neg_q, model::NanRule::canonical},
                                     std::tuple{"canonical_" + hex_bits(pos_q, atom.d), pos_q, model::NanRule::canonical},
                                     std::tuple{"propagate_else_" + hex_bits(neg_q, atom.d), neg_q, model::NanRule::propagate}}) {
      PathParams p = preset;
      p.nan_bits = bits;
      p.nan_rule = rule;
      prop.hypotheses.push_back(model_hypothesis(label, p, k));
      const uint64_t preset_bits = preset.nan_bits ? preset.nan_bits : canon;
      if (rule == preset.nan_rule && bits == preset_bits) prop.preset_label = label;
    }
    props.push_back(prop);
  }
  return props;
}

std::vector<DotCase> probe_candidates(const AtomInfo& atom, uint64_t seed, int random) {
  std::vector<DotCase> out;
  const int k = atom.k;
  if (dtype_is_float(atom.a)) {
    auto A = [&](double v) { return encode_value(atom.a, v); };
    auto Bv = [&](double v) { return encode_value(atom.b, v); };
    auto C = [&](double v) { return encode_value(atom.c, v); };
    // Factor a tiny product 2^e into a, b within the formats' ranges.
    auto tiny = [&](int e, DotCase* c, int i, double sign) {
      const int ea = e / 2, eb = e - ea;
      c->a[i] = A(sign * std::ldexp(1.0, ea));
      c->b[i] = Bv(std::ldexp(1.0, eb));
    };
    const int p_out = atom.d == DType::f16 ? 11 : atom.d == DType::f64 ? 53 : 24;
    const double sub_a = atom.a == DType::f16 ? std::ldexp(1.0, -24) : atom.a == DType::e4m3 ? std::ldexp(1.0, -9)
                       : atom.a == DType::e5m2 ? std::ldexp(1.0, -16) : atom.a == DType::f64 ? std::ldexp(1.0, -1074)
                       : std::ldexp(1.0, -149);
    for (double cval : {0.0, 1.0, -1.0, 1.0 + std::ldexp(1.0, 1 - p_out), 1.5}) {
      for (int big_at : {0, k - 1, -1}) {
        for (int e = -(p_out + 8); e <= -(p_out - 3); ++e) {
          for (int m : {1, 2, 3, 4, k / 2, k - 1}) {
            if (m < 1) continue;
            for (double sign : {1.0, -1.0}) {
              DotCase c;
              c.a.assign(k, 0);
              c.b.assign(k, 0);
              c.c = C(cval);
              int placed = 0;
              for (int i = 0; i < k && placed < m; ++i) {
                if (i == big_at) continue;
                tiny(e, &c, i, sign);
                ++placed;
              }
              if (big_at >= 0) { c.a[big_at] = A(1.0); c.b[big_at] = Bv(1.0); }
              out.push_back(c);
            }
          }
        }
      }
    }
    // Carries: every product near the largest significand, one sign; and ties / 3/4 ulps.
    for (double v : {1.875, 1.75, 1.5}) {
      DotCase c;
      c.a.assign(k, A(v));
      c.b.assign(k, Bv(v));
      c.c = C(0.0);
      out.push_back(c);
      c.c = C(1.0);
      out.push_back(c);
    }
    // Product exactness: (1 + 2^-m)^2 - (1 + 2^-(m-1)) leaves 2^-2m.
    for (int m : {2, 3, 5, 7, 10}) {
      DotCase c;
      c.a = {A(1 + std::ldexp(1.0, -m))};
      c.b = {Bv(1 + std::ldexp(1.0, -m))};
      c.c = C(-(1 + std::ldexp(1.0, 1 - m)));
      c.a.resize(k, 0);
      c.b.resize(k, 0);
      out.push_back(c);
    }
    // Subnormals: smallest subnormal inputs, and results below the output's normal range.
    for (double scale : {1.0, 2.0, 1024.0}) {
      DotCase c;
      c.a.assign(k, 0);
      c.b.assign(k, 0);
      c.a[0] = A(sub_a);
      c.b[0] = Bv(scale);
      c.c = C(0.0);
      out.push_back(c);
      c.c = C(atom.c == DType::f16 ? std::ldexp(1.0, -20) : std::ldexp(1.0, -140));
      out.push_back(c);
    }
    // Specials: inf - inf, 0 * inf, NaN in c, overflow past the accumulator's range.
    const double big = decode_value(atom.a, encode_value(atom.a, 1e300));
    for (int variant = 0; variant < 6; ++variant) {
      DotCase c;
      c.a.assign(k, 0);
      c.b.assign(k, 0);
      c.c = C(0.0);
      const double inf = INFINITY;
      switch (variant) {
        case 0: c.a[0] = A(inf); c.b[0] = Bv(1); c.a[1] = A(-inf); c.b[1] = Bv(1); break;
        case 1: c.a[0] = A(inf); c.b[0] = Bv(0); break;
        case 2: c.c = C(NAN); c.a[0] = A(1); c.b[0] = Bv(1); break;
        case 3: for (int i = 0; i < k; ++i) { c.a[i] = A(big); c.b[i] = Bv(big); } break;
        case 4: for (int i = 0; i < k; ++i) { c.a[i] = A(big); c.b[i] = Bv(-big); } c.c = C(-1e300); break;
        default: c.a[0] = A(1); c.b[0] = Bv(-1); c.c = C(1); break;  // exact cancellation: sign of zero
      }
      out.push_back(c);
    }
  } else {
    // Integers: C next to the limits, a product of +-1 or the largest magnitude.
    const uint64_t one_a = encode_value(atom.a, 1), one_b = encode_value(atom.b, 1);
    for (uint64_t cval : {0x7fffffffULL, 0x80000000ULL, 0x7ffffff0ULL}) {
      DotCase c;
      c.a.assign(k, 0);
      c.b.assign(k, 0);
      c.a[0] = one_a;
      c.b[0] = one_b;
      c.c = cval;
      out.push_back(c);
      if (dtype_is_signed_int(atom.a)) {
        c.a[0] = encode_value(atom.a, -1);
        out.push_back(c);
      }
    }
  }
  for (auto& g : random_cases(atom, seed, random)) out.push_back(std::move(g.dot));
  return out;
}

std::vector<Probe> select_probes(const std::vector<Property>& props, const std::vector<DotCase>& candidates,
                                 int per_property) {
  std::vector<Probe> out;
  for (const Property& prop : props) {
    int preset_index = -1;
    for (size_t h = 0; h < prop.hypotheses.size(); ++h)
      if (prop.hypotheses[h].label == prop.preset_label) preset_index = int(h);
    std::vector<Probe> apart, other;  // the preset stands alone / any disagreement
    std::set<std::vector<uint64_t>> seen;  // one probe per distinct prediction pattern
    for (const DotCase& c : candidates) {
      if (int(apart.size()) >= per_property) break;
      Probe p{&prop, c, {}};
      for (const Hypothesis& h : prop.hypotheses) {
        try {
          p.predictions.push_back(h.predict(c));
        } catch (const std::exception&) {
          p.predictions.push_back(~0ULL);  // the hypothesis cannot represent this input
        }
      }
      if (std::all_of(p.predictions.begin(), p.predictions.end(), [&](uint64_t v) { return v == p.predictions[0]; }))
        continue;
      std::vector<uint64_t> pattern;  // which hypotheses agree with which
      for (uint64_t v : p.predictions)
        pattern.push_back(uint64_t(std::find(p.predictions.begin(), p.predictions.end(), v) - p.predictions.begin()));
      if (!seen.insert(pattern).second) continue;
      const bool alone = preset_index >= 0 &&
                         std::count(p.predictions.begin(), p.predictions.end(), p.predictions[preset_index]) == 1;
      (alone ? apart : other).push_back(std::move(p));
    }
    for (auto* v : {&apart, &other})
      for (auto& p : *v)
        if (std::count_if(out.begin(), out.end(), [&](const Probe& q) { return q.property == &prop; }) < per_property)
          out.push_back(std::move(p));
  }
  return out;
}

}  // namespace tcb
