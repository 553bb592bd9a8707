// `tcbench numerics`: numeric behaviour of every tensor-core path on the running GPU.
#pragma once
#include <cstddef>
#include <string>
#include <vector>
#include "harness/core/watchdog.hpp"

namespace tcb {

struct NumericsOptions {
  std::vector<std::string> argv;
  int device = 0;
  std::string out_dir;        // default: a new results/<gpu-slug>/runs/<UTC stamp>/
  bool force = false;         // replace the numerics results out_dir holds
  std::string filter;         // regex on atom name or PTX
  int cases = 100000;         // random validation cases per path
  int sample = 2000;          // of which this many are written with the hardware's bits
  unsigned long long seed = 0x6e756d65726963ULL;
  double timeout_seconds = kDefaultWatchdogSeconds;  // watchdog per GPU wait; 0: none
};

int cmd_numerics(const NumericsOptions&);

// How `tcbench numerics` ends: partial_reason "" (complete), "interrupted", "timed_out" or
// "failed"; a complete run in which the hardware disagrees with the model (a case mismatch, or a
// probe, derived or monotonicity row whose status is "disagrees") is kExitInvalidResults.
int numerics_exit_code(const std::string& partial_reason, long model_mismatches, size_t disagreeing_rows);

}  // namespace tcb
