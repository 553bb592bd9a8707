// Fuzz test of the `tcbench model` input reader (issue #11): seeded random batches of lines —
// good dot products, near misses (a digit too many, a bad character, a field missing or extra,
// CRs, tabs, comments, huge tokens, control bytes) — through model::run_batch for paths of every
// input format. Each batch must either compute one output line per data line, or stop at a bad
// line it names (1-based, inside the batch) with a reason, having written exactly the lines
// before it; never another exception, never a crash. Deterministic per (seed, case).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/batch_io.hpp"
#include "model/presets.hpp"

namespace {

constexpr unsigned kSeed = 11;
constexpr int kCases = 30000;
constexpr double kBudgetSeconds = 8;  // a guard for slow machines; normally done in ~1-2 s

struct Path { const char* preset; const char* instr; };
const Path kPaths[] = {
    {"v100", "mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32"},
    {"a100", "mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16"},
    {"a100", "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"},
    {"a100", "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"},
    {"a100", "mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64"},
    {"a100", "mma.sync.aligned.m16n8k32.row.col.s32.s8.u8.s32"},
    {"a100", "mma.sync.aligned.m16n8k64.row.col.s32.s4.s4.s32"},
    {"h100", "wgmma.mma_async.sync.aligned.m64n8k32.f32.e4m3.e5m2"},
    {"t4", "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32"},
};

class LineMaker {
 public:
  explicit LineMaker(unsigned seed) : rng_(seed) {}
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string hex(int digits) {
    static const char* kHex = "0123456789abcdefABCDEF";
    std::string s;
    for (int i = 0; i < digits; ++i) s += kHex[pick(22)];
    return pick(8) == 0 ? "0x" + s : s;
  }

  // A good line for (a, b, c) of widths wa, wb, wc and k products, then perhaps one defect.
  std::string line(int k, int wa, int wb, int wc, bool* defective) {
    std::vector<std::string> f;
    for (int i = 0; i < k; ++i) f.push_back(hex(wa));
    for (int i = 0; i < k; ++i) f.push_back(hex(wb));
    f.push_back(hex(wc));
    *defective = pick(4) == 0;
    if (*defective) damage(&f);
    std::string s;
    for (size_t i = 0; i < f.size(); ++i) s += (i ? (pick(6) ? " " : pick(2) ? "\t" : "   ") : "") + f[i];
    if (pick(10) == 0) s += "\r";
    if (pick(20) == 0) s = "  " + s;
    return s;
  }

  std::string filler() {  // lines the reader skips
    switch (pick(4)) {
      case 0: return "";
      case 1: return "   \t ";
      case 2: return "# comment " + hex(pick(10));
      default: return "#";
    }
  }

 private:
  void damage(std::vector<std::string>* f) {
    std::string& field = (*f)[size_t(pick(int(f->size())))];
    switch (pick(8)) {
      case 0: field += hex(1); break;                           // a digit too many
      case 1: if (field.size() > 1) field.pop_back(); else field = "0x"; break;  // too few
      case 2: field[size_t(pick(int(field.size())))] = "gxz-+.:\x01\x7f\xff"[pick(11)]; break;
      case 3: f->pop_back(); break;                             // a field missing
      case 4: f->push_back(hex(4)); break;                      // one extra
      case 5: field = std::string(size_t(100 + pick(5000)), 'f'); break;  // a huge token
      case 6: field = "0x"; break;
      default: field = "-" + field; break;
    }
  }

  std::mt19937 rng_;
};

int lines_in(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

TEST(FuzzModelInput, BatchesComputeOrStopAtTheLineTheyName) {
  std::vector<tcb::model::PathParams> paths;
  for (const Path& p : kPaths) paths.push_back(tcb::model::resolve(p.preset, p.instr).params);
  const auto t0 = std::chrono::steady_clock::now();
  int good = 0, bad = 0, done = 0;
  for (; done < kCases; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > kBudgetSeconds) break;
    LineMaker m(kSeed + unsigned(done));
    const tcb::model::PathParams& p = paths[size_t(m.pick(int(paths.size())))];
    const int k = 1 + m.pick(m.pick(4) == 0 ? 40 : 4);
    const int wa = tcb::model::fmt_hex_digits(p.a), wb = tcb::model::fmt_hex_digits(p.b);
    const int wc = tcb::model::fmt_hex_digits(p.c);

    std::string text;
    std::vector<int> data_lines;  // 1-based numbers of the lines that hold a dot product
    int first_defect = 0;
    const int n = m.pick(12);
    for (int i = 1; i <= n; ++i) {
      if (m.pick(5) == 0) {
        text += m.filler() + "\n";
        continue;
      }
      bool defective = false;
      text += m.line(k, wa, wb, wc, &defective) + (i < n || m.pick(2) ? "\n" : "");
      data_lines.push_back(i);
      if (defective && first_defect == 0) first_defect = i;
    }
    SCOPED_TRACE("seed " + std::to_string(kSeed) + " case " + std::to_string(done) + " k " + std::to_string(k) +
                 ", text:\n" + text);

    std::istringstream in(text);
    std::ostringstream out;
    tcb::model::BatchError err;
    try {
      if (tcb::model::run_batch(p, k, in, out, &err)) {
        EXPECT_EQ(lines_in(out.str()), int(data_lines.size()));
        ++good;
      } else {
        // Never before the first damaged line (a damaged one can still be good, so not always
        // at it) and never at a line without data.
        EXPECT_GE(err.line, 1);
        EXPECT_LE(err.line, n);
        if (first_defect) EXPECT_GE(err.line, first_defect);
        EXPECT_NE(std::find(data_lines.begin(), data_lines.end(), err.line), data_lines.end());
        EXPECT_FALSE(err.what.empty());
        EXPECT_LT(err.what.size(), 300u) << err.what;
        const int before = int(std::count_if(data_lines.begin(), data_lines.end(), [&](int l) { return l < err.line; }));
        EXPECT_EQ(lines_in(out.str()), before) << "only the lines before the bad one are written";
        ++bad;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "exception: " << e.what();
    }
    if (HasFailure()) break;
  }
  EXPECT_GE(done, 500) << "too few cases in the time budget";
  EXPECT_GT(good, 0);
  EXPECT_GT(bad, 0);
  std::printf("model input fuzz: %d batches, %d computed, %d stopped at a bad line\n", done, good, bad);
}

}  // namespace
