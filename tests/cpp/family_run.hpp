// One `tcbench run --family F --filter RE` into a temporary folder, with its rows and run.json:
// what the GPU tests of a family read (each test file runs its selection once, on first use).
#pragma once
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "harness/device/device_info.hpp"
#include "harness/sass/sass.hpp"
#include "tests/cpp/csv_rows.hpp"
#include "tests/cpp/run_tcbench.hpp"
#include "tests/cpp/test_support.hpp"

namespace tcb::test {

struct FamilyRun {
  bool have_gpu = false;
  std::string why_not;
  DeviceInfo device;
  CliResult result;
  std::vector<CsvRow> rows;   // <table>.csv
  nlohmann::json run_json;    // null when run.json is missing or unreadable
  bool sass_inspected = false;
};

// tmp_name: the temporary folder's prefix; table: the CSV the family writes ("movement", ...).
inline FamilyRun run_family(const std::string& family, const std::string& filter, const std::string& table,
                            const std::string& tmp_name) {
  FamilyRun r;
  r.have_gpu = query_device(0, &r.device, &r.why_not);
  if (!r.have_gpu) return r;
  static std::vector<std::unique_ptr<TempDir>> dirs;  // kept until the process ends
  dirs.push_back(std::make_unique<TempDir>(tmp_name));
  const std::string out = (dirs.back()->path / "run").string();
  r.sass_inspected = !find_tool("cuobjdump").empty();
  r.result = run_tcbench("run --no-progress --family " + family + (r.sass_inspected ? "" : " --no-sass") +
                         " --filter '" + filter + "' --out " + out);
  r.rows = read_csv_rows(read_text(out + "/" + table + ".csv"));
  try {
    r.run_json = nlohmann::json::parse(read_text(out + "/run.json"));
  } catch (const std::exception&) {
  }
  return r;
}

}  // namespace tcb::test
