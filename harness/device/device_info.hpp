// What the running GPU is: CUDA runtime properties plus NVML facts when available.
#pragma once
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

namespace tcb {

struct DeviceInfo {
  int index = 0;
  std::string name, pci_bus_id, uuid;
  int sm = 0;                 // compute capability x10, e.g. 90
  int sm_count = 0;
  int max_threads_per_sm = 0;
  long long global_mem_bytes = 0;
  int l2_bytes = 0;
  int shared_mem_per_sm = 0;
  int clock_khz = 0;          // CUDA-reported peak SM clock (0 if unavailable)
  int mem_clock_khz = 0;
  int mem_bus_width_bits = 0;  // global memory bus width (0 if unavailable): with mem_clock_khz, the DRAM bandwidth
  int runtime_version = 0, driver_api_version = 0;
  std::string driver_version;  // NVML, e.g. "580.159.04"
  unsigned nvml_max_sm_mhz = 0;
  double power_limit_w = 0;
  std::string slug() const;    // results folder name: gpu_slug(name)
  std::string arch() const { return "sm_" + std::to_string(sm); }
  nlohmann::json to_json() const;
};

// The results folder name of a GPU model: "NVIDIA H100 80GB HBM3" -> "nvidia-h100-80gb-hbm3".
std::string gpu_slug(const std::string& name);

// One GPU as the node sweep's parent sees it (tcbench run --devices): enough to name it and hand
// it to a worker process, read without creating a CUDA context on it.
struct GpuBrief {
  int index = 0;  // CUDA's index in this process (CUDA_VISIBLE_DEVICES applies)
  std::string name, uuid, pci_bus_id;
  std::string slug() const { return gpu_slug(name); }
};

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitUsage = 2,
  kExitConfig = 3,
  kExitNoGpu = 4,
  kExitInvalidResults = 5,   // finished, but results failed verification/plausibility (or hardware != model)
  kExitTimedOut = 6,         // the watchdog stopped a benchmark that did not finish; earlier rows kept
  kExitExists = 7,           // the output already holds results and neither --force nor a new folder was asked
  kExitInterrupted = 130,
};

// Returns false with a message when no usable CUDA device exists (the CLI exits kExitNoGpu).
bool query_device(int index, DeviceInfo* info, std::string* error);
int device_count(std::string* error);
// Every GPU CUDA sees, in CUDA's order; empty with a message when there is none.
std::vector<GpuBrief> list_gpus(std::string* error);

}  // namespace tcb
