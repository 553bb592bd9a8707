#include "harness/cli/cmd_gemm_algos.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness/cli/gemm_cublas.hpp"
#include "harness/cli/gemm_shapes.hpp"
#include "harness/core/stats.hpp"
#include "harness/core/stop_signal.hpp"
#include "harness/device/device_info.hpp"
#include "harness/io/output_dir.hpp"
#include "harness/io/provenance.hpp"
#include "harness/io/writers.hpp"

namespace tcb {
namespace {

// Its own marker and file names, so that gemm-algos results can sit beside a sweep's run.json.
const OutputKind kGemmAlgosOutput{
    "gemm-algos", "gemm_algos_run.json", {"gemm_algos_run.json", "gemm_algos.csv", "gemm_algos.csv.gz"}, {}};

constexpr const char* kInfiniTensorCommit = "5cb7c1fc9d01e53ace9013667295307f13907e7a";
constexpr int kDefaultAlgo = CUBLAS_GEMM_DEFAULT;  // measured first, as the reference InfiniTensor never tries

constexpr const char* kCsvHeader =
    "name,dtype,b,m,n,k,trans_a,trans_b,api,compute_type,algo,algo_name,status,time_ms_median,time_ms_min,"
    "time_ms_max,reps,calls_per_rep,verified,checked_entries,note\n";

std::string algo_name(int algo) {
  return algo == CUBLAS_GEMM_DEFAULT ? "CUBLAS_GEMM_DEFAULT" : fmt::format("CUBLAS_GEMM_ALGO{}", algo);
}

// One algorithm on one shape: "measured" (times and the output check), "failed" (cuBLAS refused
// the call; note: its status) or "not_run" (the operands did not fit; note: why).
struct AlgoRow {
  int algo = kDefaultAlgo;
  std::string status;
  Summary times;
  bool verified = false;
  int checked_entries = 0;
  std::string note;
};

std::string time_text(double ms) { return fmt::format("{:.6g}", ms); }

std::string status_name(cublasStatus_t s) { return cublas_api().status_name(s); }

// A cuBLAS handle as InfiniTensor creates it (cublasCreate: default math mode and workspace),
// bound to a stream of its own as InfiniTensor binds its handle to the runtime's stream.
struct CublasHandle {
  cublasHandle_t h = nullptr;
  cudaStream_t stream = nullptr;
  CublasHandle() {
    const CublasApi& api = cublas_api();
    if (cudaStreamCreate(&stream) != cudaSuccess) throw std::runtime_error("cudaStreamCreate failed");
    const cublasStatus_t s = api.create(&h);
    if (s != CUBLAS_STATUS_SUCCESS) {
      cudaStreamDestroy(stream);
      throw std::runtime_error("cublasCreate: " + status_name(s));
    }
    api.set_stream(h, stream);
  }
  ~CublasHandle() {
    cublas_api().destroy(h);
    cudaStreamDestroy(stream);
  }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  nlohmann::json version_json() const {
    int v = 0;
    cublas_api().get_version(h, &v);
    return {{"version", v}, {"version_text", fmt::format("{}.{}.{}", v / 10000, v / 100 % 100, v % 100)}};
  }
};

// One `tcbench gemm-algos`: the shapes, the staging folder, and how it ends.
class GemmAlgosCommand {
 public:
  GemmAlgosCommand(const GemmAlgosOptions& opt, const DeviceInfo& dev)
      : opt_(opt), dev_(dev), stage_(opt.out_dir, kGemmAlgosOutput, utc_stamp()) {}
  int execute(const std::vector<GemmShape>& shapes);

 private:
  void start();
  void measure_shape(const GemmShape& s, uint64_t seed);
  AlgoRow measure_algo(const InfiniTensorGemm& gemm, int algo);
  void write_row(const GemmShape& s, const InfiniTensorGemm* gemm, const AlgoRow& r);
  void print_shape(const GemmShape& s, const std::vector<AlgoRow>& rows) const;
  int finish(const std::string& reason, const std::string& error);

  const GemmAlgosOptions& opt_;
  const DeviceInfo& dev_;
  CublasHandle cublas_;  // before stage_: a failed cublasCreate leaves no staging folder behind
  StagedOutput stage_;
  nlohmann::json run_;
  std::ofstream csv_;
  int shapes_done_ = 0;
  std::vector<std::string> unverified_;  // "<shape>: <algo>: <mismatch>"
  const volatile std::sig_atomic_t& stop_ = stop_on_signals();
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

void GemmAlgosCommand::start() {
  run_ = provenance_json(opt_.argv);
  run_.update({{"device", dev_.to_json()},
               {"cublas", cublas_.version_json()},
               {"shapes_file", opt_.shapes},
               {"method",
                {{"reproduces", {{"project", "InfiniTensor"}, {"commit", kInfiniTensorCommit},
                                 {"source", "src/kernels/cuda/matmul.cc (matmulCublas::do_compute, tune)"}}},
                 {"algorithms", "CUBLAS_GEMM_DEFAULT (reference, not tried by InfiniTensor), CUBLAS_GEMM_ALGO0..23"},
                 {"alpha_beta", "float 1, 0"},
                 {"math_mode", "cuBLAS default; default workspace"},
                 {"warmup_calls", kWarmupCalls},
                 {"reps", opt_.reps},
                 {"calls_per_rep", kCallsPerRep},
                 {"timer", "CUDA events around each repetition; per call = elapsed / calls_per_rep"},
                 {"check", "sampled entries of C against the exact product computed on the CPU"}}},
               {"output", {{"target", stage_.target()}}}});
  write_json_atomic(stage_.dir() + "/gemm_algos_run.json", run_);
  csv_.open(stage_.dir() + "/gemm_algos.csv");
  csv_ << kCsvHeader;
  csv_.flush();
}

int GemmAlgosCommand::execute(const std::vector<GemmShape>& shapes) {
  try {
    start();
    for (size_t i = 0; i < shapes.size() && !stop_; ++i) measure_shape(shapes[i], 0x67656d6dULL + i);
  } catch (const std::exception& e) {
    return finish("failed", e.what());
  }
  return finish(stop_ ? "interrupted" : "", "");
}

void GemmAlgosCommand::measure_shape(const GemmShape& s, uint64_t seed) {
  std::unique_ptr<InfiniTensorGemm> gemm;
  std::vector<AlgoRow> rows;
  try {
    gemm = std::make_unique<InfiniTensorGemm>(cublas_.h, s, seed);
  } catch (const std::runtime_error& e) {  // out of memory: this shape only
    cudaGetLastError();                                  // clears cudaErrorMemoryAllocation
    if (cudaDeviceSynchronize() != cudaSuccess) throw;  // a sticky error: the context is broken
    write_row(s, nullptr, AlgoRow{kDefaultAlgo, "not_run", {}, false, 0, e.what()});
    fmt::print(stderr, "tcbench gemm-algos: {}: not run: {}\n", s.name, e.what());
    return;
  }
  for (int algo = kDefaultAlgo; algo < kInfiniTensorAlgos && !stop_; algo = algo == kDefaultAlgo ? 0 : algo + 1) {
    rows.push_back(measure_algo(*gemm, algo));
    write_row(s, gemm.get(), rows.back());
  }
  if (stop_) return;
  ++shapes_done_;
  print_shape(s, rows);
}

// A trial call on a NaN-filled C (InfiniTensor skips an algorithm whose call fails), its output
// checked, then the timed calls.
AlgoRow GemmAlgosCommand::measure_algo(const InfiniTensorGemm& gemm, int algo) {
  AlgoRow r;
  r.algo = algo;
  gemm.poison_output(cublas_.stream);
  const cublasStatus_t trial = gemm.call(algo);
  const cudaError_t done = cudaStreamSynchronize(cublas_.stream);
  if (done != cudaSuccess) throw std::runtime_error(algo_name(algo) + ": " + cudaGetErrorString(done));
  if (trial != CUBLAS_STATUS_SUCCESS) {
    r.status = "failed";
    r.note = status_name(trial);
    return r;
  }
  const OutputCheck check = gemm.check_output();
  r.verified = check.ok;
  r.checked_entries = check.entries;
  r.note = check.mismatch;
  const CallTimes t = time_calls(gemm, algo, opt_.reps, kCallsPerRep, cublas_.stream);
  if (t.status != CUBLAS_STATUS_SUCCESS) {
    r.status = "failed";
    r.note = "a timed call returned " + status_name(t.status);
    return r;
  }
  r.status = "measured";
  r.times = summarize(t.per_call_ms);
  return r;
}

void GemmAlgosCommand::write_row(const GemmShape& s, const InfiniTensorGemm* gemm, const AlgoRow& r) {
  const bool measured = r.status == "measured";
  const std::string fields[] = {
      s.name, gemm_dtype_name(s.dtype), std::to_string(s.b), std::to_string(s.m), std::to_string(s.n),
      std::to_string(s.k), s.trans_a ? "1" : "0", s.trans_b ? "1" : "0", gemm ? gemm->api() : "",
      gemm ? gemm->compute_type() : "", gemm ? std::to_string(r.algo) : "", gemm ? algo_name(r.algo) : "", r.status,
      measured ? time_text(r.times.median) : "", measured ? time_text(r.times.min) : "",
      measured ? time_text(r.times.max) : "", measured ? std::to_string(r.times.samples) : "",
      measured ? std::to_string(kCallsPerRep) : "", measured ? (r.verified ? "true" : "false") : "",
      std::to_string(r.checked_entries), r.note};
  std::string line;
  for (const auto& f : fields) line += (line.empty() ? "" : ",") + csv_escape(f);
  csv_ << line << '\n';
  csv_.flush();  // an interrupted run keeps every finished row
  if (!csv_) throw std::runtime_error("cannot write " + stage_.dir() + "/gemm_algos.csv");
  if (measured && !r.verified) unverified_.push_back(s.name + ": " + algo_name(r.algo) + ": " + r.note);
}

void GemmAlgosCommand::print_shape(const GemmShape& s, const std::vector<AlgoRow>& rows) const {
  const AlgoRow* best = nullptr;
  int failed = 0;
  for (const AlgoRow& r : rows) {
    failed += r.status != "measured";
    if (r.algo != kDefaultAlgo && r.status == "measured" && (!best || r.times.median < best->times.median)) best = &r;
  }
  const double reference = rows.front().status == "measured" ? rows.front().times.median : 0;
  fmt::print("{:<44} {} b={} m={} n={} k={} {}{}  best {} {:.4f} ms, DEFAULT {:.4f} ms, {} failed\n", s.name,
             gemm_dtype_name(s.dtype), s.b, s.m, s.n, s.k, s.trans_a ? "T" : "N", s.trans_b ? "T" : "N",
             best ? algo_name(best->algo) : "none", best ? best->times.median : 0.0, reference, failed);
}

int GemmAlgosCommand::finish(const std::string& reason, const std::string& error) {
  csv_.close();
  run_["shapes_measured"] = shapes_done_;
  run_["verification_failures"] = unverified_;
  run_["files"] = {"gemm_algos_run.json", "gemm_algos.csv"};
  run_["status"] = reason.empty() ? "complete" : "partial";
  if (!reason.empty()) run_["partial_reason"] = reason;
  if (!error.empty()) run_["error"] = error;
  run_["date_utc_end"] = utc_now_iso8601();
  run_["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  write_json_atomic(stage_.dir() + "/gemm_algos_run.json", run_);
  const int code = gemm_algos_exit_code(reason, unverified_.size());
  if (!reason.empty()) {
    fmt::print(stderr, "tcbench gemm-algos: {}; the {} shape(s) measured so far are kept in {}, marked partial\n",
               error.empty() ? reason : error, shapes_done_, stage_.keep_partial());
    return code;
  }
  stage_.commit();
  fmt::print("{} shapes -> {}\n", shapes_done_, stage_.target());
  if (code == kExitInvalidResults)
    fmt::print(stderr, "tcbench gemm-algos: {} algorithm output(s) differ from the CPU's product ({}); see {}/gemm_algos.csv\n",
               unverified_.size(), unverified_.front(), stage_.target());
  return code;
}

}  // namespace

int gemm_algos_exit_code(const std::string& partial_reason, size_t unverified_rows) {
  if (partial_reason == "interrupted") return kExitInterrupted;
  if (!partial_reason.empty()) return kExitFailure;
  return unverified_rows > 0 ? kExitInvalidResults : kExitOk;
}

CLI::App* add_gemm_algos_command(CLI::App& app, GemmAlgosOptions* opt) {
  auto* cmd = app.add_subcommand(
      "gemm-algos", "Time every cuBLAS algorithm InfiniTensor's tuner tries on GEMM shapes (GPU); see "
                    "docs/exporters/infinitensor.md");
  cmd->add_option("--shapes", opt->shapes, std::string("Shapes file, CSV with the columns ") + kGemmShapeColumns)
      ->capture_default_str();
  cmd->add_option("--out", opt->out_dir,
                  "Output folder, e.g. results/<gpu-slug>/gemm_algos; one holding gemm-algos results is refused "
                  "(exit 7) unless --force")
      ->required();
  cmd->add_flag("--force", opt->force, "Replace the gemm-algos results --out holds; other files stay");
  cmd->add_option("--device", opt->device, "CUDA device index")->check(CLI::NonNegativeNumber);
  cmd->add_option("--reps", opt->reps, fmt::format("Timed repetitions per algorithm, each of {} calls", kCallsPerRep))
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  return cmd;
}

int cmd_gemm_algos(const GemmAlgosOptions& opt) {
  std::vector<GemmShape> shapes;
  try {
    shapes = read_gemm_shapes(opt.shapes);
  } catch (const GemmShapesError& e) {
    fmt::print(stderr, "tcbench gemm-algos: {}\n", e.what());
    return kExitConfig;
  }
  if (refuse_output("gemm-algos", opt.out_dir, kGemmAlgosOutput, opt.force)) return kExitExists;
  DeviceInfo dev;
  std::string err;
  if (!query_device(opt.device, &dev, &err)) {
    fmt::print(stderr, "tcbench: {}\n(tcbench gemm-algos needs an NVIDIA GPU)\n", err);
    return kExitNoGpu;
  }
  GemmAlgosCommand command(opt, dev);
  return command.execute(shapes);
}

}  // namespace tcb
