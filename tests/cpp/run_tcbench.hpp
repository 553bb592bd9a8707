// Runs the built tcbench (TCB_BINARY) through /bin/sh for the CLI tests: exit code and output.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

struct CliResult { int code; std::string out; };

// Runs a /bin/sh command line and captures its standard output and exit code.
inline CliResult run_shell(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `stdin_text`, if given, is piped in (no quotes in it; popen runs /bin/sh, so no bashisms).
inline CliResult run_tcbench(const std::string& args, const char* stdin_text = nullptr) {
  std::string cmd = std::string(TCB_BINARY) + " " + args + " 2>&1";
  if (stdin_text) cmd = std::string("printf '") + stdin_text + "' | " + cmd;
  return run_shell(cmd);
}
