#include "optimizer/core/planner.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <functional>
#include <tuple>

namespace tcb::opt {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Past this many operands the subset DP (3^n pairs) gives way to a greedy order.
constexpr int kMaxDpOperands = 16;

int storage_bytes(Dtype d) { return info(d).d_bytes; }
// Significand bits a stored tensor keeps: tf32 and f32 store fp32.
int storage_bits(Dtype d) { return info(d).output_fraction_bits; }

// RMS relative rounding error (Frobenius-weighted) of round-to-nearest to p fraction bits, for
// values spread over binades: 2^-p / sqrt(12) / sqrt(E[m^2]) with the significand m uniform in
// [1, 2) (E[m^2] = 7/3); docs/optimizer.md derives it, tests/python checks it by emulation.
double rounding(int bits) { return std::ldexp(1.0, -bits) / std::sqrt(12.0 * 7.0 / 3.0); }

// Cached GEMM predictions: a DP asks for the same (batch, M, N, K) many times.
class Pricer {
 public:
  Pricer(const GemmModel& model, Dtype dtype) : model_(model), dtype_(dtype) {}
  const GemmPrediction& gemm(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, bool b_nk) {
    const auto key = std::make_tuple(batch, m, n, k, b_nk);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    GemmProblem p;
    p.dtype = dtype_;
    p.batch = batch, p.m = m, p.n = n, p.k = k, p.b_nk = b_nk;
    return cache_.emplace(key, model_.predict(p)).first->second;
  }
  double stream(double elements_in, double elements_out) const {
    const double b = storage_bytes(dtype_);
    return model_.stream_kernel_us(elements_in * b, elements_out * b);
  }
  // A permute copy: out dimension i is in dimension perm[i]. Coalesced when the input's
  // contiguous dimension stays innermost; else the sector model of gather_kernel_us.
  double permute(const std::vector<std::int64_t>& in_dims, const std::vector<int>& perm) const {
    double elements = 1;
    for (auto d : in_dims) elements *= double(d);
    int inner = -1;
    for (int i = int(in_dims.size()) - 1; i >= 0 && inner < 0; --i)
      if (in_dims[i] > 1) inner = i;
    double reuse = 0;
    bool after = false;
    for (int q = int(perm.size()) - 1; q >= 0 && inner >= 0; --q) {
      if (perm[q] == inner) {
        after = true;
        break;
      }
      reuse = (reuse == 0 ? 1 : reuse) * double(in_dims[perm[q]]);
    }
    if (!after || reuse <= 1) reuse = 0;
    return model_.gather_kernel_us(elements, storage_bytes(dtype_), reuse);
  }
  double permute(const Expression& e, const std::string& from, const std::string& to) const {
    std::vector<int> perm;
    for (char c : to) perm.push_back(int(from.find(c)));
    return permute(e.shape_of(from), perm);
  }
  Dtype dtype() const { return dtype_; }
  double device_memory_bytes() const { return model_.device_memory_bytes() > 0 ? model_.device_memory_bytes() : kInf; }

 private:
  const GemmModel& model_;
  Dtype dtype_;
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool>, GemmPrediction> cache_;
};

// A permute or sum op of a program, priced.
double op_stream_us(const Pricer& pricer, const Op& op) {
  if (op.kind == Op::Kind::sum) return pricer.stream(op.elements_in, op.elements_out);
  std::vector<std::int64_t> in_dims(op.perm.size());
  for (size_t i = 0; i < op.perm.size(); ++i) in_dims[op.perm[i]] = op.out_shape[i];
  return pricer.permute(in_dims, op.perm);
}

std::string gemm_kernel(const Op& op, const GemmPrediction& g) {
  return fmt::format("{} {}{}{} {}", op.batch > 1 ? "bmm" : "mm", op.a_trans ? "A^T" : "A", op.b_trans ? "·B^T" : "·B",
                     "", g.impl.describe());
}

// ---- the subset DP ---------------------------------------------------------------------------

struct Entry {
  double us = kInf, flops = 0, largest = 0;
  std::string idx;
  unsigned left = 0, right = 0;  // children's subsets (0 for an input) ...
  int left_k = 0, right_k = 0;   // ... and which of their kept entries
};

struct DpProblem {
  const Expression& e;
  Pricer& pricer;
  double memory_cap;  // --memory-limit, and never more than the GPU holds
  bool by_flops = false;
  bool allow_outer = false;
  int keep = 1;  // entries kept per subset: the cheapest few with distinct index orders
};

// The step of two sub-results as lower() will emit it, priced; false when a buffer breaks the
// memory limit.
bool price_step(DpProblem& dp, const Entry& l, const Entry& r, const std::string& needed, Entry* out) {
  const Expression& e = dp.e;
  const StepShape s = shape_step(l.idx, r.idx, needed, e);
  const std::string& ia = s.swapped ? r.idx : l.idx;
  const std::string& ib = s.swapped ? l.idx : r.idx;
  double us = 0, largest = std::max(l.largest, r.largest);
  auto buffer = [&](const std::string& idx) { largest = std::max(largest, e.elements(idx) * storage_bytes(dp.pricer.dtype())); };
  if (s.a_sum != ia) us += dp.pricer.stream(e.elements(ia), e.elements(s.a_sum)), buffer(s.a_sum);
  if (s.b_sum != ib) us += dp.pricer.stream(e.elements(ib), e.elements(s.b_sum)), buffer(s.b_sum);
  if (s.a_permute) us += dp.pricer.permute(e, s.a_sum, s.a_plain), buffer(s.a_sum);
  if (s.b_permute) us += dp.pricer.permute(e, s.b_sum, s.b_plain), buffer(s.b_sum);
  buffer(s.out);
  if (largest > dp.memory_cap) return false;
  const double batch = e.elements(s.batch), m = e.elements(s.free_a), n = e.elements(s.free_b), k = e.elements(s.contracted);
  us += dp.pricer.gemm(std::int64_t(batch), std::int64_t(m), std::int64_t(n), std::int64_t(k), s.b_trans).us;
  out->us = l.us + r.us + us;
  out->flops = l.flops + r.flops + 2.0 * batch * m * n * k;
  out->largest = largest;
  out->idx = s.out;
  return true;
}

bool better(const DpProblem& dp, const Entry& a, const Entry& b) {
  if (dp.by_flops) return a.flops < b.flops * (1 - 1e-12) || (a.flops <= b.flops * (1 + 1e-12) && a.us < b.us);
  return a.us < b.us;
}

// Keeps the dp.keep best entries with distinct index orders (the order decides later permutes).
void keep_best(const DpProblem& dp, std::vector<Entry>& kept, Entry cand) {
  for (Entry& k : kept)
    if (k.idx == cand.idx) {
      if (better(dp, cand, k)) k = std::move(cand);
      std::sort(kept.begin(), kept.end(), [&](const Entry& x, const Entry& y) { return better(dp, x, y); });
      return;
    }
  kept.push_back(std::move(cand));
  std::sort(kept.begin(), kept.end(), [&](const Entry& x, const Entry& y) { return better(dp, x, y); });
  if (int(kept.size()) > dp.keep) kept.pop_back();
}

// Subsets of the inputs as bit masks; best[S] the cheapest ways to contract S into one tensor.
// The whole set also pays the final permute to the output's order.
std::optional<std::vector<std::vector<Entry>>> subset_dp(DpProblem& dp) {
  const Expression& e = dp.e;
  const int n = int(e.inputs.size());
  const unsigned full = (1u << n) - 1;
  std::vector<std::vector<Entry>> best(full + 1);
  std::vector<std::string> letters(full + 1);  // the index letters of the inputs in S
  for (unsigned s = 1; s <= full; ++s) {
    const int low = __builtin_ctz(s);
    std::string u = letters[s & (s - 1)];
    for (char c : e.inputs[low])
      if (u.find(c) == std::string::npos) u += c;
    letters[s] = u;
  }
  for (int i = 0; i < n; ++i) {
    Entry leaf;
    leaf.us = 0;
    leaf.idx = e.inputs[i];
    best[1u << i].push_back(leaf);
  }
  for (unsigned s = 1; s <= full; ++s) {
    if (__builtin_popcount(s) < 2) continue;
    std::string needed = e.output;
    needed += letters[full & ~s];
    const unsigned low = s & (~s + 1);
    for (unsigned a = (s - 1) & s; a; a = (a - 1) & s) {
      if (!(a & low)) continue;  // each split once: the first part holds the lowest input
      const unsigned b = s & ~a;
      if (best[a].empty() || best[b].empty()) continue;
      if (!dp.allow_outer && letters[a].find_first_of(letters[b]) == std::string::npos) continue;
      for (int ka = 0; ka < int(best[a].size()); ++ka)
        for (int kb = 0; kb < int(best[b].size()); ++kb)
          for (int order = 0; order < 2; ++order) {  // which part is the step's left operand
            const bool swap = order == 1;
            const Entry& l = swap ? best[b][kb] : best[a][ka];
            const Entry& r = swap ? best[a][ka] : best[b][kb];
            Entry cand;
            if (!price_step(dp, l, r, needed, &cand)) continue;
            if (s == full && cand.idx != e.output) cand.us += dp.pricer.permute(e, cand.idx, e.output);
            cand.left = swap ? b : a, cand.right = swap ? a : b;
            cand.left_k = swap ? kb : ka, cand.right_k = swap ? ka : kb;
            keep_best(dp, best[s], std::move(cand));
          }
    }
  }
  if (best[full].empty()) return std::nullopt;
  return best;
}

// Greedy for many operands: repeatedly the cheapest connected pair by the objective.
Path greedy_path(DpProblem& dp) {
  const Expression& e = dp.e;
  std::vector<Entry> live;
  for (const std::string& in : e.inputs) {
    Entry leaf;
    leaf.us = 0;
    leaf.idx = in;
    live.push_back(leaf);
  }
  Path path;
  while (live.size() > 1) {
    double best_score = kInf;
    int bi = -1, bj = -1;
    Entry best_entry;
    for (int i = 0; i < int(live.size()); ++i)
      for (int j = i + 1; j < int(live.size()); ++j) {
        if (!dp.allow_outer && live[i].idx.find_first_of(live[j].idx) == std::string::npos) continue;
        std::string needed = e.output;
        for (int q = 0; q < int(live.size()); ++q)
          if (q != i && q != j) needed += live[q].idx;
        Entry c;
        if (!price_step(dp, live[i], live[j], needed, &c)) continue;
        const double score = dp.by_flops ? c.flops - live[i].flops - live[j].flops : c.us - live[i].us - live[j].us;
        if (score < best_score) best_score = score, bi = i, bj = j, best_entry = c;
      }
    if (bi < 0) {
      if (dp.allow_outer) throw ExpressionError("no contraction order keeps every buffer within the memory limit");
      dp.allow_outer = true;
      continue;
    }
    path.push_back({bi, bj});
    live.erase(live.begin() + bj);
    live.erase(live.begin() + bi);
    live.push_back(best_entry);
  }
  if (path.empty()) path.push_back({0});
  return path;
}

// The DP's tree as an opt_einsum path: post-order, the step's left operand first.
Path tree_to_path(const std::vector<std::vector<Entry>>& best, unsigned root, int n) {
  std::vector<std::pair<unsigned, unsigned>> ssa;  // pairs of subset masks, in execution order
  std::function<void(unsigned, int)> walk = [&](unsigned s, int k) {
    if (__builtin_popcount(s) < 2) return;
    const Entry& en = best[s][k];
    walk(en.left, en.left_k);
    walk(en.right, en.right_k);
    ssa.push_back({en.left, en.right});
  };
  walk(root, 0);
  std::vector<unsigned> live;
  for (int i = 0; i < n; ++i) live.push_back(1u << i);
  Path path;
  for (auto [l, r] : ssa) {
    const int pl = int(std::find(live.begin(), live.end(), l) - live.begin());
    const int pr = int(std::find(live.begin(), live.end(), r) - live.begin());
    path.push_back({pl, pr});
    live.erase(live.begin() + std::max(pl, pr));
    live.erase(live.begin() + std::min(pl, pr));
    live.push_back(l | r);
  }
  if (path.empty()) path.push_back({0});
  return path;
}

Path search(const Expression& e, Pricer& pricer, std::optional<double> memory_limit, bool by_flops) {
  const double cap = std::min(memory_limit.value_or(kInf), pricer.device_memory_bytes());
  const int n = int(e.inputs.size());
  DpProblem dp{e, pricer, cap, by_flops, false, n <= 8 ? 3 : n <= 11 ? 2 : 1};
  if (n > kMaxDpOperands) return greedy_path(dp);
  auto best = subset_dp(dp);
  if (!best) {  // disconnected operands (an outer product is needed) or the memory limit
    dp.allow_outer = true;
    best = subset_dp(dp);
  }
  if (!best) throw ExpressionError("no contraction order keeps every buffer within the memory limit");
  return tree_to_path(*best, (1u << n) - 1, n);
}

Path naive_path(int n) {
  Path p;
  if (n == 1) return {{0}};
  p.push_back({0, 1});
  for (int left = n - 2; left >= 1; --left) p.push_back({0, left});
  return p;
}

// The dtypes a plan may compute an expression of dtype d in: d itself, and narrower ones when an
// error budget is given.
std::vector<Dtype> plan_dtypes(Dtype d, bool budget) {
  if (!budget) return {d};
  switch (d) {
    case Dtype::f32: return {Dtype::f32, Dtype::tf32, Dtype::bf16, Dtype::f16};
    case Dtype::tf32: return {Dtype::tf32, Dtype::bf16, Dtype::f16};
    default: return {d};
  }
}

std::string signature(const Plan& p) { return std::string(name(p.program.dtype)) + path_text(p.program.path); }

struct Breakdown {
  double gemm = 0, permute = 0, sum = 0;
};

std::string pct(double a, double b) { return fmt::format("{:+.1f}%", 100.0 * (a - b) / b); }

}  // namespace

double predicted_rel_error(const Program& p, const Expression& e, Dtype expr_dtype) {
  (void)e;
  const Dtype d = p.dtype;
  const int stored = storage_bits(d), math = info(d).input_fraction_bits;
  std::map<int, double> err2;  // buffer id -> squared relative error
  const double in2 = storage_bits(expr_dtype) > stored ? std::pow(rounding(stored), 2) : 0.0;
  for (size_t i = 0; i < p.input_shapes.size(); ++i) err2[int(i)] = in2;
  const double out2 = std::pow(rounding(stored), 2);
  for (const Op& op : p.ops) {
    switch (op.kind) {
      case Op::Kind::permute: err2[op.out] = err2[op.in]; break;
      case Op::Kind::sum: err2[op.out] = err2[op.in] + out2; break;
      case Op::Kind::gemm: {
        // Operands rounded to the math precision when stored wider (tf32), fp32 accumulation
        // (random-sign sums: about u * sqrt(K / 2)), the result rounded to storage.
        const double operand2 = math < stored ? 2 * std::pow(rounding(math), 2) : 0.0;
        const double acc = rounding(23) * std::sqrt(double(op.k) / 2.0);
        err2[op.out] = err2[op.a] + err2[op.b] + operand2 + acc * acc + out2;
        break;
      }
    }
  }
  return std::sqrt(err2[p.output]);
}

Plan evaluate_path(const Expression& e, const Path& path, Dtype plan_dtype, Dtype expr_dtype, const GemmModel& model) {
  Pricer pricer(model, plan_dtype);
  Plan plan;
  plan.program = lower(e, path, plan_dtype);
  plan.steps.resize(path.size());
  for (size_t s = 0; s < path.size(); ++s) {
    plan.steps[s].equation = plan.program.steps[s].equation;
    plan.steps[s].dtype = plan_dtype;
    plan.steps[s].kernel = "none (a sum only)";
  }
  const double bytes = storage_bytes(plan_dtype);
  for (size_t i = 0; i < plan.program.input_shapes.size(); ++i)
    plan.largest_buffer_bytes = std::max(plan.largest_buffer_bytes, e.elements(e.inputs[i]) * bytes);
  for (const Op& op : plan.program.ops) {
    double out_elements = 1;
    for (auto d : op.out_shape) out_elements *= double(d);
    plan.largest_buffer_bytes = std::max(plan.largest_buffer_bytes, out_elements * bytes);
  }
  if (model.device_memory_bytes() > 0 && plan.largest_buffer_bytes > model.device_memory_bytes()) {
    plan.feasible = false;
    plan.predicted_total_us = kInf;
    plan.why = fmt::format("a buffer of {:.3g} GB does not fit the GPU's {:.3g} GB", plan.largest_buffer_bytes * 1e-9,
                           model.device_memory_bytes() * 1e-9);
    return plan;
  }
  for (const Op& op : plan.program.ops) {
    double us = 0;
    if (op.kind == Op::Kind::gemm) {
      const GemmPrediction& g = pricer.gemm(op.batch, op.m, op.n, op.k, op.b_trans);
      us = g.us;
      PlanStep& st = plan.steps[op.step];
      st.kernel = gemm_kernel(op, g);
      st.m = op.m, st.n = op.n, st.k = op.k, st.batch = op.batch;
      st.flops = 2.0 * op.batch * op.m * op.n * op.k;
      plan.flops += st.flops;
    } else {
      us = op_stream_us(pricer, op);
    }
    if (op.step >= 0) plan.steps[op.step].predicted_us += us;
    else plan.final_permute_us += us;
  }
  // Operands given in a wider type are converted first, and the result back.
  if (storage_bytes(expr_dtype) != storage_bytes(plan_dtype)) {
    const double eb = storage_bytes(expr_dtype);
    for (const std::string& in : e.inputs)
      plan.conversion_us += model.stream_kernel_us(e.elements(in) * eb, e.elements(in) * bytes);
    plan.conversion_us += model.stream_kernel_us(e.elements(e.output) * bytes, e.elements(e.output) * eb);
  }
  plan.predicted_total_us = plan.final_permute_us + plan.conversion_us;
  for (const PlanStep& st : plan.steps) plan.predicted_total_us += st.predicted_us;
  plan.predicted_rel_error = predicted_rel_error(plan.program, e, expr_dtype);
  return plan;
}

namespace {

Breakdown breakdown(const Plan& p, const GemmModel& model) {
  Breakdown b;
  Pricer pricer(model, p.program.dtype);
  for (const Op& op : p.program.ops) {
    if (op.kind == Op::Kind::gemm) b.gemm += pricer.gemm(op.batch, op.m, op.n, op.k, op.b_trans).us;
    else (op.kind == Op::Kind::sum ? b.sum : b.permute) += op_stream_us(pricer, op);
  }
  return b;
}

// Why `loser` lost to `winner`, in the terms the model priced.
std::string why_lost(const Plan& loser, const Plan& winner, const GemmModel& model) {
  const Breakdown l = breakdown(loser, model), w = breakdown(winner, model);
  std::string s = fmt::format("predicted {:.1f} us, {} vs the chosen plan", loser.predicted_total_us,
                              pct(loser.predicted_total_us, winner.predicted_total_us));
  s += fmt::format(": GEMMs {:.1f} vs {:.1f} us ({:.3g} vs {:.3g} GFLOP)", l.gemm, w.gemm, loser.flops * 1e-9,
                   winner.flops * 1e-9);
  if (l.permute + w.permute > 0) s += fmt::format(", permute copies {:.1f} vs {:.1f} us", l.permute, w.permute);
  if (l.sum + w.sum > 0) s += fmt::format(", sums {:.1f} vs {:.1f} us", l.sum, w.sum);
  if (loser.conversion_us + winner.conversion_us > 0)
    s += fmt::format(", dtype conversions {:.1f} vs {:.1f} us", loser.conversion_us, winner.conversion_us);
  if (loser.program.dtype != winner.program.dtype)
    s += fmt::format(", {} vs {}", name(loser.program.dtype), name(winner.program.dtype));
  return s;
}

}  // namespace

OptimizeResult optimize(const Expression& e, const GemmModel& model, const PlanOptions& o) {
  if (!info(o.dtype).contraction_allowed)
    throw ExpressionError(fmt::format("--dtype {}: contractions are planned in f16, bf16, tf32 or f32 ({} needs "
                                      "per-tensor scales: GEMM prediction only)", name(o.dtype), name(o.dtype)));
  if (o.error_budget && !(*o.error_budget > 0))
    throw ExpressionError(fmt::format("--error-budget {}: must be a relative error > 0", *o.error_budget));
  if (o.memory_limit_bytes && !(*o.memory_limit_bytes > 0))
    throw ExpressionError(fmt::format("--memory-limit {}: must be a number of bytes > 0", *o.memory_limit_bytes));
  const int n = int(e.inputs.size());
  std::vector<Plan> candidates;
  auto add = [&](const Path& path, Dtype d, const std::string& label) {
    Plan p = evaluate_path(e, path, d, o.dtype, model);
    p.name = label;
    if (!p.feasible) return;
    if (o.memory_limit_bytes && p.largest_buffer_bytes > *o.memory_limit_bytes) return;
    if (o.error_budget && p.predicted_rel_error > *o.error_budget) return;
    for (const Plan& c : candidates)
      if (signature(c) == signature(p)) return;
    candidates.push_back(std::move(p));
  };
  // The FLOP-optimal plan in the expression's dtype: the reference the chosen plan must beat
  // by more than the model's error (among equal-FLOP orders, the one predicted fastest).
  Pricer pricer(model, o.dtype);
  const Path flop_path = search(e, pricer, o.memory_limit_bytes, true);
  Plan flop = evaluate_path(e, flop_path, o.dtype, o.dtype, model);
  flop.name = "flop-optimal";
  const bool flop_fits = !o.error_budget || flop.predicted_rel_error <= *o.error_budget;
  if (flop_fits) candidates.push_back(flop);
  for (Dtype d : plan_dtypes(o.dtype, o.error_budget.has_value())) {
    if (!model.supports(d)) continue;
    Pricer pd(model, d);
    const std::string suffix = d == o.dtype ? "" : fmt::format(" in {}", name(d));
    add(search(e, pd, o.memory_limit_bytes, false), d, "time-optimal" + suffix);
    if (d != o.dtype) add(flop_path, d, "flop-optimal" + suffix);
  }
  if (n > 1) add(naive_path(n), o.dtype, "naive (left to right)");
  if (candidates.empty())
    throw ExpressionError(fmt::format("no plan meets --error-budget {:.3g}: the FLOP-optimal plan in {} has a predicted "
                                      "relative error of {:.3g}", *o.error_budget, name(o.dtype), flop.predicted_rel_error));
  std::sort(candidates.begin(), candidates.end(),
            [](const Plan& a, const Plan& b) { return a.predicted_total_us < b.predicted_total_us; });

  OptimizeResult r;
  const Plan& fastest = candidates.front();
  const double gain = flop_fits ? (flop.predicted_total_us - fastest.predicted_total_us) / flop.predicted_total_us : 1.0;
  if (!flop_fits) {
    r.chosen = fastest;
    r.decision = fmt::format("{}: the FLOP-optimal plan in {} misses the error budget (predicted error {:.3g})",
                             fastest.name, name(o.dtype), flop.predicted_rel_error);
  } else if (signature(fastest) == signature(flop)) {
    r.chosen = flop;
    r.decision = "flop-optimal: also the fastest plan predicted";
  } else if (gain > o.model_error) {
    r.chosen = fastest;
    r.decision = fmt::format("{}: predicted {:.1f}% faster than the FLOP-optimal plan, more than the model's measured "
                             "error of {:.1f}%", fastest.name, 100 * gain, 100 * o.model_error);
  } else {
    r.chosen = flop;
    r.decision = fmt::format("flop-optimal: the fastest plan ({}) is predicted only {:.1f}% faster, within the model's "
                             "measured error of {:.1f}%", fastest.name, 100 * gain, 100 * o.model_error);
  }
  for (const Plan& c : candidates) {
    if (signature(c) == signature(r.chosen) || int(r.runners_up.size()) >= o.max_runners_up) continue;
    Plan loser = c;
    loser.why = c.predicted_total_us < r.chosen.predicted_total_us
                    ? fmt::format("predicted {:.1f}% faster, but within the model's measured error ({:.1f}%) of the "
                                  "FLOP-optimal plan", 100 * gain, 100 * o.model_error)
                    : why_lost(c, r.chosen, model);
    r.runners_up.push_back(std::move(loser));
  }
  return r;
}

namespace {

nlohmann::ordered_json plan_object(const Plan& p) {
  nlohmann::ordered_json j;
  j["name"] = p.name;
  j["dtype"] = std::string(name(p.program.dtype));
  j["path"] = p.program.path;
  j["steps"] = nlohmann::ordered_json::array();
  for (const PlanStep& s : p.steps)
    j["steps"].push_back({{"equation", s.equation}, {"kernel", s.kernel}, {"dtype", std::string(name(s.dtype))},
                          {"m", s.m}, {"n", s.n}, {"k", s.k}, {"batch", s.batch}, {"predicted_us", s.predicted_us}});
  j["final_permute_us"] = p.final_permute_us;
  j["conversion_us"] = p.conversion_us;
  j["predicted_total_us"] = p.predicted_total_us;
  j["predicted_rel_error"] = p.predicted_rel_error;
  j["flops"] = p.flops;
  j["largest_buffer_bytes"] = p.largest_buffer_bytes;
  if (!p.why.empty()) j["why"] = p.why;
  return j;
}

}  // namespace

std::string plan_json(const Plan& p) {
  nlohmann::ordered_json j = plan_object(p);
  j["program"] = nlohmann::ordered_json::parse(p.program.to_json());
  return j.dump(2) + "\n";
}

std::string to_json(const OptimizeResult& r, const Expression& e, const PlanOptions& o) {
  nlohmann::ordered_json j;
  j["expression"] = e.text();
  j["dtype"] = std::string(name(o.dtype));
  j["error_budget"] = o.error_budget ? nlohmann::ordered_json(*o.error_budget) : nullptr;
  j["memory_limit_bytes"] = o.memory_limit_bytes ? nlohmann::ordered_json(*o.memory_limit_bytes) : nullptr;
  j["model_error"] = o.model_error;
  const nlohmann::ordered_json chosen = plan_object(r.chosen);
  for (auto& [k, v] : chosen.items()) j[k] = v;
  j["decision"] = r.decision;
  j["program"] = nlohmann::ordered_json::parse(r.chosen.program.to_json());
  j["runners_up"] = nlohmann::ordered_json::array();
  for (const Plan& p : r.runners_up) j["runners_up"].push_back(plan_object(p));
  return j.dump(2) + "\n";
}

}  // namespace tcb::opt
