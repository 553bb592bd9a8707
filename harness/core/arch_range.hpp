// Architecture names and ranges: "sm_90a" (arch-specific: runs on exactly sm_90), "sm_100f"
// (family: runs on sm_100 and later members of its family), "sm_80" (runs on sm_80 and later).
// Each benchmark declares its range once (core::Benchmark::min_sm / max_sm / arch_specific);
// the runner skips what the GPU is outside of and says why, `tcbench info [--arch]` lists it.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace tcb {

struct Arch {
  int sm = 0;        // 90 for sm_90a
  char suffix = 0;   // 0, 'a' (arch-specific) or 'f' (family)
};

// "sm_90a", "90a", "compute_100f", "SM_86" -> Arch; nullopt for anything else.
std::optional<Arch> parse_arch(const std::string& text);
std::string arch_name(const Arch& a);  // "sm_90a"
// A comma- or semicolon-separated list ("80,90a" as TCB_BUILT_ARCHS holds it); bad entries dropped.
std::vector<Arch> parse_arch_list(const std::string& text);

struct ArchRange {
  int min_sm = 0;              // 0: no range declared (every GPU)
  int max_sm = 0;              // 0: no upper bound
  bool arch_specific = false;  // needs an 'a' or 'f' target (tcgen05, wgmma, block-scaled mma)

  bool declared() const { return min_sm > 0; }
  bool contains(int sm) const { return sm >= min_sm && (max_sm == 0 || sm <= max_sm); }
  // Whether code built for `a` may hold this range's instructions: in range, and suffixed when
  // the range is arch-specific.
  bool built_by(const Arch& a) const { return contains(a.sm) && (!arch_specific || a.suffix != 0); }
  // "sm_100a..sm_100a", "sm_80+", "sm_70..sm_89"
  std::string describe() const;
};

// "" when a GPU of compute capability `sm` is in the range; else "needs <range>; this GPU is sm_<sm>".
std::string range_problem(const ArchRange& range, int sm);
// "" when some architecture of the build (TCB_BUILT_ARCHS) can hold the range's code; else why not.
std::string build_problem(const ArchRange& range, const std::string& built_archs);

}  // namespace tcb
