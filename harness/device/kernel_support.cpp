#include "harness/device/kernel_support.hpp"

#include <cuda_runtime.h>
#include <fmt/format.h>

namespace tcb {

std::string kernel_support_problem(const DeviceInfo& device, int min_sm, const std::string& ptx, const void* kernel) {
  if (device.sm < min_sm) return fmt::format("{} needs sm_{}+; this GPU is sm_{}", ptx, min_sm, device.sm);
  cudaFuncAttributes fa{};
  const cudaError_t e = cudaFuncGetAttributes(&fa, kernel);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return fmt::format("no kernel image for sm_{} in this build ({}; built for {})", device.sm, cudaGetErrorString(e),
                       TCB_BUILT_ARCHS);
  }
  if (fa.binaryVersion < min_sm)
    return fmt::format("this build has no sm_{}+ code for {} (loaded sm_{} code; built for {})", min_sm, ptx,
                       fa.binaryVersion, TCB_BUILT_ARCHS);
  return "";
}

}  // namespace tcb
