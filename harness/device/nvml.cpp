#include "harness/device/nvml.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>

namespace tcb {
namespace {

// The few NVML declarations we use (nvml.h is not needed at build time). Values from nvml.h.
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
constexpr nvmlReturn_t NVML_SUCCESS = 0;
constexpr int NVML_CLOCK_SM = 1;
constexpr int NVML_CLOCK_MEM = 2;
constexpr int NVML_TEMPERATURE_GPU = 0;
constexpr int NVML_TOTAL_POWER_SAMPLES = 0;  // nvmlSamplingType_t
struct NvmlSample {                          // nvmlSample_t: a timestamp (us) and an 8-byte union value
  unsigned long long time_stamp;
  unsigned long long value;
};

struct Api {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*handle_by_pci)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*driver_version)(char*, unsigned) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*clock)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*max_clock)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*power_usage)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*reasons)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*total_energy)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*samples)(nvmlDevice_t, int, unsigned long long, int*, unsigned*, NvmlSample*) = nullptr;
};
Api g_api;  // one process-wide table; Nvml is a singleton

template <class F>
void bind(void* lib, F* fn, const char* name) {
  *fn = reinterpret_cast<F>(dlsym(lib, name));
}

// Clock-event reason bits (nvml.h nvmlClocksEventReason*, formerly *ThrottleReason*).
struct Reason { uint64_t bit; const char* name; };
constexpr Reason kReasons[] = {
    {0x1, "gpu_idle"},           {0x2, "applications_clocks_setting"}, {0x4, "sw_power_cap"},
    {0x8, "hw_slowdown"},        {0x10, "sync_boost"},                 {0x20, "sw_thermal_slowdown"},
    {0x40, "hw_thermal_slowdown"}, {0x80, "hw_power_brake_slowdown"},  {0x100, "display_clock_setting"},
};
// Idle, application clocks and display clocks are settings, not a slowdown under load.
constexpr uint64_t kThrottling = 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80;

}  // namespace

Nvml& Nvml::instance() {
  static Nvml n;
  return n;
}

Nvml::Nvml() {
  lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib_) lib_ = dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
  if (!lib_) return;
  Api& a = g_api;
  bind(lib_, &a.init, "nvmlInit_v2");
  bind(lib_, &a.handle_by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
  bind(lib_, &a.driver_version, "nvmlSystemGetDriverVersion");
  bind(lib_, &a.uuid, "nvmlDeviceGetUUID");
  bind(lib_, &a.clock, "nvmlDeviceGetClockInfo");
  bind(lib_, &a.max_clock, "nvmlDeviceGetMaxClockInfo");
  bind(lib_, &a.power_limit, "nvmlDeviceGetPowerManagementLimit");
  bind(lib_, &a.power_usage, "nvmlDeviceGetPowerUsage");
  bind(lib_, &a.temperature, "nvmlDeviceGetTemperature");
  bind(lib_, &a.reasons, "nvmlDeviceGetCurrentClocksEventReasons");
  if (!a.reasons) bind(lib_, &a.reasons, "nvmlDeviceGetCurrentClocksThrottleReasons");  // drivers < 535
  bind(lib_, &a.total_energy, "nvmlDeviceGetTotalEnergyConsumption");
  bind(lib_, &a.samples, "nvmlDeviceGetSamples");
  if (!a.init || a.init() != NVML_SUCCESS) {  // e.g. the library without a driver (containers)
    dlclose(lib_);
    lib_ = nullptr;
    g_api = Api{};
  }
}

bool Nvml::open_device_by_pci_bus_id(const std::string& pci_bus_id) {
  nvmlDevice_t dev = nullptr;
  if (!lib_ || !g_api.handle_by_pci || g_api.handle_by_pci(pci_bus_id.c_str(), &dev) != NVML_SUCCESS) return false;
  device_ = dev;
  return dev != nullptr;
}

std::string Nvml::driver_version() const {
  char buf[96] = {};  // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE is 80
  if (!lib_ || !g_api.driver_version || g_api.driver_version(buf, sizeof buf) != NVML_SUCCESS) return "";
  return buf;
}

std::string Nvml::uuid() const {
  char buf[96] = {};  // NVML_DEVICE_UUID_V2_BUFFER_SIZE is 96
  if (!device_ || !g_api.uuid || g_api.uuid(device_, buf, sizeof buf) != NVML_SUCCESS) return "";
  return buf;
}

bool Nvml::sm_clock_mhz(unsigned* mhz) const {
  return device_ && g_api.clock && g_api.clock(device_, NVML_CLOCK_SM, mhz) == NVML_SUCCESS;
}

bool Nvml::max_sm_clock_mhz(unsigned* mhz) const {
  return device_ && g_api.max_clock && g_api.max_clock(device_, NVML_CLOCK_SM, mhz) == NVML_SUCCESS;
}

bool Nvml::mem_clock_mhz(unsigned* mhz) const {
  return device_ && g_api.clock && g_api.clock(device_, NVML_CLOCK_MEM, mhz) == NVML_SUCCESS;
}

bool Nvml::power_limit_w(double* watts) const {
  unsigned mw = 0;
  if (!device_ || !g_api.power_limit || g_api.power_limit(device_, &mw) != NVML_SUCCESS) return false;
  *watts = mw / 1000.0;
  return true;
}

bool Nvml::power_usage_w(double* watts) const {
  unsigned mw = 0;
  if (!device_ || !g_api.power_usage || g_api.power_usage(device_, &mw) != NVML_SUCCESS) return false;
  *watts = mw / 1000.0;
  return true;
}

bool Nvml::total_energy_mj(unsigned long long* mj) const {
  return device_ && g_api.total_energy && g_api.total_energy(device_, mj) == NVML_SUCCESS;
}

bool Nvml::power_sample_period_ms(double* ms) const {
  if (!device_ || !g_api.samples) return false;
  int type = 0;
  unsigned count = 0;  // first call: how many samples the driver holds
  if (g_api.samples(device_, NVML_TOTAL_POWER_SAMPLES, 0, &type, &count, nullptr) != NVML_SUCCESS || count < 2)
    return false;
  std::vector<NvmlSample> buf(count + 16);  // room for samples taken between the two calls
  count = unsigned(buf.size());
  if (g_api.samples(device_, NVML_TOTAL_POWER_SAMPLES, 0, &type, &count, buf.data()) != NVML_SUCCESS) return false;
  std::vector<unsigned long long> stamps;
  for (unsigned i = 0; i < count && i < buf.size(); ++i) stamps.push_back(buf[i].time_stamp);
  std::sort(stamps.begin(), stamps.end());
  *ms = median_interval_ms(stamps);
  return *ms > 0;
}

double Nvml::median_interval_ms(const std::vector<unsigned long long>& timestamps_us) {
  std::vector<double> gaps;
  for (size_t i = 1; i < timestamps_us.size(); ++i)
    if (timestamps_us[i] > timestamps_us[i - 1]) gaps.push_back(double(timestamps_us[i] - timestamps_us[i - 1]) / 1e3);
  if (gaps.empty()) return 0;
  std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
  return gaps[gaps.size() / 2];
}

bool Nvml::temperature_c(unsigned* c) const {
  return device_ && g_api.temperature && g_api.temperature(device_, NVML_TEMPERATURE_GPU, c) == NVML_SUCCESS;
}

bool Nvml::throttle_reasons(uint64_t* mask) const {
  unsigned long long m = 0;
  if (!device_ || !g_api.reasons || g_api.reasons(device_, &m) != NVML_SUCCESS) return false;
  *mask = m;
  return true;
}

void* Nvml::symbol(const char* name) const { return lib_ ? dlsym(lib_, name) : nullptr; }

bool Nvml::is_throttling(uint64_t mask) { return (mask & kThrottling) != 0; }

std::string Nvml::describe_reasons(uint64_t mask) {
  if (mask == 0) return "none";
  std::string s;
  uint64_t known = 0;
  for (const Reason& r : kReasons) {
    known |= r.bit;
    if (mask & r.bit) s += (s.empty() ? "" : "|") + std::string(r.name);
  }
  if (mask & ~known) {  // bits defined by newer drivers
    char buf[32];
    std::snprintf(buf, sizeof buf, "other(0x%llx)", static_cast<unsigned long long>(mask & ~known));
    s += (s.empty() ? "" : "|") + std::string(buf);
  }
  return s;
}

}  // namespace tcb
