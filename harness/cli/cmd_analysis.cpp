#include "harness/cli/cmd_analysis.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "harness/device/device_info.hpp"
#include "harness/io/shell.hpp"

namespace tcb {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInstall = "pip install ./analysis";

// The package's third-party modules (analysis/pyproject.toml's dependencies), looked up (not
// imported: that takes seconds) before python3 -m analysis runs, so that a missing one is named
// with the command that installs it instead of ending in a traceback.
constexpr const char* kFindModules =
    "import importlib.util as u\n"
    "print(' '.join(m for m in ('numpy', 'pandas', 'matplotlib') if u.find_spec(m) is None))";

std::string missing_modules(const std::string& python) {
  std::string out, err;
  if (run_capture(shell_quote(python) + " -c " + shell_quote(kFindModules), &out, &err) != 0)
    return "(python3 could not be asked: " + err + ")";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

int exec(const std::string& program, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(program.c_str(), args.data());
  fmt::print(stderr, "tcbench: cannot run {}: {}\n", program, std::strerror(errno));
  return kExitFailure;
}

int cannot_run(const std::string& command, const std::string& why) {
  fmt::print(stderr, "tcbench {}: {}\n", command, why);
  return kExitFailure;
}

}  // namespace

int cmd_analysis(const std::string& command, const std::vector<std::string>& args) {
  ::setenv("TCBENCH_PROG", "tcbench", 1);  // its usage and help lines then say `tcbench report ...`
  std::vector<std::string> rest{command};
  rest.insert(rest.end(), args.begin(), args.end());
  const std::string installed = find_on_path("tcbench-analysis");
  if (!installed.empty()) {
    rest.insert(rest.begin(), installed);
    return exec(installed, rest);
  }
  const std::string python = find_on_path("python3");
  const fs::path source = TCB_SOURCE_DIR;
  if (python.empty())
    return cannot_run(command, fmt::format("needs the analysis package, and neither tcbench-analysis nor python3 is "
                                           "on the PATH: install Python 3, then `{}` (from {})",
                                           kInstall, source.string()));
  if (!fs::is_regular_file(source / "analysis" / "__main__.py"))
    return cannot_run(command, fmt::format("tcbench-analysis is not on the PATH, and the source tree this tcbench was "
                                           "built from ({}) has no analysis/ package: `{}` from a tcbench source tree",
                                           source.string(), kInstall));
  const std::string missing = missing_modules(python);
  if (!missing.empty())
    return cannot_run(command, fmt::format("{} lacks the Python modules the analysis package needs ({}): `{}` (from "
                                           "{}) installs them", python, missing, kInstall, source.string()));
  const char* old = std::getenv("PYTHONPATH");
  ::setenv("PYTHONPATH", (source.string() + (old && *old ? ":" + std::string(old) : "")).c_str(), 1);
  rest.insert(rest.begin(), {python, "-m", "analysis"});
  return exec(python, rest);
}

}  // namespace tcb
