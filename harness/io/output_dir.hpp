// Where a command's results go, and how they get there without losing or mixing runs
// (docs/results_safety.md):
//  - the default folder is a new one, results/<gpu-slug>/runs/<UTC stamp>/, never an existing one;
//  - an explicit folder that already holds this command's results is refused (exit 7) unless
//    --force asks to replace them;
//  - everything is written into a staging folder beside the target; a complete run is moved into
//    the target (replacing only what the previous run of the same command wrote, and the reports
//    derived from it), a partial one is kept as <target>.partial-<stamp> beside the intact target.
#pragma once
#include <string>
#include <vector>

namespace tcb {

// The files and folders one command owns inside a results folder.
struct OutputKind {
  const char* command;               // "run", for messages
  const char* marker;                // the file whose presence means "holds a run"; "": any entry
  std::vector<std::string> owned;    // written by the command
  std::vector<std::string> derived;  // made from them by other tools (reports): stale once replaced
};
extern const OutputKind kRunOutput;       // run.json, instructions.csv, benchmark.json.gz; report.md, plots/
extern const OutputKind kNumericsOutput;  // numerics_run.json, numerics.csv, numerics_sample/; numerics.md
extern const OutputKind kSassOutput;      // README.md and the <arch>/ folders it writes
extern const OutputKind kNodeOutput;      // tcbench run --devices: node.json, logs/; interference.md, .csv

std::string utc_stamp();  // e.g. "20261204T154111Z": sortable, no characters a shell minds

// <base>/<stamp>, or <base>/<stamp>-2, -3, ... : the first that does not exist yet.
std::string new_run_folder(const std::string& base, const std::string& stamp);

// Why `dir` must not be written by `kind`'s command, or "" when it may: it holds the command's
// results (its marker; any entry when the marker is "") and `force` was not given, or it is not
// a folder at all.
std::string output_refusal(const std::string& dir, const OutputKind& kind, bool force);

// output_refusal said on stderr as "tcbench <command>: <why>"; true when refused (exit kExitExists).
bool refuse_output(const char* command, const std::string& dir, const OutputKind& kind, bool force);

// The staging folder a process `pid` left beside `target` when it died without finishing (killed
// or crashed: no commit, no keep_partial), renamed as keep_partial would have named it; returns
// that path, or "" when there is none.
std::string salvage_staging(const std::string& target, long pid, const std::string& stamp);

class StagedOutput {
 public:
  // Creates the staging folder beside `target` (same file system: moves are renames).
  StagedOutput(const std::string& target, const OutputKind& kind, const std::string& stamp);
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;
  const std::string& dir() const { return staging_; }  // write the outputs here
  const std::string& target() const { return target_; }
  // Moves the outputs into the target (created if missing). First the target's entries that
  // this command owns or that derive from them, and those the staging folder replaces whole,
  // are moved aside; then the new ones are moved in; then the old ones are deleted. Entries
  // of other commands (numerics beside a run, hopper/ subfolders) stay. Throws on failure.
  void commit();
  // Renames the staging folder to <target>.partial-<stamp> (<target>.partial when the target's
  // name is the stamp itself) beside the untouched target, and returns that path.
  std::string keep_partial();

 private:
  std::string target_, staging_, stamp_;
  const OutputKind& kind_;
};

}  // namespace tcb
