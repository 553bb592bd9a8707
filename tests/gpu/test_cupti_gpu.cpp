// CUPTI's kernel records against kernels of known duration (tests/gpu/cupti_spin.cu): one record
// per launch, in launch order, each as long as the kernel spun, and nothing from outside the
// begin()/end() window. Also measures what a begin()/end() pair costs (docs/cupti.md).
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/device/cupti.hpp"
#include "harness/device/device_info.hpp"
#include "tests/gpu/cupti_spin.hpp"

namespace tcb {
namespace {

// Skips without a GPU. With a GPU, a build with CUPTI must trace: unavailability is a failure.
#ifdef TCB_HAVE_CUPTI
#define REQUIRE_CUPTI()                                                                        \
  do {                                                                                         \
    DeviceInfo dev;                                                                            \
    std::string why;                                                                           \
    if (!query_device(0, &dev, &why)) GTEST_SKIP() << "no GPU: " << why;                       \
    ASSERT_TRUE(CuptiKernelTrace::instance().available()) << CuptiKernelTrace::instance().unavailable_reason(); \
  } while (0)
#else
#define REQUIRE_CUPTI() GTEST_SKIP() << "built without CUPTI"
#endif

// Device memory for the spans of up to `launches` spin kernels, and a stream of our own.
class SpinRig {
 public:
  explicit SpinRig(int launches) : launches_(launches) {
    ok_ = cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking) == cudaSuccess &&
          cudaMalloc(&spans_, sizeof(unsigned long long) * 2 * launches) == cudaSuccess;
  }
  ~SpinRig() {
    if (spans_) cudaFree(spans_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  bool ok() const { return ok_; }
  cudaError_t launch(int i, unsigned long long ns) { return test::launch_cupti_spin(ns, spans_ + 2 * i, stream_); }
  cudaError_t wait() { return cudaStreamSynchronize(stream_); }
  // The in-kernel %globaltimer span of launch i (end - start), after wait().
  std::vector<double> spans_ns() const {
    std::vector<unsigned long long> raw(2 * launches_);
    if (cudaMemcpy(raw.data(), spans_, sizeof(raw[0]) * raw.size(), cudaMemcpyDeviceToHost) != cudaSuccess) return {};
    std::vector<double> out;
    for (int i = 0; i < launches_; ++i) out.push_back(double(raw[2 * i + 1] - raw[2 * i]));
    return out;
  }

 private:
  int launches_;
  bool ok_ = false;
  cudaStream_t stream_ = nullptr;
  unsigned long long* spans_ = nullptr;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// The tolerance the check allows: 10% of the target or 2 µs, whichever is larger.
double tolerance_ns(double target_ns) { return std::max(0.1 * target_ns, 2000.0); }

TEST(GpuCupti, OneRecordPerLaunchInOrderWithTheSpinDurations) {
  REQUIRE_CUPTI();
  // 0 ns: an empty kernel, whose record is the fixed cost CUPTI's bracket adds to any kernel.
  // Out of order on purpose: each record must match its own launch's target.
  const std::vector<double> targets = {0, 100'000, 20'000, 50'000};
  SpinRig rig(int(targets.size()));
  ASSERT_TRUE(rig.ok());
  ASSERT_EQ(rig.launch(0, 0), cudaSuccess);  // warm: module load and a cold first launch stay outside
  ASSERT_EQ(rig.wait(), cudaSuccess);
  CuptiKernelTrace& trace = CuptiKernelTrace::instance();
  ASSERT_TRUE(trace.begin()) << trace.unavailable_reason();
  for (size_t i = 0; i < targets.size(); ++i) ASSERT_EQ(rig.launch(int(i), (unsigned long long)targets[i]), cudaSuccess);
  ASSERT_EQ(rig.wait(), cudaSuccess);
  const std::vector<KernelRecord> records = trace.end();
  ASSERT_EQ(records.size(), targets.size()) << "one record per launch";
  const std::vector<double> spans = rig.spans_ns();
  ASSERT_EQ(spans.size(), targets.size());

  for (const KernelRecord& r : records) ASSERT_TRUE(r.has_timing()) << r.name << " correlation " << r.correlation_id;
  const double fixed_ns = records[0].duration_ns();                 // CUPTI's bracket of an empty kernel
  const double fixed_excess_ns = records[0].duration_ns() - spans[0];  // ... beyond what the kernel saw
  std::printf("target_ns  in_kernel_ns  cupti_ns  cupti-in_kernel_ns\n");
  for (size_t i = 0; i < records.size(); ++i) {
    const KernelRecord& r = records[i];
    const double d = r.duration_ns();
    std::printf("%9.0f  %12.0f  %8.0f  %18.0f\n", targets[i], spans[i], d, d - spans[i]);
    EXPECT_NE(r.name.find(test::kCuptiSpinKernelName), std::string::npos) << r.name;
    EXPECT_EQ(r.stream_id, records[0].stream_id) << "all launches went to one stream";
    if (i > 0) {
      EXPECT_GT(r.correlation_id, records[i - 1].correlation_id);
    }
    EXPECT_GE(spans[i], targets[i]) << "the kernel spun less than asked";
    // CUPTI brackets the kernel, so it cannot be shorter than what the kernel itself saw
    // (1 µs: one tick of a coarse %globaltimer).
    EXPECT_GE(d + 1000.0, spans[i]) << "launch " << i;
    if (i == 0) continue;
    // The spin, with the fixed bracket of an empty kernel taken off, is the target...
    EXPECT_NEAR(d - fixed_ns, targets[i], tolerance_ns(targets[i])) << "launch " << i << ", fixed " << fixed_ns << " ns";
    // ... and what CUPTI sees beyond the kernel's own span is the same fixed amount at any length.
    EXPECT_NEAR(d - spans[i], fixed_excess_ns, 2000.0) << "launch " << i;
  }
}

TEST(GpuCupti, WindowsHoldOnlyTheirOwnLaunches) {
  REQUIRE_CUPTI();
  SpinRig rig(1);
  ASSERT_TRUE(rig.ok());
  CuptiKernelTrace& trace = CuptiKernelTrace::instance();
  const unsigned long long ns = 10'000;
  ASSERT_EQ(rig.launch(0, ns), cudaSuccess);  // before any window: must not appear
  ASSERT_EQ(rig.wait(), cudaSuccess);

  ASSERT_TRUE(trace.begin());
  ASSERT_EQ(rig.launch(0, ns), cudaSuccess);
  ASSERT_EQ(rig.launch(0, ns), cudaSuccess);
  ASSERT_EQ(rig.wait(), cudaSuccess);
  const std::vector<KernelRecord> first = trace.end();
  ASSERT_EQ(first.size(), 2u);

  ASSERT_EQ(rig.launch(0, ns), cudaSuccess);  // between windows: must not appear
  ASSERT_EQ(rig.wait(), cudaSuccess);
  ASSERT_TRUE(trace.begin());
  ASSERT_EQ(rig.launch(0, ns), cudaSuccess);
  ASSERT_EQ(rig.wait(), cudaSuccess);
  const std::vector<KernelRecord> second = trace.end();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GT(second[0].correlation_id, first[1].correlation_id);
  EXPECT_TRUE(trace.end().empty()) << "a second end() returns nothing";

  // A window left open (no end()) is discarded by the next begin().
  ASSERT_TRUE(trace.begin());
  ASSERT_EQ(rig.launch(0, ns), cudaSuccess);
  ASSERT_EQ(rig.wait(), cudaSuccess);
  ASSERT_TRUE(trace.begin());
  ASSERT_EQ(rig.launch(0, ns), cudaSuccess);
  ASSERT_EQ(rig.wait(), cudaSuccess);
  EXPECT_EQ(trace.end().size(), 1u);
  EXPECT_TRUE(trace.available()) << trace.unavailable_reason();
}

// What tracing costs a sweep: begin()+end() of an empty window, of a one-kernel window, and the
// launch+wait of a kernel inside a window against outside one. Thousands of timed points per sweep
// must stay well inside its 30 s budget, hence the 1 ms ceiling on a pair.
TEST(GpuCupti, BeginEndPairCost) {
  REQUIRE_CUPTI();
  SpinRig rig(1);
  ASSERT_TRUE(rig.ok());
  CuptiKernelTrace& trace = CuptiKernelTrace::instance();
  const int rounds = 200;
  ASSERT_TRUE(trace.begin());  // warm: the first window allocates CUPTI's buffers
  ASSERT_EQ(rig.launch(0, 0), cudaSuccess);
  ASSERT_EQ(rig.wait(), cudaSuccess);
  ASSERT_EQ(trace.end().size(), 1u);

  std::vector<double> empty_pair_us, pair_us, traced_launch_us, plain_launch_us;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(trace.begin());
    ASSERT_TRUE(trace.end().empty());
    empty_pair_us.push_back(micros_since(t0));

    t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(rig.launch(0, 0), cudaSuccess);
    ASSERT_EQ(rig.wait(), cudaSuccess);
    plain_launch_us.push_back(micros_since(t0));

    t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(trace.begin());
    const double begin_us = micros_since(t0);
    t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(rig.launch(0, 0), cudaSuccess);
    ASSERT_EQ(rig.wait(), cudaSuccess);
    traced_launch_us.push_back(micros_since(t0));
    t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(trace.end().size(), 1u) << "round " << i;
    pair_us.push_back(begin_us + micros_since(t0));
  }
  const double empty = median(empty_pair_us), pair = median(pair_us);
  std::printf("median over %d rounds: begin+end empty %.1f us, with one record %.1f us; "
              "empty kernel launch+wait %.1f us traced, %.1f us untraced\n",
              rounds, empty, pair, median(traced_launch_us), median(plain_launch_us));
  RecordProperty("begin_end_empty_us", std::to_string(empty));
  RecordProperty("begin_end_one_record_us", std::to_string(pair));
  RecordProperty("launch_wait_traced_us", std::to_string(median(traced_launch_us)));
  RecordProperty("launch_wait_untraced_us", std::to_string(median(plain_launch_us)));
  EXPECT_LT(empty, 1000.0);
  EXPECT_LT(pair, 1000.0);
}

}  // namespace
}  // namespace tcb
