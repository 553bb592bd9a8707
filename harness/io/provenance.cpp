#include "harness/io/provenance.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>

#ifndef TCB_SOURCE_DIR
#define TCB_SOURCE_DIR "."
#endif

namespace tcb {
namespace {

// Single-quote for /bin/sh: the source path may hold spaces or shell characters.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a command and returns its stdout; false when it cannot start or exits non-zero.
bool run_capture(const std::string& cmd, std::string* out) {
  std::FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return false;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  return pclose(p) == 0;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool is_sha(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A copy of the tree without .git (the GPU machine gets one) carries the state in a stamp file
// written by scripts/stamp_git.sh from the real checkout just before the copy: "<sha> <dirty>".
GitState stamped_state() {
  GitState g;
  std::FILE* f = std::fopen((std::string(TCB_SOURCE_DIR) + "/.tcbench-git").c_str(), "r");
  if (!f) return g;
  char sha[64] = {0};
  int dirty = 0;
  if (std::fscanf(f, "%63s %d", sha, &dirty) == 2 && is_sha(sha)) {
    g.sha = sha;
    g.dirty = dirty != 0;
    g.source = "stamp file .tcbench-git";
  }
  std::fclose(f);
  return g;
}

}  // namespace

GitState git_state() {
  // The stamp wins: a copy of the tree (the GPU machine's) can hold a stale .git of its own, which
  // names another commit (seen: the session's first commit, marked dirty). The stamp is written
  // by scripts/stamp_git.sh right before the copy and removed by it afterwards.
  GitState stamped = stamped_state();
  if (stamped.sha != "unknown") return stamped;
  GitState g;
  const std::string git = "git -C " + shell_quote(TCB_SOURCE_DIR) + " ";
  std::string out;
  if (!run_capture(git + "rev-parse HEAD", &out) || !is_sha(trim(out))) return g;
  g.source = "git";
  g.sha = trim(out);
  // Untracked files don't change what was built; modified tracked files do.
  if (run_capture(git + "status --porcelain --untracked-files=no", &out)) g.dirty = !trim(out).empty();
  return g;
}

std::string utc_time(const char* format) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string utc_now_iso8601() { return utc_time("%Y-%m-%dT%H:%M:%SZ"); }

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

nlohmann::json provenance_json(const std::vector<std::string>& argv) {
  const GitState git = git_state();
  std::string command;
  for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
  return {{"schema_version", 1},
          {"tool", {{"name", "tcbench"}, {"version", TCB_VERSION}, {"built_archs", TCB_BUILT_ARCHS}}},
          {"status", "running"},
          {"git", {{"sha", git.sha}, {"dirty", git.dirty}, {"source", git.source}}},
          {"command", command},
          {"date_utc", utc_now_iso8601()},
          {"host", hostname()}};
}

}  // namespace tcb
