// Where a result came from: git state of the source tree, command line, date, host.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tcb {

struct GitState { std::string sha = "unknown"; bool dirty = false; std::string source = "none"; };
GitState git_state();  // the .tcbench-git stamp if present, else git in TCB_SOURCE_DIR; "unknown" when neither
std::string utc_time(const char* strftime_format);  // the current UTC time, formatted
std::string utc_now_iso8601();
std::string hostname();

// The head every run.json-like record starts with (run.json, numerics_run.json): schema version,
// tool, status "running", git state, the command line, date and host.
nlohmann::json provenance_json(const std::vector<std::string>& argv);

}  // namespace tcb
