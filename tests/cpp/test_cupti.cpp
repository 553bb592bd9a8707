// CuptiKernelTrace without a GPU: it must refuse cleanly, say why, and stay consistent. With a
// GPU the records themselves are checked by tests/gpu/test_cupti_gpu.cpp.
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include "harness/device/cupti.hpp"

namespace tcb {
namespace {

bool gpu_present() {
  int n = 0;
  const bool ok = cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
  cudaGetLastError();
  return ok;
}

TEST(Cupti, RefusesCleanlyWithoutAGpu) {
  if (gpu_present()) GTEST_SKIP() << "a GPU is present: tests/gpu/test_cupti_gpu.cpp checks the records";
  CuptiKernelTrace& trace = CuptiKernelTrace::instance();
  EXPECT_FALSE(trace.available());
  const std::string reason = trace.unavailable_reason();
#ifdef TCB_HAVE_CUPTI
  EXPECT_NE(reason.find("no CUDA device"), std::string::npos) << reason;
#else
  EXPECT_EQ(reason, "built without CUPTI");
#endif
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second round must behave as the first
    EXPECT_FALSE(trace.begin()) << "attempt " << attempt;
    EXPECT_TRUE(trace.end().empty()) << "attempt " << attempt;
    EXPECT_TRUE(trace.end().empty()) << "a second end() without a begin(), attempt " << attempt;
    EXPECT_FALSE(trace.available());
    EXPECT_EQ(trace.unavailable_reason(), reason) << "the reason must not change on retries";
  }
}

TEST(Cupti, EndWithoutBeginIsEmpty) {
  // Whatever the machine: no window open, nothing collected, nothing asked of CUPTI.
  EXPECT_TRUE(CuptiKernelTrace::instance().end().empty());
}

TEST(Cupti, AvailabilityAndReasonAgree) {
  const CuptiKernelTrace& trace = CuptiKernelTrace::instance();
  EXPECT_EQ(trace.available(), trace.unavailable_reason().empty()) << trace.unavailable_reason();
}

TEST(Cupti, RecordTimingHelpers) {
  KernelRecord r;
  EXPECT_FALSE(r.has_timing());  // CUPTI's "no timing": both stamps 0
  EXPECT_EQ(r.duration_ns(), 0.0);
  r.start_ns = 1'000'000;
  r.end_ns = 1'020'500;
  EXPECT_TRUE(r.has_timing());
  EXPECT_DOUBLE_EQ(r.duration_ns(), 20'500.0);
}

}  // namespace
}  // namespace tcb
