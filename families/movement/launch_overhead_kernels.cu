// The smallest kernel, launched back to back on one stream or from a CUDA graph
// (launch.stream, launch.graph). See families/movement/off_chip_kernels.hpp.
#include "families/movement/off_chip_kernels.hpp"
#include "harness/core/timing.cuh"

namespace tcb::movement::offchip {
namespace {

// One thread: the timing record and the start stamp are its only work (the stamps let the host
// check that every kernel of a batch ran, in launch order).
__global__ void launch_empty_kernel(unsigned long long* timing, unsigned long long* stamp) {
  kern::BlockTimer timer;
  timer.start();
  timer.stop(timing);
  *stamp = timer.t0;
}

cudaError_t enqueue_batch(int kernels, unsigned long long* timing, unsigned long long* stamps, cudaStream_t stream) {
  for (int k = 0; k < kernels; ++k) {
    launch_empty_kernel<<<1, 1, 0, stream>>>(timing + size_t(k) * kTimingWords, stamps + k);
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;
  }
  return cudaSuccess;
}

}  // namespace

cudaError_t launch_empty_batch(int kernels, unsigned long long* timing, unsigned long long* stamps,
                               cudaStream_t stream) {
  return enqueue_batch(kernels, timing, stamps, stream);
}

cudaError_t capture_empty_graph(int kernels, unsigned long long* timing, unsigned long long* stamps,
                                cudaStream_t capture, cudaGraphExec_t* exec) {
  cudaGraph_t graph = nullptr;
  cudaError_t e = cudaStreamBeginCapture(capture, cudaStreamCaptureModeThreadLocal);
  if (e != cudaSuccess) return e;
  const cudaError_t launched = enqueue_batch(kernels, timing, stamps, capture);
  e = cudaStreamEndCapture(capture, &graph);  // ends the capture even when a launch failed
  if (launched != cudaSuccess || e != cudaSuccess) {
    if (graph) cudaGraphDestroy(graph);
    return launched != cudaSuccess ? launched : e;
  }
  e = cudaGraphInstantiate(exec, graph, 0);
  cudaGraphDestroy(graph);
  return e;
}

const void* empty_kernel_ptr() { return reinterpret_cast<const void*>(&launch_empty_kernel); }

}  // namespace tcb::movement::offchip
