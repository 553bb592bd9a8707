// Fuzz test of the command line (issue #11): seeded random argument vectors run through the
// built tcbench. Each run must end by itself (no hang: a pathological --filter once ran for
// minutes), with an exit code from the documented set and never by a signal (no crash, no
// abort from an uncaught exception). Deterministic per (seed, case); a failure prints the argv.
//
// Safety: every run gets CUDA_VISIBLE_DEVICES="" (no GPU is visible, so GPU commands stop with
// exit 4 before measuring anything), standard input from /dev/null, and a scratch folder as
// working directory, where any relative output lands. `sass` (which disassembles the binary)
// is only given options that CLI parsing refuses or --help.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr unsigned kSeed = 4242;
constexpr int kCases = 1500;
constexpr double kBudgetSeconds = 20;  // the whole test; each case has its own limit below
constexpr int kCaseLimitSeconds = 15;
const std::set<int> kDocumentedExitCodes = {0, 1, 2, 3, 4, 5, 6, 7, 130};

struct Outcome {
  bool exited = false;
  int code = -1, signal = 0;
  bool timed_out = false;
  std::string out;
};

// Runs TCB_BINARY with `args` in `dir`, killing it after `limit_s` seconds.
Outcome run_in(const std::string& dir, const std::vector<std::string>& args, int limit_s) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    const int null_in = ::open("/dev/null", O_RDONLY);
    ::dup2(null_in, 0);
    if (::chdir(dir.c_str()) != 0) ::_exit(121);
    ::setenv("CUDA_VISIBLE_DEVICES", "", 1);
    std::vector<char*> argv{const_cast<char*>(TCB_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(TCB_BINARY, argv.data());
    ::_exit(122);
  }
  ::close(pipe_fds[1]);
  Outcome o;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit_s);
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      o.timed_out = true;
      ::kill(pid, SIGKILL);  // our own child, by its id
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) continue;
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    if (o.out.size() < 20000) o.out.append(buf, size_t(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  o.exited = WIFEXITED(status);
  o.code = o.exited ? WEXITSTATUS(status) : -1;
  o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return o;
}

std::string make_scratch() {
  std::string dir = ::testing::TempDir() + "/tcb_fuzz_cli_XXXXXX";
  if (!::mkdtemp(dir.data())) return ::testing::TempDir();
  return dir;
}

// Files the arguments may name, all inside the scratch folder.
void plant_files(const std::string& dir) {
  std::ofstream(dir + "/good.yaml") << "name: fuzz\nfamilies: [mma.sync]\nrepetitions: 1\n";
  std::ofstream(dir + "/bad.yaml") << "repetitions: 2147483648\n";
  std::ofstream(dir + "/empty.yaml") << "";
  std::ofstream(dir + "/two.yaml") << "name: a\n---\nname: b\n";
  std::ofstream(dir + "/in.txt") << "3c00 3c00 bf7fffff\n";
  std::ofstream(dir + "/garbage.txt") << "zz\x01\xff\n\n#\n";
  std::ofstream(dir + "/existing.txt") << "old\n";
  ::mkdir((dir + "/sub").c_str(), 0755);
  ::symlink("/dev/null", (dir + "/to_null").c_str());  // --out must refuse it, never replace /dev/null
}

class ArgvMaker {
 public:
  explicit ArgvMaker(unsigned seed) : rng_(seed) {}

  std::vector<std::string> make() {
    std::vector<std::string> args;
    const int shape = pick(10);
    if (shape == 0) return random_words();
    const std::string sub = any(kSubcommands);
    if (!sub.empty()) args.push_back(sub);
    if (sub == "sass") {  // never let it disassemble: refused options or help only
      args.push_back(any(std::vector<std::string>{"--help", "--no-such-option", "-h", "--out"}));
      return args;
    }
    // Mostly the subcommand's own options, so that runs get past parsing; now and then any.
    const auto own = kOwnOptions.find(sub);
    const int options = pick(4);
    for (int i = 0; i < options; ++i) {
      const std::string opt = own != kOwnOptions.end() && pick(5) ? any(own->second) : any(kOptions);
      args.push_back(opt);
      if (pick(12)) args.push_back(value_for(opt));
    }
    if (sub == "model" && pick(3)) {  // often a well-formed model call to go deeper
      args.insert(args.end(), {"--preset", any(kPresets), "--instr", any(kInstrs), "--k", any(kNumbers)});
    }
    if (pick(6) == 0) args.insert(args.begin() + pick(int(args.size()) + 1), random_word());
    return args;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  template <class T>
  const T& any(const std::vector<T>& v) { return v[size_t(pick(int(v.size())))]; }

  std::string random_word() {
    std::string w;
    const int n = pick(12);
    for (int i = 0; i < n; ++i) w += char(1 + pick(255));
    return w;
  }

  std::vector<std::string> random_words() {
    std::vector<std::string> w;
    for (int i = pick(4); i >= 0; --i) w.push_back(pick(2) ? random_word() : any(kOptions));
    return w;
  }

  std::string value_for(const std::string& opt) {
    if (opt == "--filter") return any(kRegexes);
    if (opt == "--family") return any(kFamilies);
    if (opt == "--config") return any(kConfigs);
    if (opt == "--in") return any(kInputs);
    if (opt == "--out") return any(kOutputs);
    if (opt == "--data") return any(std::vector<std::string>{"random", "exact", "zeros", "ones", ""});
    if (opt == "--preset") return any(kPresets);
    if (opt == "--instr") return any(kInstrs);
    if (pick(5) == 0) return random_word();
    return any(kNumbers);
  }

  const std::vector<std::string> kSubcommands = {"info", "list", "list", "run", "run", "numerics", "model", "model",
                                                 "sass", "", "bogus", "LIST", "--version", "--help"};
  const std::vector<std::string> kOptions = {
      "--filter", "--family", "--device", "--config", "--out", "--data", "--no-progress", "--force", "--timeout",
      "--no-sass", "--cases", "--sample", "--seed", "--preset", "--instr", "--k", "--in", "--binary", "--help",
      "-h", "--version", "--", "-", "--filter=", "--k=3", "--device=-1", "--bogus"};
  const std::map<std::string, std::vector<std::string>> kOwnOptions = {
      {"info", {"--device"}},
      {"list", {"--filter", "--family"}},
      {"run", {"--config", "--filter", "--device", "--out", "--data", "--family", "--no-progress", "--timeout"}},
      {"numerics", {"--filter", "--device", "--cases", "--sample", "--seed", "--out"}},
      {"model", {"--in", "--out", "--in", "--out", "--k"}}};
  const std::vector<std::string> kRegexes = {"bf16", "", "(", "[a-", "((.*)*)*x", "(a|aa)*$", "(.*a){25}", "(f16)\\1",
                                             "(?=x)", "(?i)F16", "\\pL", "^SM80_", "x{1000}{1000}", "*", "a++"};
  const std::vector<std::string> kFamilies = {"mma.sync", "mma.sp", "wmma", "wgmma", "foo", "", "selftest",
                                              "mma.sync,wgmma", "MMA.SYNC"};
  const std::vector<std::string> kConfigs = {"good.yaml", "bad.yaml", "empty.yaml", "two.yaml", "sub", "missing.yaml",
                                             "/", "in.txt", ""};
  const std::vector<std::string> kInputs = {"in.txt", "garbage.txt", "sub", "missing.txt", "-", "/dev/null", ""};
  const std::vector<std::string> kOutputs = {"out.txt", "existing.txt", "sub", "to_null", "new/deeper/x", "-",
                                             "runs", "", "out dir"};
  const std::vector<std::string> kPresets = {"v100", "t4", "a100", "h100", "b200", ""};
  const std::vector<std::string> kInstrs = {"mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32",
                                            "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32",
                                            "wgmma.mma_async.sync.aligned.m64n8k32.f32.e4m3.e4m3",
                                            "mma.sync.aligned.m16n8k99.row.col.f32.f16.f16.f32", "mma", ""};
  const std::vector<std::string> kNumbers = {"0", "1", "2", "-1", "7", "1048576", "1048577", "2147483647",
                                             "2147483648", "99999999999999999999", "1e3", "0x10", "nan", "", "abc"};
  std::mt19937 rng_;
};

std::string shown(const std::vector<std::string>& args) {
  std::string s = "tcbench";
  for (const auto& a : args) s += " '" + a + "'";
  return s;
}

TEST(FuzzCli, RandomArgumentsEndWithADocumentedExitCode) {
  const std::string dir = make_scratch();
  plant_files(dir);
  const auto t0 = std::chrono::steady_clock::now();
  std::map<int, int> codes;
  int done = 0;
  for (; done < kCases; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > kBudgetSeconds) break;
    const std::vector<std::string> args = ArgvMaker(kSeed + unsigned(done)).make();
    const Outcome o = run_in(dir, args, kCaseLimitSeconds);
    const std::string trace = "seed " + std::to_string(kSeed) + " case " + std::to_string(done) + ": " + shown(args) +
                              "\n--- output:\n" + o.out;
    EXPECT_FALSE(o.timed_out) << "did not finish in " << kCaseLimitSeconds << " s: " << trace;
    EXPECT_EQ(o.signal, 0) << "killed by signal " << o.signal << ": " << trace;
    EXPECT_TRUE(o.exited && kDocumentedExitCodes.count(o.code)) << "exit " << o.code << ": " << trace;
    ++codes[o.code];
    if (HasFailure()) break;
  }
  // /dev/null stays a device, whatever --out was given.
  struct stat st{};
  EXPECT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null was replaced";
  EXPECT_GE(done, 100) << "too few cases in the time budget";
  std::string summary;
  for (const auto& [code, n] : codes) summary += " exit " + std::to_string(code) + ": " + std::to_string(n) + ";";
  std::printf("CLI fuzz: %d runs;%s\n", done, summary.c_str());
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
