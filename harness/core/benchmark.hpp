// A benchmark as the runner sees it, whatever its family: a name, the instruction it measures, the
// row it reports under, whether this GPU can run it, and a run function that receives a State
// (harness/core/state.hpp). Families register a provider of their benchmarks once
// (TCB_REGISTER_FAMILY); the runner, `list`, the config and the CLI read this registry and know
// no family. See docs/adding_a_family.md.
#pragma once
#include <functional>
#include <string>
#include <vector>
#include "harness/core/arch_range.hpp"
#include "harness/io/result_row.hpp"

namespace tcb {
struct DeviceInfo;
}

namespace tcb::core {

class State;

struct Benchmark {
  // family, ptx, atom (the benchmark's name), shape and types: every row of this benchmark
  // starts as a copy of it (the runner adds arch; the family adds the rest).
  ResultRow row;
  // The results table its rows go to: "instructions", "movement", "energy" (<table>.csv).
  std::string table = "instructions";
  // "" when this GPU (and this build) can run it, else why not (the skipped row's note).
  std::function<std::string(const DeviceInfo&)> unsupported;
  std::function<void(State&)> run;
  // Extra text the config's include/exclude regexes also match (e.g. "atom/load_a").
  std::string selection_tag;
  // SASS facts for families without atoms: a substring of the (demangled) names of this
  // benchmark's kernels, and an RE2 regex of the opcodes that identify its work ("^LDSM",
  // "^(LDGSTS|LDGDEPBAR)"). The runner records the matching opcodes found in those kernels in
  // the rows' sass_opcodes and sets native when at least one matches. Empty: not inspected this
  // way (the MMA families inspect by atom).
  std::string sass_kernel;
  std::string sass_opcodes;
  // The architectures it exists on, declared once (harness/core/arch_range.hpp): on a GPU
  // outside the range the runner skips it with the reason in the row, before `unsupported`.
  // min_sm 0: no range (every GPU). arch_specific: needs an sm_XXa / sm_XXf target.
  int min_sm = 0, max_sm = 0;
  bool arch_specific = false;
  // false until a run on a GPU of its range exists (the Blackwell atoms): `info` and the rows say so.
  bool measured = true;

  ArchRange arch_range() const { return {min_sm, max_sm, arch_specific}; }

  const std::string& family() const { return row.family; }
  const std::string& name() const { return row.atom; }
};

// A family's benchmarks, built on first use (after every static initialiser has run).
using FamilyProvider = std::vector<Benchmark> (*)();

struct FamilyRegistrar {
  // test_only: registered apart, so that nothing iterating benchmarks() meets it; only a sweep
  // naming the family runs it (the watchdog's "selftest").
  // own_sweep: a real family that a sweep runs only where it names it: left out of the default
  // family list (energy: seconds of steady load per point, configs/energy.yaml).
  FamilyRegistrar(const char* family, FamilyProvider provider, bool test_only = false, bool own_sweep = false);
};

// Every registered non-test family's benchmarks, in registration order (the link order of
// families/CMakeLists.txt), and the test families'.
const std::vector<Benchmark>& benchmarks();
const std::vector<Benchmark>& test_benchmarks();
// The names of the registered families in registration order (test families only with include_test).
std::vector<std::string> family_names(bool include_test = false);
// The families a sweep runs when it names none: the non-test families without an own sweep.
std::vector<std::string> default_family_names();

}  // namespace tcb::core

// One line in a family's folder registers it: TCB_REGISTER_FAMILY(movement, "movement", provider).
#define TCB_REGISTER_FAMILY(id, family, provider) \
  static const ::tcb::core::FamilyRegistrar tcb_family_registrar_##id { family, provider }
#define TCB_REGISTER_TEST_FAMILY(id, family, provider) \
  static const ::tcb::core::FamilyRegistrar tcb_family_registrar_##id { family, provider, true }
#define TCB_REGISTER_OWN_SWEEP_FAMILY(id, family, provider) \
  static const ::tcb::core::FamilyRegistrar tcb_family_registrar_##id { family, provider, false, true }
