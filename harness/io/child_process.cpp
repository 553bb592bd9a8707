#include "harness/io/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

extern char** environ;

namespace tcb {
namespace {

double seconds(const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; }

// The child's environment: ours, with spec.env replacing or adding variables. Built before fork,
// since the child may only call async-signal-safe functions until it execs.
std::vector<std::string> child_environment(const ChildSpec& spec) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : spec.env) vars[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

[[noreturn]] void exec_child(int log_fd, pid_t parent, char** argv, char** envp) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(126);  // the parent died before prctl took effect
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  ::close(log_fd);
  ::execve(argv[0], argv, envp);
  const char* why = std::strerror(errno);
  (void)!::write(STDERR_FILENO, "exec failed: ", 13);
  (void)!::write(STDERR_FILENO, why, std::strlen(why));
  ::_exit(127);
}

ChildResult reaped(pid_t pid, int status, const rusage& ru, const RunningChild& c) {
  ChildResult r;
  r.pid = pid;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
  r.user_seconds = seconds(ru.ru_utime);
  r.system_seconds = seconds(ru.ru_stime);
  r.voluntary_switches = ru.ru_nvcsw;
  r.involuntary_switches = ru.ru_nivcsw;
  r.max_rss_kb = ru.ru_maxrss;
  return r;
}

}  // namespace

std::string ChildResult::describe() const {
  if (signal) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit {}", exit_code);
}

nlohmann::json ChildResult::to_json() const {
  nlohmann::json j = {{"pid", pid},
                      {"ended", describe()},
                      {"exit_code", exit_code >= 0 ? nlohmann::json(exit_code) : nlohmann::json(nullptr)},
                      {"wall_seconds", wall_seconds},
                      {"cpu_user_seconds", user_seconds},
                      {"cpu_system_seconds", system_seconds},
                      {"voluntary_context_switches", voluntary_switches},
                      {"involuntary_context_switches", involuntary_switches},
                      {"max_rss_kb", max_rss_kb}};
  if (signal) j["signal"] = signal;
  if (stop_forwarded) j["stop_forwarded"] = true;
  return j;
}

RunningChild start_child(const ChildSpec& spec, std::string* error) {
  std::vector<std::string> args = spec.argv, env = child_environment(spec);
  std::vector<char*> argv = pointers(args), envp = pointers(env);
  const int log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    *error = fmt::format("cannot create {}: {}", spec.log_path, std::strerror(errno));
    return {};
  }
  const pid_t parent = ::getpid();
  RunningChild c{::fork(), std::chrono::steady_clock::now()};
  if (c.pid == 0) exec_child(log_fd, parent, argv.data(), envp.data());
  ::close(log_fd);
  if (c.pid < 0) *error = fmt::format("fork failed: {}", std::strerror(errno));
  return c;
}

std::vector<ChildResult> wait_children(const std::vector<RunningChild>& children,
                                       const volatile std::sig_atomic_t* stop,
                                       const std::function<void(size_t, const ChildResult&)>& on_exit) {
  std::vector<ChildResult> results(children.size());
  std::vector<bool> done(children.size()), told(children.size());
  size_t left = children.size();
  for (size_t i = 0; i < children.size(); ++i)
    if (children[i].pid <= 0) done[i] = true, --left;  // never started
  while (left > 0) {
    for (size_t i = 0; i < children.size(); ++i) {
      if (done[i]) continue;
      if (stop && *stop && !told[i]) told[i] = ::kill(children[i].pid, SIGINT) == 0;
      int status = 0;
      rusage ru{};
      const pid_t pid = ::wait4(children[i].pid, &status, WNOHANG, &ru);
      if (pid != children[i].pid) continue;
      results[i] = reaped(pid, status, ru, children[i]);
      results[i].stop_forwarded = told[i];
      done[i] = true;
      --left;
      if (on_exit) on_exit(i, results[i]);
    }
    if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return results;
}

}  // namespace tcb
