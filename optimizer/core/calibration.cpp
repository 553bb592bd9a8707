#include "optimizer/core/calibration.hpp"

#include <nlohmann/json.hpp>
#include <tcbench/cost_table.hpp>

#include <cmath>

namespace tcb::opt {

const std::vector<std::string>& CalibrationParams::names() {
  static const std::vector<std::string> kNames = {"mma_efficiency",        "ffma_efficiency",  "memory_efficiency",
                                                  "kernel_floor_extra_us", "tile_overhead_us", "reduction_overhead_us",
                                                  "unaligned_efficiency"};
  return kNames;
}

std::vector<double> CalibrationParams::as_vector() const {
  return {mma_efficiency, ffma_efficiency, memory_efficiency, kernel_floor_extra_us, tile_overhead_us,
          reduction_overhead_us, unaligned_efficiency};
}

CalibrationParams CalibrationParams::from_vector(const std::vector<double>& v) {
  CalibrationParams p;
  p.mma_efficiency = v.at(0);
  p.ffma_efficiency = v.at(1);
  p.memory_efficiency = v.at(2);
  p.kernel_floor_extra_us = v.at(3);
  p.tile_overhead_us = v.at(4);
  p.reduction_overhead_us = v.at(5);
  p.unaligned_efficiency = v.at(6);
  return p;
}

std::string CalibrationRecord::to_json() const {
  nlohmann::ordered_json j;
  j["kind"] = "tcbench-gemm-calibration";
  nlohmann::ordered_json params_json;
  const std::vector<double> v = params.as_vector();
  for (size_t i = 0; i < v.size(); ++i) params_json[CalibrationParams::names()[i]] = v[i];
  j["parameters"] = params_json;
  j["fit"] = {{"rows", rows}, {"mape", mape}, {"mape_uncalibrated", mape_uncalibrated},
              {"objective", "mean |predicted / measured - 1| (MAPE), Nelder-Mead"}};
  j["discovery_set"] = discovery_set;
  j["measurements"] = measurements;
  j["measurements_sha256"] = measurements_sha256;
  j["fitted_with_git_sha"] = fitted_with_git_sha;
  j["date_utc"] = date_utc;
  return j.dump(2) + "\n";
}

std::optional<CalibrationParams> table_calibration(const tcbench::CostTable& table, const std::string& source) {
  if (!table.calibration_json) return std::nullopt;
  const auto j = nlohmann::json::parse(*table.calibration_json);
  auto fail = [&](const std::string& field, const std::string& problem) {
    throw tcbench::CostTableError(source, "/calibration" + field, problem);
  };
  if (j.value("kind", "") != "tcbench-gemm-calibration")
    fail("/kind", "expected \"tcbench-gemm-calibration\" (a section `tcbench calibrate` wrote)");
  if (!j.contains("parameters") || !j["parameters"].is_object()) fail("/parameters", "required object is missing");
  std::vector<double> v;
  for (const std::string& name : CalibrationParams::names()) {
    const auto it = j["parameters"].find(name);
    if (it == j["parameters"].end()) fail("/parameters/" + name, "required field is missing");
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0)
      fail("/parameters/" + name, "expected a finite number >= 0");
    v.push_back(it->get<double>());
  }
  for (int i : {0, 1, 2, 6})
    if (v[i] <= 0) fail("/parameters/" + CalibrationParams::names()[i], "an efficiency must be > 0");
  return CalibrationParams::from_vector(v);
}

}  // namespace tcb::opt
