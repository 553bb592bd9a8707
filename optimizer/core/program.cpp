#include "optimizer/core/program.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace tcb::opt {

namespace {

bool has(const std::string& s, char c) { return s.find(c) != std::string::npos; }

std::string keep_only(const std::string& idx, const std::string& keep) {
  std::string out;
  for (char c : idx)
    if (has(keep, c)) out += c;
  return out;
}

class Builder {
 public:
  Builder(const Expression& e, Program* p) : e_(e), p_(p), next_(int(e.inputs.size())) {}

  int emit(Op op) {
    op.out = next_++;
    op.step = step_;
    p_->ops.push_back(op);
    return op.out;
  }

  // buf (indices idx) with the indices not in keep summed away.
  std::pair<int, std::string> sum_away(int buf, const std::string& idx, const std::string& keep) {
    Op op;
    op.kind = Op::Kind::sum;
    op.in = buf;
    for (size_t i = 0; i < idx.size(); ++i)
      if (!has(keep, idx[i])) op.axes.push_back(int(i));
    if (op.axes.empty()) return {buf, idx};
    const std::string out = keep_only(idx, keep);
    op.elements_in = e_.elements(idx);
    op.elements_out = e_.elements(out);
    op.out_shape = e_.shape_of(out);
    return {emit(op), out};
  }

  int permute(int buf, const std::string& idx, const std::string& to) {
    Op op;
    op.kind = Op::Kind::permute;
    op.in = buf;
    for (char c : to) op.perm.push_back(int(idx.find(c)));
    op.elements_in = op.elements_out = e_.elements(idx);
    op.out_shape = e_.shape_of(to);
    return emit(op);
  }

  std::pair<int, std::string> step(std::pair<int, std::string> left, std::pair<int, std::string> right,
                                   const std::string& needed) {
    const StepShape s = shape_step(left.second, right.second, needed, e_);
    if (s.swapped) std::swap(left, right);
    auto [a, ia] = sum_away(left.first, left.second, s.a_sum);
    auto [b, ib] = sum_away(right.first, right.second, s.b_sum);
    if (s.a_permute) a = permute(a, ia, s.a_plain);
    if (s.b_permute) b = permute(b, ib, s.b_plain);
    Op g;
    g.kind = Op::Kind::gemm;
    g.a = a;
    g.b = b;
    g.batch = std::int64_t(e_.elements(s.batch));
    g.m = std::int64_t(e_.elements(s.free_a));
    g.n = std::int64_t(e_.elements(s.free_b));
    g.k = std::int64_t(e_.elements(s.contracted));
    g.a_trans = s.a_trans;
    g.b_trans = s.b_trans;
    g.out_shape = e_.shape_of(s.out);
    p_->steps.back() = {fmt::format("{},{}->{}", left.second, right.second, s.out), g.batch, g.m, g.n, g.k, true};
    return {emit(g), s.out};
  }

  void begin_step(int i) {
    step_ = i;
    p_->steps.emplace_back();
  }

 private:
  const Expression& e_;
  Program* p_;
  int next_;
  int step_ = -1;
};

}  // namespace

namespace {

// lower.py's _roles: batch and contracted indices in A's order, free ones in their own.
StepShape roles(const std::string& ia, const std::string& ib, const std::string& needed) {
  StepShape s;
  for (char c : ia) {
    if (has(ib, c)) (has(needed, c) ? s.batch : s.contracted) += c;
    else s.free_a += c;
  }
  for (char c : ib)
    if (!has(ia, c)) s.free_b += c;
  s.a_plain = s.batch + s.free_a + s.contracted;
  s.b_plain = s.batch + s.contracted + s.free_b;
  const std::string a_t = s.batch + s.contracted + s.free_a, b_t = s.batch + s.free_b + s.contracted;
  s.a_trans = ia != s.a_plain && ia == a_t;
  s.b_trans = ib != s.b_plain && ib == b_t;
  s.a_permute = ia != s.a_plain && ia != a_t;
  s.b_permute = ib != s.b_plain && ib != b_t;
  s.out = s.batch + s.free_a + s.free_b;
  s.a_sum = ia;
  s.b_sum = ib;
  return s;
}

double permuted_elements(const StepShape& s, const Expression& e) {
  return (s.a_permute ? e.elements(s.a_sum) : 0.0) + (s.b_permute ? e.elements(s.b_sum) : 0.0);
}

}  // namespace

StepShape shape_step(const std::string& ia, const std::string& ib, const std::string& needed, const Expression& e) {
  const std::string a_sum = keep_only(ia, ib + needed), b_sum = keep_only(ib, ia + needed);
  const StepShape fwd = roles(a_sum, b_sum, needed), rev = roles(b_sum, a_sum, needed);
  if (permuted_elements(rev, e) < permuted_elements(fwd, e)) {
    StepShape s = rev;
    s.swapped = true;
    return s;
  }
  return fwd;
}

Program lower(const Expression& e, const Path& path, Dtype dtype) {
  Program p;
  p.expression = e.text();
  p.dtype = dtype;
  for (const std::string& in : e.inputs) p.input_shapes.push_back(e.shape_of(in));
  p.path = path;
  Builder bld(e, &p);
  std::vector<std::pair<int, std::string>> live;
  for (size_t i = 0; i < e.inputs.size(); ++i) live.push_back({int(i), e.inputs[i]});
  for (size_t s = 0; s < path.size(); ++s) {
    const std::vector<int>& pos = path[s];
    std::set<int> distinct(pos.begin(), pos.end());
    if (pos.empty() || pos.size() > 2 || distinct.size() != pos.size())
      throw ExpressionError(fmt::format("path step {}: expected one or two distinct operand positions", s + 1));
    for (int q : pos)
      if (q < 0 || q >= int(live.size()))
        throw ExpressionError(fmt::format("path step {}: position {} is not one of the {} operands left (0..{})", s + 1,
                                          q, live.size(), live.size() - 1));
    std::vector<std::pair<int, std::string>> rest;
    for (int i = 0; i < int(live.size()); ++i)
      if (!distinct.count(i)) rest.push_back(live[i]);
    std::string needed = e.output;
    for (const auto& r : rest) needed += r.second;
    bld.begin_step(int(s));
    if (pos.size() == 1) {
      auto summed = bld.sum_away(live[pos[0]].first, live[pos[0]].second, needed);
      p.steps.back() = {fmt::format("{}->{}", live[pos[0]].second, summed.second), 1, 1, 1, 1, false};
      rest.push_back(summed);
    } else {
      rest.push_back(bld.step(live[pos[0]], live[pos[1]], needed));
    }
    live = rest;
  }
  if (live.size() != 1)
    throw ExpressionError(fmt::format("the path leaves {} operands; it must contract them all into one", live.size()));
  auto [buf, idx] = live[0];
  bld.begin_step(-1);
  p.steps.pop_back();
  if (idx != e.output) buf = bld.permute(buf, idx, e.output);
  p.output = buf;
  p.output_shape = e.shape_of(e.output);
  return p;
}

std::string path_text(const Path& path) {
  std::string s = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    s += i ? ", [" : "[";
    for (size_t j = 0; j < path[i].size(); ++j) s += (j ? ", " : "") + std::to_string(path[i][j]);
    s += "]";
  }
  return s + "]";
}

Path parse_path(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ExpressionError(fmt::format("path '{}': not JSON ({})", text, e.what()));
  }
  if (!j.is_array()) throw ExpressionError(fmt::format("path '{}': expected a list of lists, e.g. [[0, 1], [0, 1]]", text));
  Path p;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_array()) throw ExpressionError(fmt::format("path step {}: expected a list of operand positions", i + 1));
    p.emplace_back();
    for (const auto& v : j[i]) {
      if (!v.is_number_integer()) throw ExpressionError(fmt::format("path step {}: '{}' is not an integer", i + 1, v.dump()));
      p.back().push_back(v.get<int>());
    }
  }
  return p;
}

std::string Program::to_json() const {
  nlohmann::ordered_json j;
  j["expression"] = expression;
  j["dtype"] = std::string(name(dtype));
  j["inputs"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < input_shapes.size(); ++i) j["inputs"].push_back({{"id", i}, {"shape", input_shapes[i]}});
  j["ops"] = nlohmann::ordered_json::array();
  for (const Op& op : ops) {
    nlohmann::ordered_json o;
    switch (op.kind) {
      case Op::Kind::permute:
        o = {{"op", "permute"}, {"in", op.in}, {"out", op.out}, {"perm", op.perm}};
        break;
      case Op::Kind::sum:
        o = {{"op", "sum"}, {"in", op.in}, {"out", op.out}, {"axes", op.axes}};
        break;
      case Op::Kind::gemm:
        o = {{"op", "gemm"}, {"a", op.a}, {"b", op.b}, {"out", op.out}, {"batch", op.batch}, {"m", op.m},
             {"n", op.n}, {"k", op.k}, {"a_trans", op.a_trans}, {"b_trans", op.b_trans}, {"out_shape", op.out_shape}};
        break;
    }
    j["ops"].push_back(o);
  }
  j["output"] = output;
  j["output_shape"] = output_shape;
  j["path"] = path;
  return j.dump();
}

}  // namespace tcb::opt
