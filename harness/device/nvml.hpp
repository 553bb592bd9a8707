// NVML, loaded at run time (dlopen) so the build never needs it and machines without it
// still run. Every query returns false / empty when NVML or the query is unavailable.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tcb {

class Nvml {
 public:
  static Nvml& instance();
  bool available() const { return device_ != nullptr; }
  bool loaded() const { return lib_ != nullptr; }  // library found and nvmlInit succeeded
  bool open_device_by_pci_bus_id(const std::string& pci_bus_id);  // from cudaDeviceGetPCIBusId
  std::string driver_version() const;
  std::string uuid() const;
  bool sm_clock_mhz(unsigned* mhz) const;        // current
  bool max_sm_clock_mhz(unsigned* mhz) const;
  bool mem_clock_mhz(unsigned* mhz) const;
  bool power_limit_w(double* watts) const;
  // On Ampere (except GA100) and newer, NVML averages this over 1 s (nvmlDeviceGetPowerUsage).
  bool power_usage_w(double* watts) const;
  // Board energy since the driver loaded, in mJ (nvmlDeviceGetTotalEnergyConsumption, Volta+).
  bool total_energy_mj(unsigned long long* mj) const;
  // The period at which the driver samples board power: the median interval between the
  // timestamps of its buffered power samples (nvmlDeviceGetSamples, NVML_TOTAL_POWER_SAMPLES).
  bool power_sample_period_ms(double* ms) const;
  // The median of the intervals between ascending timestamps (us), in ms; 0 with fewer than two.
  static double median_interval_ms(const std::vector<unsigned long long>& timestamps_us);
  bool temperature_c(unsigned* c) const;
  bool throttle_reasons(uint64_t* mask) const;   // nvmlDeviceGetCurrentClocksEventReasons
  // True when the mask holds a reason that lowers clocks (power/thermal/HW slowdown, sync boost).
  static bool is_throttling(uint64_t mask);
  static std::string describe_reasons(uint64_t mask);
  // A function of the loaded library by name (nullptr when NVML or the symbol is missing), for the
  // node-level queries of harness/device/nvml_topology.cpp that need no open device.
  void* symbol(const char* name) const;

 private:
  Nvml();
  void* lib_ = nullptr;
  void* device_ = nullptr;
};

}  // namespace tcb
