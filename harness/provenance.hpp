// Where a result came from: git state of the source tree, command line, date, host.
#pragma once
#include <string>

namespace tcb {

struct GitState { std::string sha = "unknown"; bool dirty = false; };
GitState git_state();               // runs git in TCB_SOURCE_DIR; "unknown" when git is missing
std::string utc_now_iso8601();
std::string hostname();

}  // namespace tcb
