// Pointer-chase kernels: latency of global loads by level (global.chase.ca / .cg) and the L2
// near/far partition probe (l2.chase.partition). See families/movement/off_chip_kernels.hpp.
#include "families/movement/off_chip_kernels.hpp"
#include "harness/core/timing.cuh"

namespace tcb::movement::offchip {
namespace {

// The loads are inline PTX, so the cache operator is the one asked for (the compiler would
// otherwise choose ld.global.nc for a read-only pointer); volatile keeps them in program order
// with the clock reads. The .ca path is the default ld.global, whose cache operator is .ca by
// definition: ptxas 13.0 compiles it to LDG.E.64, the load of ordinary code, while an explicit
// ld.global.ca becomes LDG.E.64.STRONG.SM (a strong load at SM scope) on sm_90.
template <LoadPath P>
__device__ __forceinline__ const void* load_pointer(const void* p) {
  const void* v;
  if constexpr (P == LoadPath::ca) asm volatile("ld.global.u64 %0, [%1];" : "=l"(v) : "l"(p));
  else asm volatile("ld.global.cg.u64 %0, [%1];" : "=l"(v) : "l"(p));
  return v;
}

__device__ __forceinline__ unsigned long long clock_now() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%clock64;" : "=l"(t)::"memory");
  return t;
}

// A shared-memory store of v: it cannot issue before v has arrived, so a clock read after it
// comes after the load completed (the classic fine-grained p-chase ordering).
__device__ __forceinline__ void consume(unsigned long long* sink, unsigned long long v) {
  asm volatile("st.shared.u64 [%0], %1;" ::"r"(static_cast<unsigned>(__cvta_generic_to_shared(sink))), "l"(v)
               : "memory");
}

// Every thread reads its share of the elements' pointer words, eight loads in flight, with the
// chase's own cache operator: the L1 (for .ca) and the L2 then hold what a long chase over the
// working set would leave there. The XOR of the words feeds a store that never happens (pointers
// are 8-byte aligned, so the XOR is never 1) but that the compiler cannot prove dead.
template <LoadPath P>
__device__ void warm(const ChaseArgs& a) {
  const long long step = blockDim.x;
  unsigned long long acc = 0;
  for (long long i = threadIdx.x; i < a.elements; i += 8 * step) {
    const void* v[8];
#pragma unroll
    for (int u = 0; u < 8; ++u) {
      const long long k = i + u * step;
      v[u] = k < a.elements ? load_pointer<P>(a.base + k * a.stride) : nullptr;
    }
#pragma unroll
    for (int u = 0; u < 8; ++u) acc ^= reinterpret_cast<unsigned long long>(v[u]);
  }
  if (acc == 1) a.out[1] = acc;
}

// `steps` dependent loads by one thread, unrolled by 8: the loop's own instructions do not depend
// on the pointer and issue under the loads' latency.
template <LoadPath P>
__device__ __forceinline__ const void* chase(const void* p, long steps) {
  for (; steps >= 8; steps -= 8) {
#pragma unroll
    for (int u = 0; u < 8; ++u) p = load_pointer<P>(p);
  }
  for (; steps > 0; --steps) p = load_pointer<P>(p);
  return p;
}

template <LoadPath P>
__device__ void chase_body(const ChaseArgs& a, unsigned long long* timing) {
  kern::BlockTimer timer;
  if (a.warm) warm<P>(a);
  timer.start();
  if (threadIdx.x == 0) {
    // The store waits for the last load, so the timer's end mark follows the whole chain.
    a.out[0] = reinterpret_cast<unsigned long long>(chase<P>(a.start, a.steps));
  }
  timer.stop(timing);
}

__global__ void __launch_bounds__(kChaseThreads) chase_ca_kernel(const ChaseArgs a, unsigned long long* timing) {
  chase_body<LoadPath::ca>(a, timing);
}
__global__ void __launch_bounds__(kChaseThreads) chase_cg_kernel(const ChaseArgs a, unsigned long long* timing) {
  chase_body<LoadPath::cg>(a, timing);
}

__global__ void build_chain_kernel(uint8_t* base, const uint32_t* next, long long elements, long long stride) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < elements;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    *reinterpret_cast<const void**>(base + i * stride) = base + next[i] * stride;
}

__global__ void flush_kernel(uint4* p, long long n16) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n16; i += static_cast<long long>(gridDim.x) * blockDim.x) {
    uint4 v = p[i];
    v.x += 1;
    p[i] = v;
  }
}

// ---- partition probe ----------------------------------------------------------------------

constexpr int kLatencyBins = 4096;  // per-line latencies in cycles, clamped to the last bin

__device__ __forceinline__ uint8_t* line_at(const PartitionArgs& a, int k) {
  return a.lines + size_t(k) * kPartitionLineBytes;
}

// One load's latency: clock, load, store of the value (waits for it), clock.
__device__ __forceinline__ uint32_t line_latency(const void* line, unsigned long long* sink) {
  const unsigned long long t0 = clock_now();
  const void* v = load_pointer<LoadPath::cg>(line);
  consume(sink, reinterpret_cast<unsigned long long>(v));
  const unsigned long long t1 = clock_now();
  return static_cast<uint32_t>(t1 - t0);
}

// The k-th latency (0-based) in ascending order, from the histogram.
__device__ int histogram_rank(const uint32_t* hist, int rank) {
  int seen = 0;
  for (int b = 0; b < kLatencyBins; ++b) {
    seen += hist[b];
    if (seen > rank) return b;
  }
  return kLatencyBins - 1;
}

// Otsu's threshold over the bins [lo, hi]: the split that maximises the between-class variance.
// Lines with latency < threshold are "near".
__device__ int otsu_threshold(const uint32_t* hist, int lo, int hi) {
  double total = 0, total_sum = 0;
  for (int b = lo; b <= hi; ++b) {
    total += hist[b];
    total_sum += double(b) * hist[b];
  }
  double w0 = 0, sum0 = 0, best = -1;
  int best_t = hi + 1;
  for (int t = lo + 1; t <= hi; ++t) {  // class 0: [lo, t), class 1: [t, hi]
    w0 += hist[t - 1];
    sum0 += double(t - 1) * hist[t - 1];
    const double w1 = total - w0;
    if (w0 == 0 || w1 == 0) continue;
    const double m0 = sum0 / w0, m1 = (total_sum - sum0) / w1;
    const double between = w0 * w1 * (m1 - m0) * (m1 - m0);
    if (between > best) {
      best = between;
      best_t = t;
    }
  }
  return best_t;
}

// Links the lines of one class (near: latency < threshold) in the scrambled order j -> j * s mod
// lines; returns the head (-1: empty class) and the count.
__device__ int link_class(const PartitionArgs& a, const uint32_t* lat, uint32_t threshold, bool near, int* count) {
  int head = -1, prev = -1, n = 0;
  for (int j = 0; j < kPartitionLines; ++j) {
    const int k = static_cast<int>((uint32_t(j) * kPartitionScramble) & (kPartitionLines - 1));
    if ((lat[k] < threshold) != near) continue;
    if (prev < 0) head = k;
    else *reinterpret_cast<const void**>(line_at(a, prev)) = line_at(a, k);
    prev = k;
    ++n;
  }
  if (prev >= 0) *reinterpret_cast<const void**>(line_at(a, prev)) = line_at(a, head);
  *count = n;
  return head;
}

// Times `steps` loads along a chain; returns the end pointer, cycles in *cycles.
__device__ const void* timed_chase(const void* p, long steps, unsigned long long* sink, unsigned long long* cycles) {
  const unsigned long long t0 = clock_now();
  p = chase<LoadPath::cg>(p, steps);
  consume(sink, reinterpret_cast<unsigned long long>(p));
  *cycles = clock_now() - t0;
  return p;
}

__device__ void chase_class(const PartitionArgs& a, int head, unsigned long long* sink, int cycles_short,
                            int end_short) {
  if (head < 0) return;
  unsigned long long c;
  const void* start = line_at(a, head);
  a.out[end_short] = reinterpret_cast<unsigned long long>(timed_chase(start, a.steps_short, sink, &c));
  a.out[cycles_short] = c;
  a.out[end_short + 1] = reinterpret_cast<unsigned long long>(timed_chase(start, a.steps_long, sink, &c));
  a.out[cycles_short + 1] = c;
}

__global__ void __launch_bounds__(kPartitionThreads) l2_partition_kernel(const PartitionArgs a,
                                                                          unsigned long long* timing) {
  __shared__ uint32_t lat[kPartitionLines];
  __shared__ uint32_t hist[kLatencyBins];
  __shared__ unsigned long long sink;
  kern::BlockTimer timer;
  for (int i = threadIdx.x; i < kLatencyBins; i += blockDim.x) hist[i] = 0;
  // Every line into the L2 (not the L1: .cg), by all threads.
  unsigned long long acc = 0;
  for (int k = threadIdx.x; k < kPartitionLines; k += blockDim.x)
    acc ^= reinterpret_cast<unsigned long long>(load_pointer<LoadPath::cg>(line_at(a, k)));
  if (acc == 1) a.out[kPoSink] = acc;  // never (see warm()); keeps the loads
  timer.start();
  if (threadIdx.x == 0) {
    for (int k = 0; k < kPartitionLines; ++k) lat[k] = line_latency(line_at(a, k), &sink);
    for (int k = 0; k < kPartitionLines; ++k) ++hist[min(lat[k], uint32_t(kLatencyBins - 1))];
    const int lo = histogram_rank(hist, kPartitionLines / 100);
    const int hi = histogram_rank(hist, kPartitionLines - 1 - kPartitionLines / 100);
    const uint32_t threshold = static_cast<uint32_t>(otsu_threshold(hist, lo, hi));
    int near_count = 0, far_count = 0;
    const int near_head = link_class(a, lat, threshold, true, &near_count);
    const int far_head = link_class(a, lat, threshold, false, &far_count);
    a.out[kPoSmid] = kern::sm_id();
    a.out[kPoThreshold] = threshold;
    a.out[kPoNearCount] = near_count;
    a.out[kPoFarCount] = far_count;
    chase_class(a, near_head, &sink, kPoNearShortCycles, kPoNearShortEnd);
    chase_class(a, far_head, &sink, kPoFarShortCycles, kPoFarShortEnd);
  }
  timer.stop(timing);
  for (int k = threadIdx.x; k < kPartitionLines; k += blockDim.x) a.latency[k] = lat[k];
}

}  // namespace

cudaError_t launch_chase(LoadPath path, const ChaseArgs& args, unsigned long long* timing, cudaStream_t stream) {
  if (path == LoadPath::ca) chase_ca_kernel<<<1, kChaseThreads, 0, stream>>>(args, timing);
  else chase_cg_kernel<<<1, kChaseThreads, 0, stream>>>(args, timing);
  return cudaGetLastError();
}

const void* chase_kernel(LoadPath path) {
  return path == LoadPath::ca ? reinterpret_cast<const void*>(&chase_ca_kernel)
                              : reinterpret_cast<const void*>(&chase_cg_kernel);
}

cudaError_t prefer_l1_for_chase() {
  for (LoadPath p : {LoadPath::ca, LoadPath::cg}) {
    const cudaError_t e = cudaFuncSetAttribute(chase_kernel(p), cudaFuncAttributePreferredSharedMemoryCarveout, 0);
    if (e != cudaSuccess) return e;
  }
  return cudaSuccess;
}

cudaError_t launch_build_chain(uint8_t* base, const uint32_t* next, long long elements, long long stride,
                               cudaStream_t stream) {
  const long long blocks = (elements + 255) / 256;
  build_chain_kernel<<<static_cast<unsigned>(blocks < 4096 ? blocks : 4096), 256, 0, stream>>>(base, next, elements,
                                                                                               stride);
  return cudaGetLastError();
}

cudaError_t launch_flush(uint4* scratch, long long n16, int sm_count, cudaStream_t stream) {
  flush_kernel<<<sm_count * 4, 256, 0, stream>>>(scratch, n16);
  return cudaGetLastError();
}

cudaError_t launch_partition_probe(const PartitionArgs& args, unsigned long long* timing, cudaStream_t stream) {
  l2_partition_kernel<<<1, kPartitionThreads, 0, stream>>>(args, timing);
  return cudaGetLastError();
}

const void* partition_kernel() { return reinterpret_cast<const void*>(&l2_partition_kernel); }

}  // namespace tcb::movement::offchip
