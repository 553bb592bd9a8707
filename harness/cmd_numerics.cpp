#include "harness/cmd_numerics.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <regex>
#include <set>
#include <thread>

#include "harness/case_runner.hpp"
#include "harness/device_info.hpp"
#include "harness/numerics_cases.hpp"
#include "harness/numerics_probes.hpp"
#include "harness/operands.hpp"
#include "model/presets.hpp"
#include "harness/provenance.hpp"
#include "harness/registry.hpp"
#include "harness/writers.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_numerics_sigint(int) { g_stop = 1; std::signal(SIGINT, SIG_DFL); }

// The paths probed: every dense floating-point and integer instruction the GPU runs (b1 has no
// rounding); wgmma at N = 64 only (the datapath does not depend on N), SS and RS.
bool is_numerics_path(const Benchmark& b, const DeviceInfo& dev, const std::regex* filter) {
  const AtomInfo& a = b.info;
  if (b.work != Work::mma || is_sparse(a) || a.a == DType::b1 || !a.exists_on(dev.sm)) return false;
  if (a.family == Family::wgmma && a.n != 64) return false;
  if (filter && !std::regex_search(a.name, *filter) && !std::regex_search(a.ptx, *filter)) return false;
  cudaFuncAttributes fa{};
  if (cudaFuncGetAttributes(&fa, b.kernel(1)) != cudaSuccess || fa.binaryVersion < a.min_sm) {
    cudaGetLastError();
    return false;
  }
  return true;
}

struct NumericsRow {
  std::string kind, property, value, preset_value, status;
  long cases = 0, mismatches = 0;
  std::string probe_input, hardware_d, predictions, note;
};

constexpr const char* kNumericsHeader =
    "family,atom,ptx,a_type,b_type,c_type,d_type,kind,property,value,preset_value,status,cases,mismatches,"
    "probe_input,hardware_d,predictions,note\n";

void write_row(std::ofstream& f, const AtomInfo& a, const NumericsRow& r) {
  const std::string fields[] = {family_name(a.family), a.name, a.ptx, dtype_name(a.a), dtype_name(a.b),
                                dtype_name(a.c), dtype_name(a.d), r.kind, r.property, r.value, r.preset_value,
                                r.status, std::to_string(r.cases), std::to_string(r.mismatches), r.probe_input,
                                r.hardware_d, r.predictions, r.note};
  std::string line;
  for (const auto& x : fields) line += (line.empty() ? "" : ",") + csv_escape(x);
  f << line << '\n';
}

// Probes every property of the path; returns the probe rows and one derived row per property.
std::vector<NumericsRow> probe_path(const Benchmark& b, CaseRunner& runner, const model::PathParams& preset,
                                    uint64_t seed) {
  const AtomInfo& a = b.info;
  const auto props = path_properties(a, preset);
  const auto probes = select_probes(props, probe_candidates(a, seed, 1500), 4);
  std::vector<DotCase> inputs;
  for (const Probe& p : probes) inputs.push_back(p.input);
  const auto hw = runner.run(inputs);
  std::vector<NumericsRow> rows;
  for (const Property& prop : props) {
    std::set<std::string> consistent;
    for (const auto& h : prop.hypotheses) consistent.insert(h.label);
    long n = 0;
    for (size_t i = 0; i < probes.size(); ++i) {
      if (probes[i].property != &prop) continue;
      ++n;
      NumericsRow r{"probe", prop.name};
      std::set<std::string> here;
      for (size_t h = 0; h < prop.hypotheses.size(); ++h) {
        const std::string& label = prop.hypotheses[h].label;
        r.predictions += (r.predictions.empty() ? "" : ";") + label + "=" +
                         (probes[i].predictions[h] == ~0ULL ? std::string("n/a") : hex_bits(probes[i].predictions[h], a.d));
        if (probes[i].predictions[h] == hw[i]) here.insert(label);
      }
      for (const auto& l : here) r.value += (r.value.empty() ? "" : "|") + l;
      std::set<std::string> keep;
      for (const auto& l : consistent) if (here.count(l)) keep.insert(l);
      consistent = keep;
      r.preset_value = prop.preset_label;
      r.status = here.empty() ? "disagrees" : here.count(prop.preset_label) ? "agrees" : "disagrees";
      r.cases = 1;
      r.probe_input = case_line(a, probes[i].input);
      r.hardware_d = hex_bits(hw[i], a.d);
      if (here.empty()) r.note = "no hypothesis predicts the hardware's bits";
      rows.push_back(r);
    }
    NumericsRow d{"derived", prop.name};
    for (const auto& l : consistent) d.value += (d.value.empty() ? "" : "|") + l;
    d.preset_value = prop.preset_label;
    d.cases = n;
    d.status = n == 0 ? "undetermined" : consistent.count(prop.preset_label) ? "agrees" : "disagrees";
    if (n == 0) d.note = "no candidate input separates the hypotheses on this path";
    else if (consistent.size() > 1) d.note = "probes do not separate: " + d.value;
    rows.push_back(d);
  }
  return rows;
}

// Monotonicity of the multi-term addition: raising one positive product by one ulp of a never
// lowers the result, on the hardware and in the model.
NumericsRow monotonicity(const Benchmark& b, CaseRunner& runner, const model::PathParams& preset, uint64_t seed) {
  const AtomInfo& a = b.info;
  std::vector<DotCase> pairs;
  for (auto& g : random_cases(a, seed ^ 0x6d6f6e6fULL, 4000)) {
    if (g.kind == CaseKind::special || g.kind == CaseKind::raw_tf32) continue;
    DotCase x = g.dot;
    const double a0 = decode_value(a.a, x.a[0]), b0 = decode_value(a.b, x.b[0]);
    if (!(a0 > 0 && b0 > 0) || !std::isfinite(a0)) continue;
    DotCase y = x;
    y.a[0] = x.a[0] + (a.a == DType::tf32 ? (uint64_t(1) << 13) : 1);  // next value up
    if (!std::isfinite(decode_value(a.a, y.a[0]))) continue;
    pairs.push_back(x);
    pairs.push_back(y);
    if (pairs.size() >= 2000) break;
  }
  const auto hw = runner.run(pairs);
  long hw_bad = 0, model_bad = 0;
  std::string example;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    auto m = [&](const DotCase& c) { return model_dot(preset, a.k, c); };
    const bool hbad = decode_value(a.d, hw[i + 1]) < decode_value(a.d, hw[i]);
    hw_bad += hbad;
    model_bad += decode_value(a.d, m(pairs[i + 1])) < decode_value(a.d, m(pairs[i]));
    if (hbad && example.empty()) example = case_line(a, pairs[i]) + " -> " + hex_bits(hw[i], a.d) + ", raised a0 -> " + hex_bits(hw[i + 1], a.d);
  }
  NumericsRow r{"probe", "monotonic"};
  r.value = hw_bad ? "non_monotonic" : "monotonic";
  r.preset_value = model_bad ? "non_monotonic" : "monotonic";
  r.status = (hw_bad == 0) == (model_bad == 0) ? "agrees" : "disagrees";
  r.cases = long(pairs.size() / 2);
  r.mismatches = hw_bad;
  r.note = fmt::format("{} of {} pairs decreased on the hardware, {} in the model{}", hw_bad, r.cases, model_bad,
                       example.empty() ? "" : "; e.g. " + example);
  return r;
}

// The model's d for every case, on all cores.
std::vector<uint64_t> model_results(const model::PathParams& p, int k, const std::vector<GeneratedCase>& cases) {
  std::vector<uint64_t> out(cases.size());
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (size_t i = t; i < cases.size(); i += threads) out[i] = model_dot(p, k, cases[i].dot);
    });
  for (auto& th : pool) th.join();
  return out;
}

uint64_t name_hash(const char* s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; ++s) h = (h ^ uint8_t(*s)) * 1099511628211ULL;
  return h;
}

}  // namespace

int cmd_numerics(const NumericsOptions& opt) {
  DeviceInfo dev;
  std::string err;
  if (!query_device(opt.device, &dev, &err)) {
    fmt::print(stderr, "tcbench: {}\n(tcbench numerics needs an NVIDIA GPU; `tcbench model` replays cases without one)\n", err);
    return kExitNoGpu;
  }
  std::regex filter_re;
  if (!opt.filter.empty()) filter_re = std::regex(opt.filter);
  const std::string out = opt.out_dir.empty() ? "results/" + dev.slug() : opt.out_dir;
  const std::string sample_dir = out + "/numerics_sample";
  fs::create_directories(sample_dir);
  std::signal(SIGINT, on_numerics_sigint);
  std::signal(SIGTERM, on_numerics_sigint);

  const GitState git = git_state();
  std::string cmdline;
  for (const auto& a : opt.argv) cmdline += (cmdline.empty() ? "" : " ") + a;
  nlohmann::json run = {{"schema_version", 1},
                        {"tool", {{"name", "tcbench"}, {"version", TCB_VERSION}, {"built_archs", TCB_BUILT_ARCHS}}},
                        {"status", "running"},
                        {"git", {{"sha", git.sha}, {"dirty", git.dirty}, {"source", git.source}}},
                        {"command", cmdline},
                        {"date_utc", utc_now_iso8601()},
                        {"host", hostname()},
                        {"device", dev.to_json()},
                        {"cases_per_path", opt.cases},
                        {"sample_per_path", opt.sample},
                        {"seed", opt.seed}};
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json paths = nlohmann::json::array();
  const std::string preset = model::preset_for_sm(dev.sm);
  std::ofstream csv(out + "/numerics.csv.partial");
  csv << kNumericsHeader;
  long total_mismatches = 0;
  for (const Benchmark& b : registry()) {
    if (g_stop) break;
    if (!is_numerics_path(b, dev, opt.filter.empty() ? nullptr : &filter_re)) continue;
    const AtomInfo& a = b.info;
    const auto tp = std::chrono::steady_clock::now();
    CaseRunner runner(b);
    const uint64_t seed = opt.seed ^ name_hash(a.name);
    const auto cases = random_cases(a, seed, opt.cases);
    std::vector<DotCase> dots;
    dots.reserve(cases.size());
    for (const auto& c : cases) dots.push_back(c.dot);
    const std::vector<uint64_t> hw = runner.run(dots);

    // The model preset of this architecture, case by case against the hardware.
    NumericsRow val{"validation", "model_equals_hardware"};
    val.cases = long(cases.size());
    model::PathParams params;
    bool have_model = false;
    if (!preset.empty()) {
      try {
        params = model::resolve(preset, a.ptx).params;
        have_model = true;
      } catch (const std::exception& e) {
        val.note = std::string("no model path: ") + e.what();
      }
    } else {
      val.note = "no model preset for " + dev.arch();
    }
    if (have_model) {
      const std::vector<uint64_t> predicted = model_results(params, a.k, cases);
      for (size_t i = 0; i < cases.size(); ++i) {
        const uint64_t m = predicted[i];
        if (m == hw[i]) continue;
        if (val.mismatches++ < 3)
          val.note += fmt::format("{}case {} ({}): {} -> hardware {}, model {}", val.note.empty() ? "" : "; ", i,
                                  case_kind_name(cases[i].kind), case_line(a, cases[i].dot), hex_bits(hw[i], a.d),
                                  hex_bits(m, a.d));
      }
      val.value = val.mismatches ? "differs" : "equal";
      val.preset_value = preset;
      val.status = val.mismatches ? "disagrees" : "agrees";
      total_mismatches += val.mismatches;
      for (const NumericsRow& r : probe_path(b, runner, params, seed)) write_row(csv, a, r);
      if (dtype_is_float(a.a)) write_row(csv, a, monotonicity(b, runner, params, seed));
    } else {
      val.status = "undetermined";
      val.mismatches = -1;
    }
    write_row(csv, a, val);
    csv.flush();

    // The committed sample: model input line, then the hardware's d.
    const std::string path = sample_dir + "/" + a.name + ".cases";
    {
      std::ofstream f(path + ".partial");
      f << "# tcbench numerics sample: " << a.name << " on " << dev.name << " (" << dev.arch() << ")\n"
        << "# instr: " << a.ptx << "\n# k: " << a.k << "\n# seed: " << seed << "\n"
        << "# line: a0 .. a" << a.k - 1 << " b0 .. b" << a.k - 1 << " c, then the hardware's d (hex bit patterns)\n";
      for (int i = 0; i < std::min<int>(opt.sample, int(cases.size())); ++i)
        f << case_line(a, cases[i].dot) << ' ' << hex_bits(hw[i], a.d) << '\n';
      if (!f) throw std::runtime_error("cannot write " + path);
    }
    fs::rename(path + ".partial", path);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - tp).count();
    paths.push_back({{"atom", a.name}, {"ptx", a.ptx}, {"k", a.k}, {"cases", cases.size()}, {"seconds", secs},
                     {"model_mismatches", val.mismatches}});
    fmt::print("{:<44} {:>8} cases {:>6} model mismatches {:>6.2f} s\n", a.name, cases.size(), val.mismatches, secs);
  }
  csv.close();
  fs::rename(out + "/numerics.csv.partial", out + "/numerics.csv");
  run["paths"] = paths;
  run["model_preset"] = preset;
  run["model_mismatches_total"] = total_mismatches;
  run["files"] = {"numerics.csv", "numerics_sample/"};
  run["status"] = g_stop ? "interrupted" : "complete";
  run["date_utc_end"] = utc_now_iso8601();
  run["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_json_atomic(out + "/numerics_run.json", run);
  fmt::print("{} paths -> {}\n", paths.size(), out);
  return g_stop ? kExitInterrupted : kExitOk;
}

}  // namespace tcb
