// CUPTI kernel activity records: an independent check of kernel durations. The benchmarks time
// themselves from inside the kernel (%globaltimer, clock64 in harness/core/timing.cuh); CUPTI's
// CONCURRENT_KERNEL records are written by the driver around each launch, outside the kernel's
// code, so a kernel that mis-times itself (a timer read in the wrong place, a block that never
// recorded) disagrees with its record. docs/cupti.md says how the two are compared.
//
// Use: begin() before a measured region, end() after the work has finished (the caller has
// waited for it, under the watchdog; end() does not synchronise the device, so a runaway kernel
// cannot hang it, and a kernel still running at end() comes back with no timing).
// Records are collected only between begin() and end(): the activity kind is enabled in begin()
// and disabled in end(), so kernels outside a window (verification, warm-up elsewhere) carry no
// CUPTI cost and leave no records behind.
//
// Cost: the buffer callbacks are registered once per process (re-registering corrupts kernel
// timestamps on some CUPTI versions), activity buffers are pooled and zeroed by us on return
// (outside the timed region, so CUPTI does not zero them inside a launch), and records are parsed
// in the buffer-completed callback. What remains per window is cuptiActivityEnable in begin(), and
// cuptiActivityDisable + cuptiActivityFlushAll(forced) in end(). Without a GPU (this build host)
// begin()/end() cost nothing after the first call; on a GPU the pair's cost is measured and
// printed by tests/gpu/test_cupti_gpu.cpp (BeginEndPairCost), which also fails if a pair costs
// 1 ms or more (thousands of points per sweep must stay inside the 30 s sweep budget).
//
// Not thread-safe for concurrent callers: begin()/end() are called by the runner's thread only.
// CUPTI's own callbacks may run on CUPTI's worker thread; the collection is locked against them.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace tcb {

struct KernelRecord {                 // one kernel's activity record (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL)
  std::string name;                   // demangled-or-mangled kernel name as CUPTI gives it
  uint64_t start_ns = 0, end_ns = 0;  // GPU timestamps (CUPTI's clock); both 0: CUPTI has no timing
  uint32_t correlation_id = 0;        // CUPTI correlation id (launch order)
  uint32_t stream_id = 0;
  double duration_ns() const { return double(end_ns - start_ns); }
  // False for a record CUPTI delivered without valid timestamps (kernel still running at end(),
  // or start = 0 / end < start from CUPTI); such a record still counts its launch.
  bool has_timing() const { return end_ns > start_ns; }
};

class CuptiKernelTrace {
 public:
  static CuptiKernelTrace& instance();
  // Built with CUPTI and the activity API initialised (the first call of any of these three
  // initialises it: a CUDA device is looked for, the callbacks are registered, the activity kind
  // is enabled and disabled once as a probe). Becomes false for good if a later CUPTI call fails.
  bool available() const;
  // Why not: "built without CUPTI", "no CUDA device: ...", "cuptiActivityEnable(CONCURRENT_KERNEL)
  // failed: CUPTI_ERROR_...", ... Empty while available.
  const std::string& unavailable_reason() const;
  // Starts collecting kernel records (false: unavailable, reason set). A begin() without an end()
  // since the last begin() discards the open window's records first.
  bool begin();
  // Stops collecting, flushes (cuptiActivityFlushAll, forced), returns the records since begin()
  // sorted by correlation id. Empty when no window is open (a second end() is harmless) or when
  // CUPTI failed (then available() turns false with the reason).
  std::vector<KernelRecord> end();

 private:
  CuptiKernelTrace() = default;
  void initialise() const;                 // once per process
  void fail(const std::string& reason);    // unavailable from now on
  mutable std::once_flag init_once_;
  mutable bool ready_ = false;
  mutable std::string reason_;
  bool collecting_ = false;                // a window is open (between begin() and end())
};

}  // namespace tcb
