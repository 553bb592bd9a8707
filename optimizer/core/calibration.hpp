// The cost model's correction parameters: what `tcbench calibrate` fits from real GEMMs and keeps
// in the cost table's `calibration` section. Uncalibrated, every one is neutral and the model
// predicts from the table's measurements alone.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tcbench {
struct CostTable;
}

namespace tcb::opt {

// Seven parameters, each a known gap between the microbenchmarks and a library GEMM kernel:
struct CalibrationParams {
  // Tensor-core main loop rate / the measured instruction peak (producer warps, barriers,
  // TMA issue and the clock a full GEMM holds take their share).
  double mma_efficiency = 1.0;
  // The same for the CUDA cores (strict f32: cuBLAS's FFMA kernels).
  double ffma_efficiency = 1.0;
  // Bandwidth a GEMM's operand stream reaches / the measured L2 and DRAM bandwidths.
  double memory_efficiency = 1.0;
  // Time of the smallest library kernel in a CUDA graph beyond the empty kernel the table measured
  // (argument setup, TMA descriptor fetch, the epilogue's last store).
  double kernel_floor_extra_us = 0.0;
  // Per tile: prologue and epilogue the per-iteration model does not see.
  double tile_overhead_us = 0.0;
  // Per split-K reduction kernel: what its launch and traffic do not explain.
  double reduction_overhead_us = 0.0;
  // Main-loop rate of the kernels a library falls back to when a leading dimension or batch
  // stride is not a multiple of 16 bytes (no TMA, narrower loads) / the aligned kernels' rate.
  double unaligned_efficiency = 1.0;

  static const std::vector<std::string>& names();
  std::vector<double> as_vector() const;
  static CalibrationParams from_vector(const std::vector<double>& v);
};

// What a fit left behind, for the table's calibration section.
struct CalibrationRecord {
  CalibrationParams params;
  int rows = 0;
  double mape = 0, mape_uncalibrated = 0;  // on the discovery set
  std::string discovery_set, measurements, measurements_sha256, fitted_with_git_sha, date_utc;
  std::string to_json() const;
};

// The table's calibration section, or nullopt when it has none. A section that is not a
// calibration this code wrote throws tcbench::CostTableError naming the field.
std::optional<CalibrationParams> table_calibration(const tcbench::CostTable& table, const std::string& source);

}  // namespace tcb::opt
