#include "harness/device/device_info.hpp"

#include <cuda_runtime.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "harness/device/nvml.hpp"

namespace tcb {

namespace {

// "12.8" from CUDA's 12080.
std::string cuda_version_text(int v) { return fmt::format("{}.{}", v / 1000, v % 1000 / 10); }

// The CUDA runtime answers cudaErrorInsufficientDriver both when the driver is older than the
// runtime and when there is no driver at all (libcuda.so.1 missing): only the library tells them apart.
bool driver_library_present() {
  void* libcuda = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (libcuda) ::dlclose(libcuda);
  return libcuda != nullptr;
}

std::string no_gpu_reason(cudaError_t e) {
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  switch (e) {
    case cudaErrorNoDevice:
      return "the NVIDIA driver found no GPU (none is installed, or the nvidia kernel module is not loaded)";
    case cudaErrorInsufficientDriver:
      if (!driver_library_present())
        return "no NVIDIA driver is installed (libcuda.so.1 cannot be loaded)";
      cudaDriverGetVersion(&driver);
      return fmt::format("the NVIDIA driver (CUDA {}) is older than this build's CUDA runtime {} "
                         "(cudaErrorInsufficientDriver); update the driver",
                         cuda_version_text(driver), cuda_version_text(runtime));
    default:
      return fmt::format("{} ({})", cudaGetErrorString(e), cudaGetErrorName(e));
  }
}

// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as nvidia-smi and CUDA_VISIBLE_DEVICES write it.
std::string uuid_text(const cudaUUID_t& id) {
  char uuid[48];
  const unsigned char* u = reinterpret_cast<const unsigned char*>(id.bytes);
  std::snprintf(uuid, sizeof uuid, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  return uuid;
}

}  // namespace

int device_count(std::string* error) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear it: the next CUDA call should not inherit it
    *error = "no CUDA GPU available: " + no_gpu_reason(e);
    return 0;
  }
  if (n == 0) *error = "no CUDA GPU available: the driver reports 0 devices";
  return n;
}

static int attr(cudaDeviceAttr a, int dev) {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, a, dev) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return v;
}

bool query_device(int index, DeviceInfo* info, std::string* error) {
  int n = device_count(error);
  if (n == 0) return false;
  if (index < 0 || index >= n) {
    *error = fmt::format("device {} does not exist ({} device(s) present)", index, n);
    return false;
  }
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, index) != cudaSuccess || cudaSetDevice(index) != cudaSuccess) {
    *error = fmt::format("cannot open device {}: {}", index, cudaGetErrorString(cudaGetLastError()));
    return false;
  }
  DeviceInfo d;
  d.index = index;
  d.name = p.name;
  d.sm = p.major * 10 + p.minor;
  d.sm_count = p.multiProcessorCount;
  d.max_threads_per_sm = p.maxThreadsPerMultiProcessor;
  d.global_mem_bytes = static_cast<long long>(p.totalGlobalMem);
  d.l2_bytes = p.l2CacheSize;
  d.shared_mem_per_sm = static_cast<int>(p.sharedMemPerMultiprocessor);
  d.clock_khz = attr(cudaDevAttrClockRate, index);
  d.mem_clock_khz = attr(cudaDevAttrMemoryClockRate, index);
  d.mem_bus_width_bits = attr(cudaDevAttrGlobalMemoryBusWidth, index);
  char bus[64] = {0};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, index) == cudaSuccess) d.pci_bus_id = bus;
  cudaRuntimeGetVersion(&d.runtime_version);
  cudaDriverGetVersion(&d.driver_api_version);
  d.uuid = uuid_text(p.uuid);

  Nvml& nvml = Nvml::instance();
  if (!d.pci_bus_id.empty() && nvml.open_device_by_pci_bus_id(d.pci_bus_id)) {
    d.driver_version = nvml.driver_version();
    nvml.max_sm_clock_mhz(&d.nvml_max_sm_mhz);
    nvml.power_limit_w(&d.power_limit_w);
  }
  *info = d;
  return true;
}

// Properties only: no cudaSetDevice, which would create a context (and hold its memory) on every
// GPU in the parent for the whole sweep.
std::vector<GpuBrief> list_gpus(std::string* error) {
  const int n = device_count(error);
  std::vector<GpuBrief> out;
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
      *error = fmt::format("cannot read device {}: {}", i, cudaGetErrorString(cudaGetLastError()));
      return {};
    }
    GpuBrief g;
    g.index = i;
    g.name = p.name;
    g.uuid = uuid_text(p.uuid);
    char bus[64] = {0};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) g.pci_bus_id = bus;
    out.push_back(g);
  }
  return out;
}

// Stable, filesystem-safe, model-specific.
std::string gpu_slug(const std::string& name) {
  std::string s;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!s.empty() && s.back() != '-') s += '-';
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s.empty() ? "unknown-gpu" : s;
}

std::string DeviceInfo::slug() const { return gpu_slug(name); }

nlohmann::json DeviceInfo::to_json() const {
  return {{"index", index},
          {"name", name},
          {"uuid", uuid},
          {"pci_bus_id", pci_bus_id},
          {"sm", sm},
          {"arch", arch()},
          {"sm_count", sm_count},
          {"max_threads_per_sm", max_threads_per_sm},
          {"global_mem_bytes", global_mem_bytes},
          {"l2_bytes", l2_bytes},
          {"shared_mem_per_sm_bytes", shared_mem_per_sm},
          {"cuda_clock_khz", clock_khz},
          {"mem_clock_khz", mem_clock_khz},
          {"mem_bus_width_bits", mem_bus_width_bits},
          {"cuda_runtime_version", runtime_version},
          {"cuda_driver_api_version", driver_api_version},
          {"driver_version", driver_version},
          {"nvml_max_sm_clock_mhz", nvml_max_sm_mhz},
          {"power_limit_w", power_limit_w}};
}

}  // namespace tcb
