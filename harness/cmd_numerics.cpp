#include "harness/cmd_numerics.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>

#include "harness/case_runner.hpp"
#include "harness/device_info.hpp"
#include "harness/numerics_cases.hpp"
#include "harness/provenance.hpp"
#include "harness/registry.hpp"
#include "harness/writers.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_numerics_sigint(int) { g_stop = 1; std::signal(SIGINT, SIG_DFL); }

// The paths probed: every dense floating-point and integer instruction the GPU runs (b1 has no
// rounding); wgmma at N = 64 only (the datapath does not depend on N), SS and RS.
bool is_numerics_path(const Benchmark& b, const DeviceInfo& dev, const std::regex* filter) {
  const AtomInfo& a = b.info;
  if (b.work != Work::mma || is_sparse(a) || a.a == DType::b1 || !a.exists_on(dev.sm)) return false;
  if (a.family == Family::wgmma && a.n != 64) return false;
  if (filter && !std::regex_search(a.name, *filter) && !std::regex_search(a.ptx, *filter)) return false;
  cudaFuncAttributes fa{};
  if (cudaFuncGetAttributes(&fa, b.kernel(1)) != cudaSuccess || fa.binaryVersion < a.min_sm) {
    cudaGetLastError();
    return false;
  }
  return true;
}

uint64_t name_hash(const char* s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; ++s) h = (h ^ uint8_t(*s)) * 1099511628211ULL;
  return h;
}

}  // namespace

int cmd_numerics(const NumericsOptions& opt) {
  DeviceInfo dev;
  std::string err;
  if (!query_device(opt.device, &dev, &err)) {
    fmt::print(stderr, "tcbench: {}\n(tcbench numerics needs an NVIDIA GPU; `tcbench model` replays cases without one)\n", err);
    return kExitNoGpu;
  }
  std::regex filter_re;
  if (!opt.filter.empty()) filter_re = std::regex(opt.filter);
  const std::string out = opt.out_dir.empty() ? "results/" + dev.slug() : opt.out_dir;
  const std::string sample_dir = out + "/numerics_sample";
  fs::create_directories(sample_dir);
  std::signal(SIGINT, on_numerics_sigint);
  std::signal(SIGTERM, on_numerics_sigint);

  const GitState git = git_state();
  std::string cmdline;
  for (const auto& a : opt.argv) cmdline += (cmdline.empty() ? "" : " ") + a;
  nlohmann::json run = {{"schema_version", 1},
                        {"tool", {{"name", "tcbench"}, {"version", TCB_VERSION}, {"built_archs", TCB_BUILT_ARCHS}}},
                        {"status", "running"},
                        {"git", {{"sha", git.sha}, {"dirty", git.dirty}, {"source", git.source}}},
                        {"command", cmdline},
                        {"date_utc", utc_now_iso8601()},
                        {"host", hostname()},
                        {"device", dev.to_json()},
                        {"cases_per_path", opt.cases},
                        {"sample_per_path", opt.sample},
                        {"seed", opt.seed}};
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json paths = nlohmann::json::array();
  for (const Benchmark& b : registry()) {
    if (g_stop) break;
    if (!is_numerics_path(b, dev, opt.filter.empty() ? nullptr : &filter_re)) continue;
    const AtomInfo& a = b.info;
    const auto tp = std::chrono::steady_clock::now();
    CaseRunner runner(b);
    const uint64_t seed = opt.seed ^ name_hash(a.name);
    const auto cases = random_cases(a, seed, opt.cases);
    std::vector<DotCase> dots;
    dots.reserve(cases.size());
    for (const auto& c : cases) dots.push_back(c.dot);
    const std::vector<uint64_t> hw = runner.run(dots);

    // The committed sample: model input line, then the hardware's d.
    const std::string path = sample_dir + "/" + a.name + ".cases";
    {
      std::ofstream f(path + ".partial");
      f << "# tcbench numerics sample: " << a.name << " on " << dev.name << " (" << dev.arch() << ")\n"
        << "# instr: " << a.ptx << "\n# k: " << a.k << "\n# seed: " << seed << "\n"
        << "# line: a0 .. a" << a.k - 1 << " b0 .. b" << a.k - 1 << " c, then the hardware's d (hex bit patterns)\n";
      for (int i = 0; i < std::min<int>(opt.sample, int(cases.size())); ++i)
        f << case_line(a, cases[i].dot) << ' ' << hex_bits(hw[i], a.d) << '\n';
      if (!f) throw std::runtime_error("cannot write " + path);
    }
    fs::rename(path + ".partial", path);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - tp).count();
    paths.push_back({{"atom", a.name}, {"ptx", a.ptx}, {"k", a.k}, {"cases", cases.size()}, {"seconds", secs}});
    fmt::print("{:<44} {:>8} cases {:>6.2f} s\n", a.name, cases.size(), secs);
  }
  run["paths"] = paths;
  run["status"] = g_stop ? "interrupted" : "complete";
  run["date_utc_end"] = utc_now_iso8601();
  run["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_json_atomic(out + "/numerics_run.json", run);
  fmt::print("{} paths -> {}\n", paths.size(), out);
  return g_stop ? kExitInterrupted : kExitOk;
}

}  // namespace tcb
