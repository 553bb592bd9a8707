#include "harness/io/output_dir.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "harness/io/provenance.hpp"

namespace fs = std::filesystem;

namespace tcb {

// <table>.csv.gz / numerics.csv.gz: the compressed copies committed results keep (the tool
// writes plain CSV; a replacing run must not leave an older compressed copy beside its own).
// The tables are the results tables families write to (core::Benchmark::table).
const OutputKind kRunOutput{"run", "run.json",
                            {"run.json", "instructions.csv", "instructions.csv.gz", "movement.csv", "movement.csv.gz",
                             "energy.csv", "energy.csv.gz", "benchmark.json", "benchmark.json.gz"},
                            {"report.md", "plots"}};
const OutputKind kNumericsOutput{"numerics", "numerics_run.json",
                                 {"numerics_run.json", "numerics.csv", "numerics.csv.gz", "numerics_sample"},
                                 {"numerics.md"}};
const OutputKind kSassOutput{"sass", "", {"README.md"}, {}};
const OutputKind kNodeOutput{"run --devices", "node.json", {"node.json", "logs"}, {"interference.md", "interference.csv"}};

namespace {

// Absolute, normalised, without a trailing separator: "results/x/" and "./results/x" are one
// folder, and its parent is where the staging folder goes.
fs::path canonical_target(const std::string& dir) {
  fs::path p = fs::absolute(fs::path(dir)).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

// `base`, or base-2, base-3, ... : the first name that does not exist.
fs::path first_free(const fs::path& base) {
  fs::path p = base;
  for (int i = 2; fs::exists(fs::symlink_status(p)); ++i) p = base.string() + "-" + std::to_string(i);
  return p;
}

bool is_empty_folder(const fs::path& p) { return fs::is_directory(p) && fs::is_empty(p); }

// Staging folders are .<target name>.staging-<stamp>-<pid>: salvage_staging finds them by this and the pid.
std::string staging_prefix(const fs::path& target) { return fmt::format(".{}.staging-", target.filename().string()); }

// <target>.partial-<stamp>, or <target>.partial when the target's name is the stamp itself.
fs::path partial_path(const fs::path& target, const std::string& stamp) {
  return first_free(target.string() + (target.filename().string() == stamp ? ".partial" : ".partial-" + stamp));
}

}  // namespace

std::string utc_stamp() { return utc_time("%Y%m%dT%H%M%SZ"); }

std::string new_run_folder(const std::string& base, const std::string& stamp) {
  return first_free(fs::path(base) / stamp).string();
}

std::string output_refusal(const std::string& dir, const OutputKind& kind, bool force) {
  const fs::path p = canonical_target(dir);
  std::error_code ec;
  const auto st = fs::status(p, ec);
  if (!fs::exists(st)) return "";
  if (!fs::is_directory(st)) return fmt::format("{} exists and is not a folder", p.string());
  if (force) return "";
  const bool holds = *kind.marker ? fs::exists(p / kind.marker) : !is_empty_folder(p);
  if (!holds) return "";
  return fmt::format("{} already holds {} results ({}); give a new --out folder, or --force to replace them "
                     "(other commands' files there are kept)",
                     p.string(), kind.command, *kind.marker ? kind.marker : "a non-empty folder");
}

bool refuse_output(const char* command, const std::string& dir, const OutputKind& kind, bool force) {
  const std::string refusal = output_refusal(dir, kind, force);
  if (!refusal.empty()) fmt::print(stderr, "tcbench {}: {}\n", command, refusal);
  return !refusal.empty();
}

std::string salvage_staging(const std::string& target, long pid, const std::string& stamp) {
  const fs::path t = canonical_target(target);
  const std::string prefix = staging_prefix(t), suffix = fmt::format("-{}", pid);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(t.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name.size() < suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const fs::path partial = partial_path(t, stamp);
    fs::rename(e.path(), partial);
    return partial.string();
  }
  return "";
}

StagedOutput::StagedOutput(const std::string& target, const OutputKind& kind, const std::string& stamp)
    : stamp_(stamp), kind_(kind) {
  const fs::path t = canonical_target(target);
  target_ = t.string();
  fs::create_directories(t.parent_path());
  const fs::path staging = first_free(t.parent_path() / fmt::format("{}{}-{}", staging_prefix(t), stamp, long(getpid())));
  fs::create_directory(staging);
  staging_ = staging.string();
}

void StagedOutput::commit() {
  const fs::path t(target_), staging(staging_);
  if (!fs::exists(t)) {  // a new folder: one rename, atomic
    fs::rename(staging, t);
    return;
  }
  std::set<std::string> replaced(kind_.owned.begin(), kind_.owned.end());
  replaced.insert(kind_.derived.begin(), kind_.derived.end());
  for (const auto& e : fs::directory_iterator(staging)) replaced.insert(e.path().filename().string());

  const fs::path aside = first_free(t.parent_path() / fmt::format(".{}.replaced-{}-{}", t.filename().string(),
                                                                    stamp_, long(getpid())));
  fs::create_directory(aside);
  for (const auto& name : replaced)
    if (fs::exists(fs::symlink_status(t / name))) fs::rename(t / name, aside / name);
  for (const auto& e : fs::directory_iterator(staging)) fs::rename(e.path(), t / e.path().filename());
  fs::remove(staging);
  fs::remove_all(aside);
}

std::string StagedOutput::keep_partial() {
  const fs::path partial = partial_path(fs::path(target_), stamp_);
  fs::rename(staging_, partial);
  staging_ = partial.string();
  return staging_;
}

}  // namespace tcb
