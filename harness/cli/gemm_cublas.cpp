#include "harness/cli/gemm_cublas.hpp"

#include <cuda_fp16.h>
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace tcb {
namespace {

constexpr int kCheckedEntries = 32;

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
}

double decode(GemmDType t, const uint8_t* p) {
  if (t == GemmDType::f32) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  __half_raw raw;
  std::memcpy(&raw.x, p, 2);
  return __half2float(__half(raw));
}

void encode(GemmDType t, float value, uint8_t* p) {
  if (t == GemmDType::f32) {
    std::memcpy(p, &value, 4);
    return;
  }
  const __half_raw raw = __half_raw(__float2half_rn(value));
  std::memcpy(p, &raw.x, 2);
}

// Values in {-1, -0.5, 0, 0.5, 1}: exact in f16 and f32, and every partial sum of their products
// is a multiple of 1/4 that fp32 holds exactly, so the CPU's sum is the exact product.
HostMatrix random_matrix(GemmDType t, size_t elements, uint64_t seed) {
  const int size = gemm_dtype_bytes(t);
  uint8_t values[5][4];
  for (int v = 0; v < 5; ++v) encode(t, 0.5f * (v - 2), values[v]);
  HostMatrix h{t, std::vector<uint8_t>(elements * size)};
  for (size_t i = 0; i < elements; ++i)
    std::memcpy(&h.bytes[i * size], values[splitmix64(seed ^ (i * 0x2545f4914f6cdd1dULL)) % 5], size);
  return h;
}

// Two CUDA events around the timed calls, destroyed whatever happens.
struct EventPair {
  cudaEvent_t start = nullptr, stop = nullptr;
  EventPair() {
    check_cuda(cudaEventCreate(&start), "cudaEventCreate");
    check_cuda(cudaEventCreate(&stop), "cudaEventCreate");
  }
  ~EventPair() {
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;
  double elapsed_ms() const {
    check_cuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    check_cuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    return ms;
  }
};

cudaDataType cuda_type(GemmDType t) { return t == GemmDType::f16 ? CUDA_R_16F : CUDA_R_32F; }
cublasComputeType_t compute_type_of(GemmDType t) {
  return t == GemmDType::f16 ? CUBLAS_COMPUTE_32F_FAST_16F : CUBLAS_COMPUTE_32F;
}

// How far an entry may be from the exact product, relative to sum |a_p b_p|: f32 with fp32
// accumulation is exact on these operands; f16 rounds the output (2^-11) and may reduce split-K
// partial sums in f16. A misplaced operand is off by ~sqrt(k), far outside either.
double tolerance(GemmDType t, double magnitude) {
  return (t == GemmDType::f32 ? std::ldexp(1.0, -20) : std::ldexp(1.0, -9)) * magnitude;
}

}  // namespace

double HostMatrix::at(size_t index) const { return decode(dtype, &bytes[index * gemm_dtype_bytes(dtype)]); }

InfiniTensorGemm::InfiniTensorGemm(cublasHandle_t handle, const GemmShape& shape, uint64_t seed)
    : handle_(handle), shape_(shape) {
  const size_t batch = size_t(shape.b);
  a_ = random_matrix(shape.dtype, batch * shape.m * shape.k, seed);
  b_ = random_matrix(shape.dtype, batch * shape.k * shape.n, splitmix64(seed));
  da_.upload(a_.bytes);
  db_.upload(b_.bytes);
  dc_.reserve(batch * shape.m * shape.n * gemm_dtype_bytes(shape.dtype));
}

const char* InfiniTensorGemm::compute_type() const {
  return shape_.dtype == GemmDType::f16 ? "CUBLAS_COMPUTE_32F_FAST_16F" : "CUBLAS_COMPUTE_32F";
}

cublasStatus_t InfiniTensorGemm::call(int algo) const {
  const GemmShape& s = shape_;
  const cublasOperation_t op_a = s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n, ldc = s.n;
  const float alpha = 1.f, beta = 0.f;
  const cudaDataType t = cuda_type(s.dtype);
  const auto a = static_cast<cublasGemmAlgo_t>(algo);
  if (s.b == 1)
    return cublas_api().gemm_ex(handle_, op_b, op_a, s.n, s.m, s.k, &alpha, db_.get(), t, ldb, da_.get(), t, lda, &beta,
                        dc_.get(), t, ldc, compute_type_of(s.dtype), a);
  const long long stride_a = 1LL * s.m * s.k, stride_b = 1LL * s.n * s.k, stride_c = 1LL * s.m * s.n;
  return cublas_api().gemm_strided_batched_ex(handle_, op_b, op_a, s.n, s.m, s.k, &alpha, db_.get(), t, ldb, stride_b,
                                    da_.get(), t, lda, stride_a, &beta, dc_.get(), t, ldc, stride_c, s.b,
                                    compute_type_of(s.dtype), a);
}

void InfiniTensorGemm::poison_output(cudaStream_t stream) const {
  const size_t bytes = size_t(shape_.b) * shape_.m * shape_.n * gemm_dtype_bytes(shape_.dtype);
  check_cuda(cudaMemsetAsync(dc_.get(), 0xff, bytes, stream), "cudaMemsetAsync");  // all-ones: NaN
}

// The exact C[batch][i][j] from the row-major operands: A is [b][m][k] ([b][k][m] when
// transposed), B is [b][k][n] ([b][n][k] when transposed).
double InfiniTensorGemm::reference(long long batch, int i, int j, double* magnitude) const {
  const GemmShape& s = shape_;
  const size_t a0 = size_t(batch) * s.m * s.k, b0 = size_t(batch) * s.k * s.n;
  double sum = 0;
  *magnitude = 0;
  for (int p = 0; p < s.k; ++p) {
    const double x = a_.at(a0 + (s.trans_a ? size_t(p) * s.m + i : size_t(i) * s.k + p));
    const double y = b_.at(b0 + (s.trans_b ? size_t(j) * s.k + p : size_t(p) * s.n + j));
    sum += x * y;
    *magnitude += std::fabs(x * y);
  }
  return sum;
}

double InfiniTensorGemm::output_at(long long batch, int i, int j) const {
  const int bytes = gemm_dtype_bytes(shape_.dtype);
  const size_t index = (size_t(batch) * shape_.m + i) * shape_.n + j;
  uint8_t raw[4];
  check_cuda(cudaMemcpy(raw, static_cast<const uint8_t*>(dc_.get()) + index * bytes, bytes, cudaMemcpyDeviceToHost),
             "cudaMemcpy D2H");
  return decode(shape_.dtype, raw);
}

// The four corners of the first and last batch, then entries spread by a fixed hash.
OutputCheck InfiniTensorGemm::check_output() const {
  const GemmShape& s = shape_;
  OutputCheck c{true, 0, ""};
  for (int e = 0; e < kCheckedEntries && c.ok; ++e, ++c.entries) {
    const uint64_t h = splitmix64(uint64_t(e) * 0x51ed27ULL);
    const long long batch = e < 4 ? (e % 2 ? s.b - 1 : 0) : (long long)(h % uint64_t(s.b));
    const int i = e < 4 ? (e / 2 ? s.m - 1 : 0) : int((h >> 20) % uint64_t(s.m));
    const int j = e < 4 ? (e % 2 ? s.n - 1 : 0) : int((h >> 40) % uint64_t(s.n));
    double magnitude = 0;
    const double want = reference(batch, i, j, &magnitude), got = output_at(batch, i, j);
    if (std::fabs(got - want) <= tolerance(s.dtype, magnitude)) continue;  // NaN fails here
    c.ok = false;
    c.mismatch = fmt::format("C[{}][{}][{}] = {} on the GPU, {} exactly (tolerance {:g})", batch, i, j, got, want,
                             tolerance(s.dtype, magnitude));
  }
  return c;
}

CallTimes time_calls(const InfiniTensorGemm& gemm, int algo, int reps, int calls_per_rep, cudaStream_t stream) {
  CallTimes t;
  for (int i = 0; i < kWarmupCalls && t.status == CUBLAS_STATUS_SUCCESS; ++i) t.status = gemm.call(algo);
  const EventPair events;
  for (int r = 0; r < reps && t.status == CUBLAS_STATUS_SUCCESS; ++r) {
    check_cuda(cudaEventRecord(events.start, stream), "cudaEventRecord");
    for (int i = 0; i < calls_per_rep && t.status == CUBLAS_STATUS_SUCCESS; ++i) t.status = gemm.call(algo);
    check_cuda(cudaEventRecord(events.stop, stream), "cudaEventRecord");
    t.per_call_ms.push_back(events.elapsed_ms() / calls_per_rep);
  }
  if (t.status != CUBLAS_STATUS_SUCCESS) t.per_call_ms.clear();
  return t;
}

}  // namespace tcb
