// A growable device allocation with checked copies (RAII; no managed memory).
#pragma once
#include <cuda_runtime.h>
#include <fmt/format.h>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace tcb {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { if (ptr_) cudaFree(ptr_); }

  void reserve(size_t bytes) {
    if (bytes <= cap_) return;
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    cap_ = 0;
    check(cudaMalloc(&ptr_, bytes), "cudaMalloc");
    cap_ = bytes;
  }
  void upload(const std::vector<uint8_t>& host) {
    reserve(host.size());
    check(cudaMemcpy(ptr_, host.data(), host.size(), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
  }
  std::vector<uint8_t> download(size_t bytes) const {
    std::vector<uint8_t> host(bytes);
    check(cudaMemcpy(host.data(), ptr_, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
    return host;
  }
  template <class T>
  std::vector<T> download_as(size_t count) const {
    std::vector<T> host(count);
    check(cudaMemcpy(host.data(), ptr_, count * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
    return host;
  }
  void* get() const { return ptr_; }

 private:
  static void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
  }
  void* ptr_ = nullptr;
  size_t cap_ = 0;
};

}  // namespace tcb
