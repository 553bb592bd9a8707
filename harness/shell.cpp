#include "harness/shell.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

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

}  // namespace tcb
