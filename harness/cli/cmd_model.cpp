// `tcbench model`: tensor-core dot products computed by the CPU numerics model (no GPU).
// Input and output formats: model/batch_io.hpp. Exit codes: 2 unknown preset or instruction,
// --k out of range, or an --out that is neither a new path nor a regular file; 3 bad input (the
// message names the file, the line and what is wrong) or an input that cannot be read (a
// directory, a missing file); 1 the output cannot be written.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/cli/cli_commands.hpp"
#include "harness/device/device_info.hpp"
#include "model/batch_io.hpp"
#include "model/presets.hpp"

namespace tcb {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Where --out really writes: the path itself, or the regular file a symbolic link names (the
// link stays). Anything else that exists — a directory, FIFO, device, socket, dangling link — is
// refused, so `--out /dev/full` or `--out some-dir` cannot be replaced by a regular file.
bool output_target(const std::string& path, std::string* target, std::string* error) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return *error = "--out " + path + ": " + errno_text(), false;
    *target = path;  // a new file
    return true;
  }
  if (S_ISLNK(st.st_mode)) {
    if (::stat(path.c_str(), &st) != 0)
      return *error = "--out " + path + " is a symbolic link to nothing (" + errno_text() + "); refusing to write", false;
  }
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)                ? "a device file"
                                                                                  : "not a regular file";
    *error = "--out " + path + " is " + what +
             "; it takes a new path or a regular file to replace (for standard output leave out --out or give -)";
    return false;
  }
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) return *error = "--out " + path + ": " + errno_text(), false;
  *target = resolved;
  return true;
}

std::string folder_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// The permissions the new file gets: the replaced file's, or what a plain create would give.
mode_t mode_for(const std::string& target) {
  struct stat st{};
  if (::stat(target.c_str(), &st) == 0) return st.st_mode & 07777;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

bool write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

// Replaces `target` (a regular file or a new path) with `text` all at once: a temporary in the
// same folder, written and flushed to disk, then renamed over it. On failure `target` is untouched.
bool write_whole_file(const std::string& target, const std::string& text, std::string* error) {
  std::string tmp = target + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return *error = "cannot create a temporary file in " + folder_of(target) + ": " + errno_text(), false;
  const bool written = ::fchmod(fd, mode_for(target)) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  const std::string why = errno_text();
  if (::close(fd) != 0 || !written) {
    ::unlink(tmp.c_str());
    return *error = "cannot write " + tmp + ": " + why, false;
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    *error = "cannot rename " + tmp + " to " + target + ": " + errno_text();
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

// --in: a directory opens as a stream on Linux and fails only on reading; say what it is.
bool open_input(const std::string& path, std::ifstream* file, std::string* error) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return *error = "is a directory, not an input file", false;
  file->open(path);
  if (!*file) return *error = "cannot open for reading: " + errno_text(), false;
  return true;
}

}  // namespace

int cmd_model(const CommandLine& cl) {
  model::Resolved r;
  try {
    r = model::resolve(cl.model_preset, cl.model_instr);
  } catch (const model::ResolveError& e) {
    fmt::print(stderr, "tcbench model: {}\n", e.what());
    return kExitUsage;
  }
  if (cl.model_k < 1 || cl.model_k > model::kMaxK) {
    fmt::print(stderr, "tcbench model: --k must be between 1 and {} (got {})\n", model::kMaxK, cl.model_k);
    return kExitUsage;
  }
  const bool to_stdout = cl.model_out.empty() || cl.model_out == "-";
  std::string target, error;
  if (!to_stdout && !output_target(cl.model_out, &target, &error)) {  // before any input is read
    fmt::print(stderr, "tcbench model: {}\n", error);
    return kExitUsage;
  }

  const bool from_stdin = cl.model_in.empty() || cl.model_in == "-";
  const std::string in_name = from_stdin ? "<stdin>" : cl.model_in;
  std::ifstream file;
  if (!from_stdin && !open_input(cl.model_in, &file, &error)) {
    fmt::print(stderr, "tcbench model: {}: {}\n", in_name, error);
    return kExitConfig;
  }
  std::istream& in = from_stdin ? std::cin : file;

  // Buffer the results: nothing reaches stdout or --out unless every line is good.
  std::ostringstream out;
  model::BatchError err;
  if (!model::run_batch(r.params, cl.model_k, in, out, &err)) {
    fmt::print(stderr, "tcbench model: {}:{}: {}\n", in_name, err.line, err.what);
    return kExitConfig;
  }
  if (in.bad()) {
    fmt::print(stderr, "tcbench model: {}: cannot read the input\n", in_name);
    return kExitConfig;
  }

  if (to_stdout) {
    std::cout << out.str() << std::flush;
    return std::cout ? kExitOk : kExitFailure;
  }
  if (!write_whole_file(target, out.str(), &error)) {
    fmt::print(stderr, "tcbench model: {}\n", error);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace tcb
