#include "harness/device/nvml_topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "harness/device/nvml.hpp"

namespace tcb {
namespace {

// The few NVML declarations used here (nvml.h is not needed at build time). Values from nvml.h.
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr unsigned kNvlinkMaxLinks = 18;  // NVML_NVLINK_MAX_LINKS since R520 (Hopper: 18 links)
constexpr unsigned kNvlinkEnabled = 1;    // NVML_FEATURE_ENABLED
struct NvmlPciInfo {                      // nvmlPciInfo_t
  char bus_id_legacy[16];
  unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};

struct TopologyApi {
  nvmlReturn_t (*handle_by_pci)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*common_ancestor)(nvmlDevice_t, nvmlDevice_t, int*) = nullptr;
  nvmlReturn_t (*link_state)(nvmlDevice_t, unsigned, unsigned*) = nullptr;
  nvmlReturn_t (*remote_pci)(nvmlDevice_t, unsigned, NvmlPciInfo*) = nullptr;
  nvmlReturn_t (*remote_type)(nvmlDevice_t, unsigned, int*) = nullptr;
};

template <class F>
void bind(F* fn, const char* name) {
  *fn = reinterpret_cast<F>(Nvml::instance().symbol(name));
}

TopologyApi load_api() {
  TopologyApi a;
  bind(&a.handle_by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
  bind(&a.common_ancestor, "nvmlDeviceGetTopologyCommonAncestor");
  bind(&a.link_state, "nvmlDeviceGetNvLinkState");
  bind(&a.remote_pci, "nvmlDeviceGetNvLinkRemotePciInfo_v2");
  bind(&a.remote_type, "nvmlDeviceGetNvLinkRemoteDeviceType");  // R450+; older drivers: "unknown"
  return a;
}

// nvmlIntNvLinkDeviceType_t: 0 GPU, 1 IBM NPU, 2 NVSwitch, 0xFF unknown.
std::string remote_kind(const TopologyApi& api, nvmlDevice_t dev, unsigned link) {
  int type = 0xFF;
  if (!api.remote_type || api.remote_type(dev, link, &type) != kNvmlSuccess) return "unknown";
  return type == 0 ? "gpu" : type == 1 ? "ibm_npu" : type == 2 ? "nvswitch" : "unknown";
}

nlohmann::json gpu_links(const TopologyApi& api, nvmlDevice_t dev, const std::string& bus_id) {
  nlohmann::json links = nlohmann::json::array();
  for (unsigned link = 0; api.link_state && link < kNvlinkMaxLinks; ++link) {
    unsigned active = 0;
    if (api.link_state(dev, link, &active) != kNvmlSuccess || active != kNvlinkEnabled) continue;
    NvmlPciInfo pci{};
    const bool remote = api.remote_pci && api.remote_pci(dev, link, &pci) == kNvmlSuccess;
    links.push_back({{"link", link},
                     {"remote_pci_bus_id", remote ? canonical_pci_bus_id(pci.bus_id) : ""},
                     {"remote", remote_kind(api, dev, link)}});
  }
  return {{"pci_bus_id", canonical_pci_bus_id(bus_id)}, {"nvlinks_active", links.size()}, {"nvlinks", links}};
}

int links_between(const nlohmann::json& a, const nlohmann::json& b) {
  int n = 0;
  for (const auto& l : a["nvlinks"]) n += l["remote_pci_bus_id"] == b["pci_bus_id"];
  return n;
}

bool has_switch_link(const nlohmann::json& gpu) {
  for (const auto& l : gpu["nvlinks"])
    if (l["remote"] == "nvswitch") return true;
  return false;
}

}  // namespace

std::string topology_level_name(int level) {
  switch (level) {
    case 0: return "internal";
    case 10: return "PIX";
    case 20: return "PXB";
    case 30: return "PHB";
    case 40: return "NODE";
    case 50: return "SYS";
    default: return fmt::format("unknown({})", level);
  }
}

std::string canonical_pci_bus_id(const std::string& bus_id) {
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  char tail = 0;
  if (std::sscanf(bus_id.c_str(), "%x:%x:%x.%x%c", &domain, &bus, &device, &function, &tail) != 4) return bus_id;
  return fmt::format("{:08x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

nlohmann::json node_topology_json(const std::vector<std::string>& pci_bus_ids) {
  if (!Nvml::instance().loaded()) return {{"available", false}, {"why", "NVML could not be loaded"}};
  const TopologyApi api = load_api();
  if (!api.handle_by_pci) return {{"available", false}, {"why", "this NVML lacks nvmlDeviceGetHandleByPciBusId_v2"}};
  std::vector<nvmlDevice_t> devs;
  nlohmann::json gpus = nlohmann::json::array();
  for (const std::string& id : pci_bus_ids) {
    nvmlDevice_t dev = nullptr;
    if (api.handle_by_pci(id.c_str(), &dev) != kNvmlSuccess)
      return {{"available", false}, {"why", "NVML does not know the GPU at PCI " + id}};
    devs.push_back(dev);
    gpus.push_back(gpu_links(api, dev, id));
  }
  nlohmann::json pairs = nlohmann::json::array();
  for (size_t a = 0; a < devs.size(); ++a)
    for (size_t b = a + 1; b < devs.size(); ++b) {
      int level = -1;
      const bool known = api.common_ancestor && api.common_ancestor(devs[a], devs[b], &level) == kNvmlSuccess;
      const int direct = links_between(gpus[a], gpus[b]);
      const bool switched = has_switch_link(gpus[a]) && has_switch_link(gpus[b]);
      pairs.push_back({{"a", a}, {"b", b}, {"pcie", known ? topology_level_name(level) : "unknown"},
                       {"nvlinks", direct}, {"nvswitch", switched}});
    }
  return {{"available", true}, {"gpus", gpus}, {"pairs", pairs}};
}

}  // namespace tcb
