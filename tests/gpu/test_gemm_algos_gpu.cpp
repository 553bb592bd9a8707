// `tcbench gemm-algos` on the GPU (CTest label "gpu"; skips, with the reason, without one): two
// tiny shapes, a GEMM and a transposed batched GEMM, give one row per algorithm (CUBLAS_GEMM_DEFAULT
// then ALGO0..23) whose measured outputs all match the CPU's product and whose times are ordered
// and positive, a complete gemm_algos_run.json with the cuBLAS version, and a second run into the
// same folder is refused (docs/exporters/infinitensor.md).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "harness/device/device_info.hpp"
#include "tests/cpp/csv_rows.hpp"
#include "tests/cpp/run_tcbench.hpp"
#include "tests/cpp/test_support.hpp"

namespace tcb {
namespace {

using test::csv_number;
using test::CsvRow;

constexpr const char* kShapes =
    "name,dtype,b,m,n,k,trans_a,trans_b\n"
    "tiny.gemm,f16,1,64,48,40,0,1\n"
    "tiny.batched_transposed,f32,3,16,24,40,1,0\n";

constexpr const char* kColumns =
    "name,dtype,b,m,n,k,trans_a,trans_b,api,compute_type,algo,algo_name,status,time_ms_median,time_ms_min,"
    "time_ms_max,reps,calls_per_rep,verified,checked_entries,note";

TEST(GemmAlgosGpu, TwoTinyShapesEveryAlgorithmVerifiedAndTimed) {
  DeviceInfo dev;
  std::string why;
  if (!query_device(0, &dev, &why)) GTEST_SKIP() << "no GPU: " << why;
  test::TempDir tmp;
  const auto shapes = tmp.path / "shapes.csv";
  const auto out = tmp.path / "gemm_algos";
  std::ofstream(shapes) << kShapes;
  const std::string args = "gemm-algos --reps 3 --shapes " + shapes.string() + " --out " + out.string();
  const CliResult r = run_tcbench(args);
  ASSERT_EQ(r.code, kExitOk) << r.out;

  const std::string csv = test::read_text(out / "gemm_algos.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), kColumns);
  const auto rows = test::read_csv_rows(csv);
  ASSERT_EQ(rows.size(), 2u * 25u);
  std::map<std::string, int> measured;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CsvRow& row = rows[i];
    const std::string what = row.at("name") + " " + row.at("algo_name");
    EXPECT_EQ(row.at("algo"), std::to_string(int(i % 25) - 1)) << what;
    EXPECT_EQ(row.at("api"), row.at("b") == "1" ? "cublasGemmEx" : "cublasGemmStridedBatchedEx") << what;
    if (row.at("status") != "measured") {
      EXPECT_EQ(row.at("status"), "failed") << what;
      continue;
    }
    ++measured[row.at("name")];
    EXPECT_EQ(row.at("verified"), "true") << what << ": " << row.at("note");
    EXPECT_EQ(row.at("checked_entries"), "32") << what;
    EXPECT_EQ(row.at("reps"), "3") << what;
    EXPECT_EQ(row.at("calls_per_rep"), "20") << what;
    EXPECT_GT(csv_number(row, "time_ms_min"), 0) << what;
    EXPECT_LE(csv_number(row, "time_ms_min"), csv_number(row, "time_ms_median")) << what;
    EXPECT_LE(csv_number(row, "time_ms_median"), csv_number(row, "time_ms_max")) << what;
    EXPECT_LT(csv_number(row, "time_ms_max"), 100) << what;  // a 64x48x40 GEMM, in ms
  }
  EXPECT_GT(measured["tiny.gemm"], 1);  // DEFAULT and at least one ALGO, on any GPU cuBLAS supports
  EXPECT_GT(measured["tiny.batched_transposed"], 1);

  const auto run = nlohmann::json::parse(test::read_text(out / "gemm_algos_run.json"));
  EXPECT_EQ(run["status"], "complete");
  EXPECT_EQ(run["device"]["name"], dev.name);
  EXPECT_GT(run["cublas"]["version"].get<int>(), 0);
  EXPECT_EQ(run["shapes_measured"], 2);
  EXPECT_TRUE(run["verification_failures"].empty());

  const CliResult again = run_tcbench(args);
  EXPECT_EQ(again.code, kExitExists) << again.out;
}

}  // namespace
}  // namespace tcb
