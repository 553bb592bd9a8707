#include "harness/cli/cublas_api.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace tcb {
namespace {

const std::string kSoname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);

void* open_library() {
  void* lib = dlopen(kSoname.c_str(), RTLD_NOW | RTLD_LOCAL);
#ifdef TCB_CUDA_LIBRARY_DIR
  if (!lib) lib = dlopen((std::string(TCB_CUDA_LIBRARY_DIR) + "/" + kSoname).c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib) throw std::runtime_error(fmt::format("cannot load cuBLAS ({}): {}", kSoname, dlerror()));
  return lib;
}

template <class F>
void bind(void* lib, F* fn, const char* name) {
  *fn = reinterpret_cast<F>(dlsym(lib, name));
  if (!*fn) throw std::runtime_error(fmt::format("{} has no {}", kSoname, name));
}

CublasApi load() {
  void* lib = open_library();  // kept open for the process's life
  CublasApi a;
  bind(lib, &a.create, "cublasCreate_v2");
  bind(lib, &a.destroy, "cublasDestroy_v2");
  bind(lib, &a.set_stream, "cublasSetStream_v2");
  bind(lib, &a.get_version, "cublasGetVersion_v2");
  bind(lib, &a.status_name, "cublasGetStatusName");
  bind(lib, &a.gemm_ex, "cublasGemmEx");
  bind(lib, &a.gemm_strided_batched_ex, "cublasGemmStridedBatchedEx");
  return a;
}

}  // namespace

const CublasApi& cublas_api() {
  static const CublasApi api = load();
  return api;
}

}  // namespace tcb
