#include "harness/cli/cmd_node.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>

#include "harness/cli/cli_commands.hpp"
#include "harness/core/runner.hpp"
#include "harness/core/stop_signal.hpp"
#include "harness/device/device_info.hpp"
#include "harness/device/nvml_topology.hpp"
#include "harness/io/child_process.hpp"
#include "harness/io/output_dir.hpp"
#include "harness/io/provenance.hpp"
#include "harness/io/writers.hpp"

namespace fs = std::filesystem;

namespace tcb {
namespace {

constexpr const char* kDefaultBase = "results";
constexpr const char* kSoloFolder = "solo";  // --interference: <uuid>/solo/ is the GPU swept alone

// One GPU's worker in one phase: where its run goes and where its output is logged.
struct Worker {
  GpuBrief gpu;
  std::string target, log;
};

std::string relative_to(const std::string& base, const std::string& path) {
  return fs::path(path).lexically_relative(fs::absolute(base).lexically_normal()).generic_string();
}

// /proc/loadavg's 1, 5 and 15 minute figures: how busy the host's CPUs were around a phase.
nlohmann::json loadavg() {
  std::ifstream f("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  if (!(f >> a >> b >> c)) return nullptr;
  return {a, b, c};
}

nlohmann::json host_json() {
  return {{"hostname", hostname()}, {"cpus_online", sysconf(_SC_NPROCESSORS_ONLN)}, {"loadavg_at_start", loadavg()}};
}

nlohmann::json gpu_json(const GpuBrief& g, const std::string& folder) {
  return {{"index", g.index}, {"name", g.name}, {"uuid", g.uuid}, {"pci_bus_id", g.pci_bus_id},
          {"slug", g.slug()}, {"folder", folder}};
}

// A worker that died without finishing its run.json: say so in it, as a partial run would.
void mark_worker_died(const std::string& folder, const std::string& how) {
  const std::string path = folder + "/run.json";
  try {
    std::ifstream f(path);
    nlohmann::json run = nlohmann::json::parse(f);
    run["status"] = "partial";
    run["partial_reason"] = "worker_died";
    run["error"] = "the worker process was " + how + " before it finished; its rows so far are kept";
    write_json_atomic(path, run);
  } catch (const std::exception& e) {
    fmt::print(stderr, "tcbench run: could not mark {} partial: {}\n", path, e.what());
  }
}

// The newest <target>.partial* folder: where a worker that stopped early kept its rows.
std::string newest_partial(const std::string& target) {
  const fs::path t = fs::absolute(target).lexically_normal();
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(t.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(t.filename().string() + ".partial", 0) == 0 && e.path().string() > best) best = e.path().string();
  }
  return best;
}

// Where a worker's measurements are now, and whether they are a whole run.
nlohmann::json outcome(const Worker& w, const ChildResult& r, const std::string& stamp) {
  if (r.crashed()) {
    const std::string salvaged = salvage_staging(w.target, r.pid, stamp);
    if (salvaged.empty()) return {{"status", "none"}, {"folder", nullptr}};
    mark_worker_died(salvaged, r.describe());
    return {{"status", "partial"}, {"folder", salvaged}};
  }
  if (r.exit_code == kExitOk || r.exit_code == kExitInvalidResults) return {{"status", "complete"}, {"folder", w.target}};
  const std::string partial = newest_partial(w.target);
  if (partial.empty()) return {{"status", "none"}, {"folder", nullptr}};
  return {{"status", "partial"}, {"folder", partial}};
}

// Every worker finished its sweep (some rows may be invalid, exit 5): the node's runs are whole.
bool whole_node(int rc) { return rc == kExitOk || rc == kExitInvalidResults; }

int worker_code(const ChildResult& r) { return r.signal ? (r.stop_forwarded ? int(kExitInterrupted) : int(kExitFailure)) : r.exit_code; }

class NodeSweep {
 public:
  NodeSweep(const CommandLine& cl, std::string base, std::vector<GpuBrief> gpus)
      : cl_(cl), base_(std::move(base)), gpus_(std::move(gpus)), stamp_(utc_stamp()),
        node_(base_ + "/nodes/" + hostname(), kNodeOutput, stamp_) {}

  int execute();

 private:
  Worker worker(const GpuBrief& g, bool solo) const {
    const std::string target = fs::absolute(base_ + "/" + g.slug() + "/" + g.uuid).lexically_normal().string();
    const std::string tag = solo ? ".solo" : "";
    return {g, solo ? target + "/" + kSoloFolder : target, node_.dir() + "/logs/" + g.uuid + tag + ".log"};
  }
  // Runs the workers at once and waits for them all; their exit codes go to *codes.
  nlohmann::json run_phase(const std::string& name, const std::vector<Worker>& workers, std::vector<int>* codes);
  void finish(const std::vector<int>& codes, double wall);
  int report_interference();

  const CommandLine& cl_;
  std::string base_;
  std::vector<GpuBrief> gpus_;
  std::string stamp_;
  StagedOutput node_;
  nlohmann::json json_;
  const volatile std::sig_atomic_t* stop_ = nullptr;
};

nlohmann::json NodeSweep::run_phase(const std::string& name, const std::vector<Worker>& workers,
                                    std::vector<int>* codes) {
  nlohmann::json phase = {{"name", name}, {"loadavg_at_start", loadavg()}, {"workers", nlohmann::json::array()}};
  const auto start = std::chrono::steady_clock::now();
  std::vector<RunningChild> children;
  for (const Worker& w : workers) {
    std::string err;
    const ChildSpec spec{worker_argv(self_binary(), cl_, w.target), {{"CUDA_VISIBLE_DEVICES", w.gpu.uuid}}, w.log};
    children.push_back(start_child(spec, &err));
    if (children.back().pid < 0) fmt::print(stderr, "tcbench run: GPU {}: cannot start its worker: {}\n", w.gpu.index, err);
    else fmt::print("{} GPU {} ({}, {}): worker {} -> {}\n", name, w.gpu.index, w.gpu.name, w.gpu.uuid,
                    children.back().pid, w.target);
  }
  std::fflush(stdout);
  const auto results = wait_children(children, stop_, [&](size_t i, const ChildResult& r) {
    fmt::print("{} GPU {}: {} after {:.1f} s (log {})\n", name, workers[i].gpu.index, r.describe(), r.wall_seconds,
               workers[i].log);
    std::fflush(stdout);
  });
  for (size_t i = 0; i < workers.size(); ++i) {
    const Worker& w = workers[i];
    const bool started = children[i].pid > 0;
    nlohmann::json out = started ? outcome(w, results[i], stamp_) : nlohmann::json{{"status", "none"}, {"folder", nullptr}};
    if (out["folder"].is_string()) out["folder"] = relative_to(base_, out["folder"]);
    out.update({{"gpu", w.gpu.index}, {"uuid", w.gpu.uuid}, {"log", relative_to(node_.dir(), w.log)}});
    if (started) out["process"] = results[i].to_json();
    phase["workers"].push_back(out);
    codes->push_back(started ? worker_code(results[i]) : int(kExitFailure));
  }
  phase["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  phase["loadavg_at_end"] = loadavg();
  return phase;
}

int NodeSweep::execute() {
  std::vector<std::string> buses;
  json_ = provenance_json(cl_.argv);
  json_.update({{"kind", "node"}, {"host", host_json()}, {"gpus", nlohmann::json::array()},
                {"results_base", fs::absolute(base_).lexically_normal().string()},
                {"interference", cl_.interference}, {"phases", nlohmann::json::array()}});
  for (const GpuBrief& g : gpus_) {
    json_["gpus"].push_back(gpu_json(g, relative_to(base_, worker(g, false).target)));
    buses.push_back(g.pci_bus_id);
  }
  json_["topology"] = node_topology_json(buses);
  fs::create_directories(node_.dir() + "/logs");
  write_json_atomic(node_.dir() + "/node.json", json_);
  stop_ = &stop_on_signals();

  const auto start = std::chrono::steady_clock::now();
  std::vector<int> codes;
  for (size_t i = 0; cl_.interference && i < gpus_.size() && !*stop_; ++i)
    json_["phases"].push_back(run_phase("solo", {worker(gpus_[i], true)}, &codes));
  if (!*stop_) {
    std::vector<Worker> all;
    for (const GpuBrief& g : gpus_) all.push_back(worker(g, false));
    json_["phases"].push_back(run_phase("concurrent", all, &codes));
  }
  finish(codes, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const int rc = node_exit_code(codes);
  if (!whole_node(rc) || !cl_.interference) return rc;
  const int report = report_interference();
  return rc != kExitOk ? rc : report;
}

void NodeSweep::finish(const std::vector<int>& codes, double wall) {
  const int rc = node_exit_code(codes);
  const bool whole = whole_node(rc);
  json_["status"] = whole ? "complete" : "partial";
  if (!whole) json_["partial_reason"] = rc == kExitInterrupted ? "interrupted" : "a worker failed";
  json_["exit_code"] = rc;
  json_["wall_seconds"] = wall;
  json_["date_utc_end"] = utc_now_iso8601();
  json_["host"]["loadavg_at_end"] = loadavg();
  write_json_atomic(node_.dir() + "/node.json", json_);
  if (whole) {
    node_.commit();
    fmt::print("node summary: {}/node.json ({} GPU(s), {:.1f} s)\n", node_.target(), gpus_.size(), wall);
  } else {
    fmt::print(stderr, "tcbench run: the node sweep did not complete (exit {}); node summary kept in {}/node.json\n",
               rc, node_.keep_partial());
  }
}

// The analysis package's `interference` (alone vs concurrent, per GPU), as `tcbench interference`
// in a child process started like the workers (fork + exec only: this process holds CUDA's threads).
int NodeSweep::report_interference() {
  const std::string log = node_.target() + "/logs/interference.log";
  std::string err;
  const RunningChild child = start_child({{self_binary(), "interference", node_.target()}, {}, log}, &err);
  const auto result = wait_children({child}, nullptr, nullptr);
  std::ifstream text(log);
  fmt::print("{}", std::string(std::istreambuf_iterator<char>(text), {}));
  if (child.pid < 0 || result[0].exit_code != kExitOk) {
    fmt::print(stderr, "tcbench run: the interference report was not written ({}; `tcbench interference {}` "
                       "retries)\n", child.pid < 0 ? err : result[0].describe(), node_.target());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

bool parse_device_list(const std::string& spec, int count, std::vector<int>* out, std::string* error) {
  out->clear();
  if (spec == "all") {
    for (int i = 0; i < count; ++i) out->push_back(i);
    return true;
  }
  std::stringstream items(spec);
  std::string item;
  std::set<int> seen;
  while (std::getline(items, item, ',')) {
    int index = -1;
    size_t used = 0;
    try {
      index = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || index < 0) {
      *error = fmt::format("--devices '{}': '{}' is not a CUDA device index (expected all, or indices like 0,2,5)", spec, item);
      return false;
    }
    if (index >= count) {
      *error = fmt::format("--devices '{}': device {} does not exist (this machine has {} CUDA device{}: 0..{})", spec,
                           index, count, count == 1 ? "" : "s", count - 1);
      return false;
    }
    if (!seen.insert(index).second) {
      *error = fmt::format("--devices '{}': device {} is named twice", spec, index);
      return false;
    }
    out->push_back(index);
  }
  if (out->empty() || spec.back() == ',') {
    *error = fmt::format("--devices '{}': expected all, or indices like 0,2,5", spec);
    return false;
  }
  return true;
}

std::vector<std::string> worker_argv(const std::string& binary, const CommandLine& cl, const std::string& out) {
  std::vector<std::string> a = {binary, "run", "--device", "0", "--out", out, "--no-progress",
                                "--timeout", fmt::format("{}", cl.timeout_seconds)};
  if (!cl.config_path.empty()) a.insert(a.end(), {"--config", fs::absolute(cl.config_path).string()});
  if (!cl.filter.empty()) a.insert(a.end(), {"--filter", cl.filter});
  if (!cl.run_families.empty()) {
    std::string families;
    for (const auto& f : cl.run_families) families += (families.empty() ? "" : ",") + f;
    a.insert(a.end(), {"--family", families});
  }
  if (!cl.data.empty()) a.insert(a.end(), {"--data", cl.data});
  if (cl.no_sass) a.push_back("--no-sass");
  if (cl.force) a.push_back("--force");
  return a;
}

int node_exit_code(const std::vector<int>& codes) {
  if (std::find(codes.begin(), codes.end(), int(kExitInterrupted)) != codes.end()) return kExitInterrupted;
  for (int c : codes)
    if (c != kExitOk) return c;
  return kExitOk;
}

int cmd_run_devices(const CommandLine& cl) {
  RunOptions opt;  // a bad config or an empty selection is said once here, not once per worker
  if (const int rc = load_run_config(cl, &opt); rc != kExitOk) return rc;
  std::string err;
  std::vector<int> picked;  // the syntax first: a typo is a usage error on every machine
  if (cl.devices != "all" && !parse_device_list(cl.devices, std::numeric_limits<int>::max(), &picked, &err)) {
    fmt::print(stderr, "tcbench run: {}\n", err);
    return kExitUsage;
  }
  const std::vector<GpuBrief> all = list_gpus(&err);
  if (all.empty()) return no_gpu(err);
  if (!parse_device_list(cl.devices, int(all.size()), &picked, &err)) {
    fmt::print(stderr, "tcbench run: {}\n", err);
    return kExitUsage;
  }
  std::vector<GpuBrief> gpus;
  for (int i : picked) gpus.push_back(all[i]);
  const std::string base = cl.out_dir.empty() ? kDefaultBase : cl.out_dir;
  // Every folder is checked before any GPU starts: one refused folder would leave a half-run node.
  bool refused = refuse_output("run", base + "/nodes/" + hostname(), kNodeOutput, cl.force);
  for (const GpuBrief& g : gpus) {
    const std::string target = base + "/" + g.slug() + "/" + g.uuid;
    refused |= refuse_output("run", target, kRunOutput, cl.force);
    if (cl.interference) refused |= refuse_output("run", target + "/" + kSoloFolder, kRunOutput, cl.force);
  }
  if (refused) return kExitExists;
  NodeSweep sweep(cl, base, gpus);
  return sweep.execute();
}

}  // namespace tcb
