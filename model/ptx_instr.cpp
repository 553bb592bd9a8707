// PTX mnemonic parsing. Legal combinations follow the PTX ISA sections on mma (9.7.14),
// wmma (9.7.13) and wgmma (9.7.15); minimum SM per the same sections.
#include "model/ptx_instr.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <initializer_list>
#include <sstream>
#include <vector>

namespace tcb::model {

const char* family_name(Family f) {
  switch (f) {
    case Family::mma_sync: return "mma.sync";
    case Family::wmma: return "wmma";
    case Family::wgmma: return "wgmma";
  }
  return "?";
}

namespace {

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  return out;
}

bool parse_shape(const std::string& t, int* m, int* n, int* k) {
  char tail;
  return std::sscanf(t.c_str(), "m%dn%dk%d%c", m, n, k, &tail) == 3 && *m > 0 && *n > 0 && *k > 0 &&
         t == "m" + std::to_string(*m) + "n" + std::to_string(*n) + "k" + std::to_string(*k);
}

bool is_layout(const std::string& t) { return t == "row" || t == "col"; }

// The operand-type class that picks a datapath.
enum class Cls { f16, bf16, tf32, f64, fp8, i8, i4, bad };

Cls cls_of(Fmt a, Fmt b) {
  auto both = [&](std::initializer_list<Fmt> set) {
    bool ia = false, ib = false;
    for (Fmt f : set) { ia |= a == f; ib |= b == f; }
    return ia && ib;
  };
  if (a == Fmt::f16 && b == Fmt::f16) return Cls::f16;
  if (a == Fmt::bf16 && b == Fmt::bf16) return Cls::bf16;
  if (a == Fmt::tf32 && b == Fmt::tf32) return Cls::tf32;
  if (a == Fmt::f64 && b == Fmt::f64) return Cls::f64;
  if (both({Fmt::e4m3, Fmt::e5m2})) return Cls::fp8;
  if (both({Fmt::s8, Fmt::u8})) return Cls::i8;
  if (both({Fmt::s4, Fmt::u4})) return Cls::i4;
  return Cls::bad;
}

// One legal (shape, type class) entry: allowed D and C types, whether D must equal C, min SM.
struct Legal {
  int m, n, k;  // n == 0: wgmma, any legal N
  Cls cls;
  std::vector<Fmt> dc;
  bool d_equals_c;
  int min_sm;
  bool any_layout;   // mma.sync m8n8k4 f16 and most wmma forms accept row/col freely
  bool same_ab = false;  // wmma integer forms need atype == btype
};

const std::vector<Legal>& mma_sync_table() {
  static const std::vector<Legal> t = {
      {8, 8, 4, Cls::f16, {Fmt::f16, Fmt::f32}, false, 70, true},
      {16, 8, 8, Cls::f16, {Fmt::f16, Fmt::f32}, false, 75, false},
      {16, 8, 16, Cls::f16, {Fmt::f16, Fmt::f32}, false, 80, false},
      {16, 8, 8, Cls::bf16, {Fmt::f32}, true, 80, false},
      {16, 8, 16, Cls::bf16, {Fmt::f32}, true, 80, false},
      {16, 8, 4, Cls::tf32, {Fmt::f32}, true, 80, false},
      {16, 8, 8, Cls::tf32, {Fmt::f32}, true, 80, false},
      {8, 8, 4, Cls::f64, {Fmt::f64}, true, 80, false},
      {16, 8, 4, Cls::f64, {Fmt::f64}, true, 90, false},
      {16, 8, 8, Cls::f64, {Fmt::f64}, true, 90, false},
      {16, 8, 16, Cls::f64, {Fmt::f64}, true, 90, false},
      {8, 8, 16, Cls::i8, {Fmt::s32}, true, 75, false},
      {16, 8, 16, Cls::i8, {Fmt::s32}, true, 80, false},
      {16, 8, 32, Cls::i8, {Fmt::s32}, true, 80, false},
      {8, 8, 32, Cls::i4, {Fmt::s32}, true, 75, false},
      {16, 8, 32, Cls::i4, {Fmt::s32}, true, 80, false},
      {16, 8, 64, Cls::i4, {Fmt::s32}, true, 80, false},
      {16, 8, 32, Cls::fp8, {Fmt::f32, Fmt::f16}, true, 89, false},
  };
  return t;
}

const std::vector<Legal>& wmma_table() {
  static const std::vector<Legal> t = [] {
    std::vector<Legal> v;
    for (auto s : {std::array<int, 3>{16, 16, 16}, {32, 8, 16}, {8, 32, 16}}) {
      v.push_back({s[0], s[1], s[2], Cls::f16, {Fmt::f16, Fmt::f32}, false, 70, true});
      v.push_back({s[0], s[1], s[2], Cls::bf16, {Fmt::f32}, true, 80, true});
      v.push_back({s[0], s[1], s[2], Cls::i8, {Fmt::s32}, true, 72, true, true});
    }
    v.push_back({16, 16, 8, Cls::tf32, {Fmt::f32}, true, 80, true});
    v.push_back({8, 8, 32, Cls::i4, {Fmt::s32}, true, 75, false, true});
    v.push_back({8, 8, 4, Cls::f64, {Fmt::f64}, true, 80, true});
    return v;
  }();
  return t;
}

const std::vector<Legal>& wgmma_table() {
  static const std::vector<Legal> t = {
      {64, 0, 16, Cls::f16, {Fmt::f16, Fmt::f32}, true, 90, false},
      {64, 0, 16, Cls::bf16, {Fmt::f32}, true, 90, false},
      {64, 0, 8, Cls::tf32, {Fmt::f32}, true, 90, false},
      {64, 0, 32, Cls::fp8, {Fmt::f16, Fmt::f32}, true, 90, false},
      {64, 0, 32, Cls::i8, {Fmt::s32}, true, 90, false},
  };
  return t;
}

bool legal_wgmma_n(Cls cls, int n) {
  if (n < 8 || n > 256 || n % 8) return false;
  if (cls == Cls::i8) return n <= 24 || n % 16 == 0;  // integer N: 8, 16, 24, then steps of 16
  return true;
}

bool contains(const std::vector<Fmt>& v, Fmt f) {
  for (Fmt x : v)
    if (x == f) return true;
  return false;
}

struct Parser {
  std::string ptx;
  std::string* error;

  bool fail(const std::string& why) {
    *error = "instruction '" + ptx + "': " + why;
    return false;
  }

  bool types(const std::vector<std::string>& toks, size_t from, size_t count, std::vector<Fmt>* out) {
    for (size_t i = from; i < from + count; ++i) {
      Fmt f;
      if (toks[i] == "b1") return fail("b1 (single-bit) forms are not modelled");
      if (!parse_fmt(toks[i], &f)) return fail("unknown type or qualifier '." + toks[i] + "'");
      out->push_back(f);
    }
    return true;
  }

  bool check(Instr* in, const std::vector<Legal>& table, bool row_col) {
    const Cls cls = cls_of(in->a, in->b);
    if (cls == Cls::bad)
      return fail(std::string("no ") + family_name(in->family) + " form takes A ." + fmt_name(in->a) +
                  " with B ." + fmt_name(in->b));
    bool shape_seen = false;
    for (const Legal& l : table) {
      const bool n_ok = l.n == 0 ? legal_wgmma_n(l.cls, in->n) : l.n == in->n;
      if (l.m != in->m || l.k != in->k || !n_ok) continue;
      shape_seen = true;
      if (l.cls != cls) continue;
      if (l.same_ab && in->a != in->b) return fail("wmma integer forms need A and B of one type");
      if (!contains(l.dc, in->d) || !contains(l.dc, in->c))
        return fail(std::string("D/C types .") + fmt_name(in->d) + "/." + fmt_name(in->c) + " are not legal for ." +
                    fmt_name(in->a) + " inputs");
      if (l.d_equals_c && in->d != in->c) return fail("D and C must have the same type");
      if (!l.any_layout && !row_col) return fail("this form needs the .row.col layouts");
      in->min_sm = l.min_sm;
      return true;
    }
    std::ostringstream shape;
    shape << "m" << in->m << "n" << in->n << "k" << in->k;
    return fail(shape_seen ? "shape " + shape.str() + " does not exist for ." + fmt_name(in->a) + " inputs"
                           : "no " + std::string(family_name(in->family)) + " instruction has shape " + shape.str());
  }

  // true (with *error set) when the mnemonic is a sparse or b1 form.
  bool sparse_or_bits(const std::vector<std::string>& toks) {
    for (const std::string& t : toks) {
      if (t == "sp" || t.rfind("sp::", 0) == 0) {
        fail("sparse forms (mma.sp, wgmma .sp) are not modelled; give the dense instruction");
        return true;
      }
      if (t == "b1" || t == "popc" || t == "xor" || t == "and") {
        fail("b1 (single-bit) forms are not modelled");
        return true;
      }
    }
    return false;
  }

  bool mma_sync(const std::vector<std::string>& t, Instr* in) {
    // mma.sync.aligned.<shape>.<alayout>.<blayout>[.satfinite].<d>.<a>.<b>.<c>
    if (t.size() < 3 || t[1] != "sync" || t[2] != "aligned") return fail("expected 'mma.sync.aligned.<shape>...'");
    if (t.size() < 6 || !parse_shape(t[3], &in->m, &in->n, &in->k)) return fail("expected a shape mMnNkK after 'mma.sync.aligned'");
    if (!is_layout(t[4]) || !is_layout(t[5])) return fail("expected the .row/.col layouts after the shape");
    size_t i = 6;
    if (i < t.size() && t[i] == "satfinite") { in->satfinite = true; ++i; }
    if (t.size() - i != 4) return fail("expected four types (D A B C) after the layouts");
    std::vector<Fmt> ty;
    if (!types(t, i, 4, &ty)) return false;
    in->d = ty[0]; in->a = ty[1]; in->b = ty[2]; in->c = ty[3];
    return check(in, mma_sync_table(), t[4] == "row" && t[5] == "col");
  }

  bool wmma(const std::vector<std::string>& t, Instr* in) {
    // wmma.mma.sync.aligned.<alayout>.<blayout>.<shape>.<d>[.<a>.<b>].<c>[.satfinite|.rn]
    if (t.size() < 2 || t[1] != "mma") return fail("only wmma.mma is a dot product (load/store are not modelled)");
    if (t.size() < 7 || t[2] != "sync" || t[3] != "aligned") return fail("expected 'wmma.mma.sync.aligned.<layouts>.<shape>...'");
    if (!is_layout(t[4]) || !is_layout(t[5])) return fail("expected the .row/.col layouts after 'wmma.mma.sync.aligned'");
    if (!parse_shape(t[6], &in->m, &in->n, &in->k)) return fail("expected a shape mMnNkK after the layouts");
    size_t end = t.size();
    bool rn = false;
    if (end > 7 && t[end - 1] == "satfinite") { in->satfinite = true; --end; }
    else if (end > 7 && t[end - 1] == "rn") { rn = true; --end; }
    const size_t n_types = end - 7;
    std::vector<Fmt> ty;
    if (n_types == 2) {
      if (!types(t, 7, 2, &ty)) return false;
      in->d = ty[0]; in->c = ty[1]; in->a = in->b = Fmt::f16;
      if (!contains({Fmt::f16, Fmt::f32}, in->d) || !contains({Fmt::f16, Fmt::f32}, in->c))
        return fail("the two-type wmma form (f16 inputs) takes .f16/.f32 D and C");
    } else if (n_types == 4) {
      if (!types(t, 7, 4, &ty)) return false;
      in->d = ty[0]; in->a = ty[1]; in->b = ty[2]; in->c = ty[3];
    } else {
      return fail("expected the types D C (f16 inputs) or D A B C after the shape");
    }
    if (rn && in->a != Fmt::f64) return fail(".rn is only legal on the f64 wmma form");
    return check(in, wmma_table(), t[4] == "row" && t[5] == "col");
  }

  bool wgmma(const std::vector<std::string>& t, Instr* in) {
    // wgmma.mma_async.sync.aligned.<shape>[.satfinite].<d>.<a>.<b>
    if (t.size() < 5 || t[1] != "mma_async" || t[2] != "sync" || t[3] != "aligned")
      return fail("expected 'wgmma.mma_async.sync.aligned.<shape>...'");
    if (!parse_shape(t[4], &in->m, &in->n, &in->k)) return fail("expected a shape m64nNkK after 'wgmma.mma_async.sync.aligned'");
    size_t i = 5;
    if (i < t.size() && t[i] == "satfinite") { in->satfinite = true; ++i; }
    if (t.size() - i != 3) return fail("expected three types (D A B) after the shape");
    std::vector<Fmt> ty;
    if (!types(t, i, 3, &ty)) return false;
    in->d = ty[0]; in->a = ty[1]; in->b = ty[2]; in->c = in->d;
    in->sm90a_only = true;
    return check(in, wgmma_table(), true);
  }
};

}  // namespace

bool parse_instr(const std::string& ptx, Instr* out, std::string* error) {
  Parser p{ptx, error};
  if (ptx.empty()) return p.fail("empty mnemonic");
  for (char ch : ptx)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == ':'))
      return p.fail(std::string("unexpected character '") + ch + "' (give the mnemonic without operands)");
  const std::vector<std::string> t = split_dots(ptx);
  for (const std::string& tok : t)
    if (tok.empty()) return p.fail("empty qualifier (two dots in a row, or a leading/trailing dot)");
  if (p.sparse_or_bits(t)) return false;
  Instr in;
  in.ptx = ptx;
  bool ok;
  if (t[0] == "mma") {
    in.family = Family::mma_sync;
    ok = p.mma_sync(t, &in);
  } else if (t[0] == "wmma") {
    in.family = Family::wmma;
    ok = p.wmma(t, &in);
  } else if (t[0] == "wgmma") {
    in.family = Family::wgmma;
    ok = p.wgmma(t, &in);
  } else {
    return p.fail("unknown instruction family '" + t[0] + "' (expected mma, wmma or wgmma)");
  }
  if (!ok) return false;
  if (in.satfinite && fmt_is_float(in.a)) return p.fail(".satfinite is only modelled on integer forms");
  *out = in;
  return true;
}

}  // namespace tcb::model
