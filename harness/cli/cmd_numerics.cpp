#include "harness/cli/cmd_numerics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <set>
#include <sstream>
#include <thread>

#include "families/mma/case_runner.hpp"
#include "harness/device/device_info.hpp"
#include "harness/io/gzip_file.hpp"
#include "families/mma/numerics_cases.hpp"
#include "families/mma/numerics_probes.hpp"
#include "families/mma/operands.hpp"
#include "model/presets.hpp"
#include "harness/io/provenance.hpp"
#include "harness/io/output_dir.hpp"
#include "harness/core/regex.hpp"
#include "families/mma/registry.hpp"
#include "harness/core/stop_signal.hpp"
#include "harness/core/watchdog.hpp"
#include "harness/io/writers.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

// A candidate path whatever the GPU: what is_numerics_path checks before the device.
bool is_numerics_candidate(const Benchmark& b, const Regex* filter) {
  const AtomInfo& a = b.info;
  if (b.work != Work::mma || is_sparse(a) || a.a == DType::b1) return false;
  if (a.family == Family::wgmma && a.n != 64) return false;
  return !filter || filter->search(a.name) || filter->search(a.ptx);
}

// The paths probed: every dense floating-point and integer instruction the GPU runs (b1 has no
// rounding); wgmma at N = 64 only (the datapath does not depend on N), SS and RS.
bool is_numerics_path(const Benchmark& b, const DeviceInfo& dev, const Regex* filter) {
  const AtomInfo& a = b.info;
  if (!is_numerics_candidate(b, filter) || !a.exists_on(dev.sm)) return false;
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

// One `tcbench numerics`: the paths, the staging folder, and how it ends.
class NumericsCommand {
 public:
  NumericsCommand(const NumericsOptions& opt, const DeviceInfo& dev, std::string target)
      : opt_(opt), dev_(dev), stage_(target, kNumericsOutput, utc_stamp()) {}
  int execute(const std::vector<const Benchmark*>& paths);

 private:
  void measure(const Benchmark& b, const Watchdog& watchdog);
  void write_csv_row(const AtomInfo& a, const NumericsRow& r);
  int finish(const std::string& reason, const std::string& error);

  const NumericsOptions& opt_;
  const DeviceInfo& dev_;
  StagedOutput stage_;
  nlohmann::json run_, paths_ = nlohmann::json::array();
  std::ofstream csv_;
  std::string preset_ = model::preset_for_sm(dev_.sm);
  long total_mismatches_ = 0;
  std::vector<std::string> disagreeing_;  // "<atom>: <property>" of rows whose status is "disagrees"
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

void NumericsCommand::write_csv_row(const AtomInfo& a, const NumericsRow& r) {
  write_row(csv_, a, r);
  csv_.flush();
  if (!csv_) throw std::runtime_error("cannot write " + stage_.dir() + "/numerics.csv");
  if (r.status == "disagrees") disagreeing_.push_back(std::string(a.name) + ": " + r.property);
}

int NumericsCommand::execute(const std::vector<const Benchmark*>& paths) {
  run_ = provenance_json(opt_.argv);
  run_.update({{"device", dev_.to_json()},
               {"cases_per_path", opt_.cases},
               {"sample_per_path", opt_.sample},
               {"seed", opt_.seed},
               {"watchdog", {{"timeout_seconds_per_gpu_wait", opt_.timeout_seconds}}},
               {"output", {{"target", stage_.target()}}}});
  fs::create_directories(stage_.dir() + "/numerics_sample");
  write_json_atomic(stage_.dir() + "/numerics_run.json", run_);
  csv_.open(stage_.dir() + "/numerics.csv");
  csv_ << kNumericsHeader;
  const volatile std::sig_atomic_t& stop = stop_on_signals();
  try {
    for (const Benchmark* b : paths) {
      if (stop) return finish("interrupted", "");
      // A kernel that outlives the timeout holds the GPU for good: write, then end (see watchdog.hpp).
      const Watchdog watchdog{opt_.timeout_seconds, [&](const std::string& what) {
        write_and_exit("numerics", [&] {
          return finish("timed_out", fmt::format("watchdog: {} of {} did not finish within {:g} s", what,
                                                 b->info.name, opt_.timeout_seconds));
        });
      }};
      measure(*b, watchdog);
    }
  } catch (const std::exception& e) {
    return finish("failed", e.what());
  }
  return finish(stop ? "interrupted" : "", "");
}

void NumericsCommand::measure(const Benchmark& b, const Watchdog& watchdog) {
  const AtomInfo& a = b.info;
  const auto tp = std::chrono::steady_clock::now();
  CaseRunner runner(b, &watchdog);
  const uint64_t seed = opt_.seed ^ name_hash(a.name);
  const auto cases = random_cases(a, seed, opt_.cases);
  std::vector<DotCase> dots;
  dots.reserve(cases.size());
  for (const auto& c : cases) dots.push_back(c.dot);
  const std::vector<uint64_t> hw = runner.run(dots);

  // The model preset of this architecture, case by case against the hardware.
  NumericsRow val{"validation", "model_equals_hardware"};
  val.cases = long(cases.size());
  model::PathParams params;
  bool have_model = false;
  if (!preset_.empty()) {
    try {
      params = model::resolve(preset_, a.ptx).params;
      have_model = true;
    } catch (const std::exception& e) {
      val.note = std::string("no model path: ") + e.what();
    }
  } else {
    val.note = "no model preset for " + dev_.arch();
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
    val.preset_value = preset_;
    val.status = val.mismatches ? "disagrees" : "agrees";
    total_mismatches_ += val.mismatches;
    for (const NumericsRow& r : probe_path(b, runner, params, seed)) write_csv_row(a, r);
    if (dtype_is_float(a.a)) write_csv_row(a, monotonicity(b, runner, params, seed));
  } else {
    val.status = "undetermined";
    val.mismatches = -1;
  }
  write_csv_row(a, val);

  // The committed sample, gzip-compressed: model input line, then the hardware's d.
  std::ostringstream sample;
  sample << "# tcbench numerics sample: " << a.name << " on " << dev_.name << " (" << dev_.arch() << ")\n"
         << "# instr: " << a.ptx << "\n# k: " << a.k << "\n# seed: " << seed << "\n"
         << "# line: a0 .. a" << a.k - 1 << " b0 .. b" << a.k - 1 << " c, then the hardware's d (hex bit patterns)\n";
  for (int i = 0; i < std::min<int>(opt_.sample, int(cases.size())); ++i)
    sample << case_line(a, cases[i].dot) << ' ' << hex_bits(hw[i], a.d) << '\n';
  write_gzip_file(stage_.dir() + "/numerics_sample/" + a.name + ".cases.gz", sample.str());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - tp).count();
  paths_.push_back({{"atom", a.name}, {"ptx", a.ptx}, {"k", a.k}, {"cases", cases.size()}, {"seconds", secs},
                    {"model_mismatches", val.mismatches}});
  fmt::print("{:<44} {:>8} cases {:>6} model mismatches {:>6.2f} s\n", a.name, cases.size(), val.mismatches, secs);
}

int NumericsCommand::finish(const std::string& reason, const std::string& error) {
  csv_.close();
  run_["paths"] = paths_;
  run_["model_preset"] = preset_;
  run_["model_mismatches_total"] = total_mismatches_;
  run_["disagreements"] = disagreeing_;
  run_["files"] = {"numerics_run.json", "numerics.csv", "numerics_sample/"};
  run_["status"] = reason.empty() ? "complete" : "partial";
  if (!reason.empty()) run_["partial_reason"] = reason;
  if (!error.empty()) run_["error"] = error;
  run_["date_utc_end"] = utc_now_iso8601();
  run_["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  write_json_atomic(stage_.dir() + "/numerics_run.json", run_);
  if (!reason.empty()) {
    const std::string partial = stage_.keep_partial();
    fmt::print(stderr, "tcbench numerics: {}; the {} path(s) measured so far are kept in {}, marked partial; {}\n",
               error.empty() ? reason : error, paths_.size(), partial,
               fs::exists(stage_.target()) ? stage_.target() + " was left as it was"
                                           : "nothing was written to " + stage_.target());
    return numerics_exit_code(reason, total_mismatches_, disagreeing_.size());
  }
  stage_.commit();
  fmt::print("{} paths -> {}\n", paths_.size(), stage_.target());
  const int code = numerics_exit_code(reason, total_mismatches_, disagreeing_.size());
  if (code == kExitInvalidResults)
    fmt::print(stderr, "tcbench numerics: the hardware disagrees with the {} model: {} case mismatch(es); {} "
                       "row(s) disagree ({}{}); see {}/numerics.csv\n",
               preset_, total_mismatches_, disagreeing_.size(), disagreeing_.empty() ? "" : disagreeing_.front(),
               disagreeing_.size() > 1 ? ", ..." : "", stage_.target());
  return code;
}

}  // namespace

int numerics_exit_code(const std::string& partial_reason, long model_mismatches, size_t disagreeing_rows) {
  if (partial_reason == "interrupted") return kExitInterrupted;
  if (partial_reason == "timed_out") return kExitTimedOut;
  if (!partial_reason.empty()) return kExitFailure;
  return model_mismatches > 0 || disagreeing_rows > 0 ? kExitInvalidResults : kExitOk;
}

int cmd_numerics(const NumericsOptions& opt) {
  const Regex filter_re(opt.filter.empty() ? "." : opt.filter);  // main.cpp validated it
  const Regex* filter = opt.filter.empty() ? nullptr : &filter_re;
  // Before the GPU: a filter that no numerics path of this build matches, and an --out holding results.
  if (std::none_of(registry().begin(), registry().end(), [&](const Benchmark& b) { return is_numerics_candidate(b, filter); })) {
    fmt::print(stderr, "tcbench numerics: --filter '{}' matches no numerics path of this build (dense, non-b1 mma "
                       "instructions; wgmma at N = 64); `tcbench list` shows the atoms\n", opt.filter);
    return kExitUsage;
  }
  if (!opt.out_dir.empty() && refuse_output("numerics", opt.out_dir, kNumericsOutput, opt.force)) return kExitExists;
  DeviceInfo dev;
  std::string err;
  if (!query_device(opt.device, &dev, &err)) {
    fmt::print(stderr, "tcbench: {}\n(tcbench numerics needs an NVIDIA GPU; `tcbench model` replays cases without one)\n", err);
    return kExitNoGpu;
  }
  std::vector<const Benchmark*> paths;
  for (const Benchmark& b : registry())
    if (is_numerics_path(b, dev, filter)) paths.push_back(&b);
  if (paths.empty()) {
    fmt::print(stderr, "tcbench numerics: {} selects no numerics path that this build can run on {} ({})\n",
               opt.filter.empty() ? std::string("the build") : "--filter '" + opt.filter + "'", dev.name, dev.arch());
    return kExitUsage;
  }
  const std::string target = opt.out_dir.empty() ? new_run_folder("results/" + dev.slug() + "/runs", utc_stamp())
                                                  : opt.out_dir;
  NumericsCommand command(opt, dev, target);
  return command.execute(paths);
}

}  // namespace tcb
