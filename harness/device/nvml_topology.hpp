// How the GPUs of one node are connected, as NVML reports it (tcbench run --devices writes it into
// the node summary): the PCIe path between every pair (nvmlDeviceGetTopologyCommonAncestor) and
// each GPU's active NVLinks with what sits at their far end (nvmlDeviceGetNvLinkState,
// nvmlDeviceGetNvLinkRemotePciInfo_v2, nvmlDeviceGetNvLinkRemoteDeviceType).
#pragma once
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

namespace tcb {

// NVML's nvmlGpuTopologyLevel_t in nvidia-smi topo's words: 0 -> "internal", 10 -> "PIX" (one PCIe
// switch), 20 -> "PXB" (several switches), 30 -> "PHB" (a host bridge), 40 -> "NODE" (host bridges
// of one NUMA node), 50 -> "SYS" (across NUMA nodes); "unknown(<n>)" otherwise.
std::string topology_level_name(int nvml_level);

// "0000:18:00.0" (CUDA) and "00000000:18:00.0" (NVML) as one key: "00000000:18:00.0", lower case;
// the text unchanged when it is not domain:bus:device.function.
std::string canonical_pci_bus_id(const std::string& bus_id);

// {"available", "gpus": [{pci_bus_id, nvlinks_active, nvlinks: [{link, remote_pci_bus_id, remote}]}],
//  "pairs": [{a, b, pcie, nvlinks}]} for the GPUs given by PCI bus id, in that order (a, b are their
// positions). "nvlinks" of a pair counts the active links of a that end at b; a link to an NVSwitch
// says "nvswitch" and joins every GPU with switch links. Without NVML: available false and why.
nlohmann::json node_topology_json(const std::vector<std::string>& pci_bus_ids);

}  // namespace tcb
