#!/usr/bin/env bash
# CI stage `volta`: installs the CUDA 12.4 toolkit (scripts/cuda12_toolkit.sh: from the cache in
# .deps/cuda12-debs, else the Debian registry) and builds the `volta` preset's tcbench target
# (sm_70, mma_sync + wmma), compile only: no V100 here; then its SASS against sass/sm_70. When
# neither the registry nor the cache has the packages (cuda12_toolkit.sh exit 3), it skips with
# the reason and exits 0; any other failure fails the stage. docs/volta_toolkit.md.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
bash scripts/cuda12_toolkit.sh "$@" || status=$?
if ((status == 3)); then
  echo "ci_volta: SKIPPED: no CUDA 12 toolkit packages reachable (neither registry nor .deps/cuda12-debs); the volta build was not checked" >&2
  exit 0
fi
((status == 0)) || { echo "ci_volta: cuda12_toolkit.sh failed (exit $status)" >&2; exit "$status"; }
start=$SECONDS
cmake --preset volta
cmake --build --preset volta -j "${CI_VOLTA_JOBS:-2}"
echo "ci_volta: volta build done in $((SECONDS - start)) s" >&2
# cuobjdump from the toolkit the build used (CUDA 13's tools no longer read sm_70 code).
nvcc=$(sed -n 's/^CMAKE_CUDA_COMPILER:[A-Z]*=//p' build-volta/CMakeCache.txt)
PATH="$(dirname "$nvcc"):$PATH" bash scripts/sass_check.sh build-volta/tcbench --require sm_70
