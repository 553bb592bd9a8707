#include "harness/io/shell.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tcb {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int run_capture(const std::string& command, std::string* out, std::string* err) {
  char err_name[] = "/tmp/tcb_stderr_XXXXXX";
  const int err_fd = ::mkstemp(err_name);
  if (err_fd < 0) {
    if (err) *err = "cannot create a temporary file";
    return -1;
  }
  ::close(err_fd);
  std::string text;
  FILE* p = ::popen((command + " 2>" + shell_quote(err_name)).c_str(), "r");
  if (!p) {
    std::remove(err_name);
    if (err) *err = "cannot run: " + command;
    return -1;
  }
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  const int status = ::pclose(p);
  if (err) {
    std::ifstream ef(err_name);
    std::stringstream ss;
    ss << ef.rdbuf();
    *err = ss.str();
  }
  std::remove(err_name);
  if (out) *out = std::move(text);
  return (status == -1 || !WIFEXITED(status)) ? -1 : WEXITSTATUS(status);
}

// ---- tool lookup ------------------------------------------------------------------------

namespace fs = std::filesystem;

namespace {

bool is_executable_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (is_executable_file(p)) return p.string();
  }
  return "";
}

namespace {

// The folders of the `nvidia` namespace package (one per site-packages that has NVIDIA wheels),
// as python3 reports them; none when python3 or the package is missing.
std::vector<fs::path> nvidia_wheel_roots() {
  if (find_on_path("python3").empty()) return {};
  const std::string script = "import nvidia\nfor p in nvidia.__path__: print(p)";
  std::string out, err;
  if (run_capture("python3 -c " + shell_quote(script), &out, &err) != 0) return {};
  std::vector<fs::path> roots;
  std::stringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) roots.emplace_back(line);
  return roots;
}

// <root>/<x>/bin for every wheel folder <x> (cu13, cuda_nvdisasm, ...), in name order.
std::vector<fs::path> wheel_bin_dirs(const fs::path& root) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (fs::is_directory(it->path() / "bin", ec)) dirs.push_back(it->path() / "bin");
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<fs::path> cuda_bin_dirs() {
  std::vector<fs::path> dirs;
#ifdef TCB_CUDA_BIN_DIR  // the toolkit that built this binary: a Volta build's CUDA 12 reads its sm_70 code
  dirs.push_back(TCB_CUDA_BIN_DIR);
#endif
  if (const char* home = std::getenv("CUDA_HOME"); home && *home) dirs.push_back(fs::path(home) / "bin");
  dirs.push_back("/usr/local/cuda/bin");
  return dirs;
}

std::string first_executable(const std::vector<fs::path>& dirs, const std::string& name) {
  for (const fs::path& dir : dirs)
    if (is_executable_file(dir / name)) return (dir / name).string();
  return "";
}

}  // namespace

const char* const kToolSearchPlaces =
    "on PATH, in the building toolkit's bin folder, $CUDA_HOME/bin, /usr/local/cuda/bin or an NVIDIA PyPI wheel's bin folder "
    "(site-packages/nvidia/*/bin: python3 -m pip install nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm)";

std::string locate_tool(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return is_executable_file(name) ? name : "";
  if (std::string p = find_on_path(name); !p.empty()) return p;
  if (std::string p = first_executable(cuda_bin_dirs(), name); !p.empty()) return p;
  for (const fs::path& root : nvidia_wheel_roots())  // last: it starts python3
    if (std::string p = first_executable(wheel_bin_dirs(root), name); !p.empty()) return p;
  return "";
}

}  // namespace tcb
