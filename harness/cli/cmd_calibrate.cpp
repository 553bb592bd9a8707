// `tcbench calibrate`: fits the GEMM cost model's correction parameters (optimizer/core/
// calibration.hpp says which and why) to measured cuBLAS times of the committed discovery set
// only, and writes the cost table again with the fit in its `calibration` section. Rows of the
// measurements outside the discovery set are not fitted: their error is recorded as the
// calibrated model's validation error, which `tcbench optimize` uses as the model's error.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tcbench/cost_table.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "harness/cli/cmd_optimizer.hpp"
#include "harness/device/device_info.hpp"
#include "harness/io/provenance.hpp"
#include "harness/io/shell.hpp"
#include "harness/io/writers.hpp"
#include "optimizer/core/calibration_fit.hpp"
#include "optimizer/core/gemm_csv.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

using namespace tcb::opt;

using ShapeKey = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool>;
ShapeKey key(const GemmProblem& p) { return {int(p.dtype), p.batch, p.m, p.n, p.k, p.b_nk}; }

std::string sha256_of(const std::string& path) {
  std::string out, err;
  if (run_capture("sha256sum " + shell_quote(path), &out, &err) != 0 || out.size() < 64) return "unknown";
  return out.substr(0, 64);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs the discovery GEMMs on this machine's GPU (optimizer/measure/gemm_timing.py); the CSV path.
std::string measure_discovery(const OptimizerOptions& o) {
  const fs::path dir = fs::path(o.out).parent_path() / "gemm_calibration_run";
  const std::string script = std::string(TCB_SOURCE_DIR) + "/optimizer/measure/gemm_timing.py";
  std::string cmd = fmt::format("python3 {} --out {} --force --kernels", shell_quote(script), shell_quote(dir.string()));
  for (const std::string& d : o.discovery) cmd += " --shapes " + shell_quote(d);
  fmt::print(stderr, "tcbench calibrate: measuring the discovery set: {}\n", cmd);
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("the discovery measurement failed (it needs a CUDA GPU and torch); its output is above");
  return (dir / "gemm_times.csv").string();
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

int cmd_calibrate(const OptimizerOptions& o) {
  auto bad = [](const std::string& m) {
    fmt::print(stderr, "tcbench calibrate: {}\n", m);
    return int(kExitUsage);
  };
  tcbench::CostTable table;
  std::set<ShapeKey> keys;
  try {
    table = tcbench::load_cost_table(o.cost_table);
    for (const std::string& d : o.discovery)
      for (const GemmCsvRow& r : read_gemm_csv(d).rows) keys.insert(key(r.problem));
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  const std::vector<std::string> measured = o.measured.empty() ? std::vector<std::string>{measure_discovery(o)} : o.measured;
  std::vector<MeasuredGemm> fit_rows, held_out;
  try {
    for (const std::string& path : measured)
      for (const MeasuredGemm& m : measured_rows(read_gemm_csv(path)))
        (keys.count(key(m.problem)) ? fit_rows : held_out).push_back(m);
  } catch (const GemmCsvError& e) {
    return bad(e.what());
  }
  if (fit_rows.empty()) return bad(joined(measured) + ": no measured row is a shape of the discovery sets " + joined(o.discovery));

  CalibrationRecord rec;
  try {
    const CalibrationFit fit = fit_calibration(table, fit_rows);
    rec.params = fit.params;
    rec.rows = int(fit_rows.size());
    rec.mape = fit.mape;
    rec.mape_uncalibrated = fit.mape_uncalibrated;
  } catch (const ModelError& e) {
    return bad(o.cost_table + ": " + e.what());
  }
  rec.discovery_set = joined(o.discovery);
  rec.measurements = joined(measured);
  for (const std::string& path : measured)
    rec.measurements_sha256 += (rec.measurements_sha256.empty() ? "" : ", ") + sha256_of(path);
  const GitState git = git_state();
  rec.fitted_with_git_sha = git.sha + (git.dirty ? "-dirty" : "");
  rec.date_utc = utc_now_iso8601();
  nlohmann::ordered_json section = nlohmann::ordered_json::parse(rec.to_json());
  if (!held_out.empty()) {  // the calibrated model on measured shapes it was not fitted to
    const GemmModel calibrated(table, rec.params), neutral(table, CalibrationParams{});
    std::vector<MeasuredGemm> rows;
    for (const MeasuredGemm& m : held_out)
      if (neutral.supports(m.problem.dtype)) rows.push_back(m);
    section["validation"] = {{"rows", rows.size()},
                             {"mape", model_mape(calibrated, rows)},
                             {"mape_uncalibrated", model_mape(neutral, rows)},
                             {"note", "rows of --measured outside the discovery set; not fitted"}};
  }
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(read_text(o.cost_table));
  doc["calibration"] = section;
  write_text_atomic(o.out, doc.dump(2) + "\n");
  fmt::print("calibrated on {} discovery rows: MAPE {:.1f}% (uncalibrated {:.1f}%){}; written to {}\n", rec.rows,
             100 * rec.mape, 100 * rec.mape_uncalibrated,
             held_out.empty() ? std::string()
                              : fmt::format("; {} held-out rows: MAPE {:.1f}%", section["validation"]["rows"].get<int>(),
                                            100 * section["validation"]["mape"].get<double>()),
             o.out);
  for (size_t i = 0; i < CalibrationParams::names().size(); ++i)
    fmt::print("  {:<22} {:.4g}\n", CalibrationParams::names()[i], rec.params.as_vector()[i]);
  return kExitOk;
}

}  // namespace tcb
