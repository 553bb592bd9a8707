// Whether this GPU can run a kernel of this build that needs sm_<min_sm>+: the device's
// architecture and the code the build holds for it (a build without sm_90 code runs sm_80 code
// on an H100, where an sm_90-only instruction is absent).
#pragma once
#include <string>

#include "harness/device/device_info.hpp"

namespace tcb {

// "" when it can run; else why not, naming the instruction, the GPU's and the build's architectures.
std::string kernel_support_problem(const DeviceInfo& device, int min_sm, const std::string& ptx, const void* kernel);

}  // namespace tcb
