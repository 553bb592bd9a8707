// Which instruction families (TCBENCH_FAMILIES) this build compiled: a test of a family's
// registered benchmarks skips, naming the reason, in a build without it (the `volta` preset
// builds mma_sync and wmma only).
#pragma once

#include <string>

namespace tcb::test {

inline bool family_built(const std::string& family) {
#ifdef TCB_BUILT_FAMILIES
  return (std::string(",") + TCB_BUILT_FAMILIES + ",").find("," + family + ",") != std::string::npos;
#else
  (void)family;
  return true;
#endif
}

}  // namespace tcb::test

// In a TEST body: skips it when FAMILY (a TCBENCH_FAMILIES entry) was not built.
#define TCB_SKIP_UNLESS_FAMILY_BUILT(FAMILY)                                                       \
  if (!::tcb::test::family_built(FAMILY))                                                          \
  GTEST_SKIP() << FAMILY << " is not in TCBENCH_FAMILIES of this build (" TCB_BUILT_FAMILIES_TEXT ")"
#ifdef TCB_BUILT_FAMILIES
#define TCB_BUILT_FAMILIES_TEXT TCB_BUILT_FAMILIES
#else
#define TCB_BUILT_FAMILIES_TEXT "all"
#endif
