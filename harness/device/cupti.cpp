#include "harness/device/cupti.hpp"

#ifdef TCB_HAVE_CUPTI
#include <cuda_runtime.h>
#include <cupti.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#endif

namespace tcb {

CuptiKernelTrace& CuptiKernelTrace::instance() {
  static CuptiKernelTrace trace;
  return trace;
}

bool CuptiKernelTrace::available() const {
  initialise();
  return ready_;
}

const std::string& CuptiKernelTrace::unavailable_reason() const {
  initialise();
  return reason_;
}

#ifndef TCB_HAVE_CUPTI

void CuptiKernelTrace::initialise() const {
  std::call_once(init_once_, [this] { reason_ = "built without CUPTI"; });
}

bool CuptiKernelTrace::begin() {
  initialise();
  return false;
}

std::vector<KernelRecord> CuptiKernelTrace::end() { return {}; }

#else  // TCB_HAVE_CUPTI

namespace {

// The record struct the building toolkit's cupti_activity.h documents for CONCURRENT_KERNEL:
// CUDA 13's Kernel10, CUDA 12.4's (the Volta build) Kernel9. Newer CUPTI versions append
// fields; the ones read here keep their offsets.
#if CUPTI_API_VERSION >= 130000
using KernelActivity = CUpti_ActivityKernel10;
#else
using KernelActivity = CUpti_ActivityKernel9;
#endif
constexpr CUpti_ActivityKind kKind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;

// 256 KiB holds about 1200 kernel records (216 B each): every timed point fits in one buffer, and
// zeroing a returned buffer stays cheap. A point with more launches gets a second buffer from the
// pool when CUPTI asks.
constexpr size_t kBufferBytes = 256 * 1024;

std::string cupti_error(const char* call, CUptiResult r) {
  const char* text = nullptr;
  if (cuptiGetResultString(r, &text) != CUPTI_SUCCESS || !text) text = "unknown CUPTI error";
  return std::string(call) + " failed: " + text;
}

// What the callbacks share with begin()/end(). Never destroyed: CUPTI's worker thread may still
// call back while static destructors run at exit.
struct Collection {
  std::mutex mutex;
  std::vector<uint8_t*> free_buffers;  // zeroed, ready to hand to CUPTI again
  std::vector<KernelRecord> records;   // of the open window
  bool collecting = false;             // records arriving outside a window are dropped
};

Collection& collection() {
  static Collection* c = new Collection;
  return *c;
}

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  Collection& c = collection();
  uint8_t* b = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (!c.free_buffers.empty()) {
      b = c.free_buffers.back();
      c.free_buffers.pop_back();
    }
  }
  // calloc: zeroed (ZEROED_OUT_ACTIVITY_BUFFER promises CUPTI that) and 16-byte aligned (CUPTI needs 8).
  if (!b) b = static_cast<uint8_t*>(std::calloc(1, kBufferBytes));
  *buffer = b;  // null: CUPTI drops records, and the caller sees a launch without a record
  *size = b ? kBufferBytes : 0;
  *max_records = 0;  // as many as fit
}

KernelRecord record_of(const KernelActivity& k) {
  KernelRecord r;
  r.name = k.name ? k.name : "";
  // CUPTI marks a kernel it could not time with start = 0 (or, per reports, end < start).
  if (k.start != 0 && k.end > k.start) {
    r.start_ns = k.start;
    r.end_ns = k.end;
  }
  r.correlation_id = k.correlationId;
  r.stream_id = k.streamId;
  return r;
}

void CUPTIAPI buffer_completed(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid_bytes) {
  if (!buffer) return;
  Collection& c = collection();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (c.collecting) {
    CUpti_Activity* record = nullptr;
    while (cuptiActivityGetNextRecord(buffer, valid_bytes, &record) == CUPTI_SUCCESS) {
      if (record->kind == kKind) c.records.push_back(record_of(*reinterpret_cast<const KernelActivity*>(record)));
    }
  }
  // Whole buffer, not valid_bytes: a record CUPTI left out of valid_bytes must not reappear as stale bytes.
  std::memset(buffer, 0, kBufferBytes);
  c.free_buffers.push_back(buffer);
}

// "" when CUPTI can trace kernels here, else why not.
std::string setup_problem() {
  int devices = 0;
  const cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess) {
    cudaGetLastError();  // not sticky; leave no error for the next CUDA call to report
    return std::string("no CUDA device: ") + cudaGetErrorString(e);
  }
  if (devices == 0) return "no CUDA device";
  // We hand CUPTI zeroed buffers, so CUPTI need not zero them inside a launch. Failing to set it
  // only means CUPTI zeroes them again: correct either way, so the result is not checked.
  uint8_t zeroed = 1;
  size_t zeroed_size = sizeof(zeroed);
  cuptiActivitySetAttribute(CUPTI_ACTIVITY_ATTR_ZEROED_OUT_ACTIVITY_BUFFER, &zeroed_size, &zeroed);
  CUptiResult r = cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed);
  if (r != CUPTI_SUCCESS) return cupti_error("cuptiActivityRegisterCallbacks", r);
  // Probe: a profiler already attached (nsys, ncu) or a driver without tracing refuses here.
  r = cuptiActivityEnable(kKind);
  if (r != CUPTI_SUCCESS) return cupti_error("cuptiActivityEnable(CONCURRENT_KERNEL)", r);
  r = cuptiActivityDisable(kKind);
  if (r != CUPTI_SUCCESS) return cupti_error("cuptiActivityDisable(CONCURRENT_KERNEL)", r);
  return "";
}

}  // namespace

void CuptiKernelTrace::fail(const std::string& reason) {
  ready_ = false;
  reason_ = reason;
}

void CuptiKernelTrace::initialise() const {
  std::call_once(init_once_, [this] {
    reason_ = setup_problem();
    ready_ = reason_.empty();
  });
}

bool CuptiKernelTrace::begin() {
  initialise();
  if (collecting_) end();  // a window left open: its records are not this window's
  if (!ready_) return false;
  Collection& c = collection();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.records.clear();
    c.collecting = true;
  }
  const CUptiResult r = cuptiActivityEnable(kKind);
  if (r != CUPTI_SUCCESS) {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.collecting = false;
    fail(cupti_error("cuptiActivityEnable(CONCURRENT_KERNEL)", r));
    return false;
  }
  collecting_ = true;
  return true;
}

std::vector<KernelRecord> CuptiKernelTrace::end() {
  if (!collecting_) return {};
  collecting_ = false;
  // Disable, then a forced flush (the order CUPTI's guide gives): every buffer comes back,
  // including one holding a record still incomplete, so nothing of this window arrives in the next.
  const CUptiResult off = cuptiActivityDisable(kKind);
  const CUptiResult flushed = cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
  Collection& c = collection();
  std::vector<KernelRecord> records;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.collecting = false;
    records.swap(c.records);
  }
  if (off != CUPTI_SUCCESS) fail(cupti_error("cuptiActivityDisable(CONCURRENT_KERNEL)", off));
  if (flushed != CUPTI_SUCCESS) fail(cupti_error("cuptiActivityFlushAll", flushed));
  if (!ready_) return {};  // records of a window CUPTI did not close cleanly are not evidence
  std::sort(records.begin(), records.end(),
            [](const KernelRecord& a, const KernelRecord& b) { return a.correlation_id < b.correlation_id; });
  return records;
}

#endif  // TCB_HAVE_CUPTI

}  // namespace tcb
