#!/usr/bin/env bash
# CI stage `archs`: compiles, without a GPU, the `all` preset's architectures that the default
# build (80;90a) does not hold — Turing sm_75 (the oldest CUDA 13 target, cp.async/ldmatrix
# guards), sm_86, sm_89, sm_100a and sm_100f (tcgen05, arch-specific and family targets) — and
# sm_120a / sm_120f (block-scaled mma.sync), then checks their SASS against the committed sass/
# (scripts/sass_check.sh). Each preset's own build tree: scripts/build_presets.sh (results/builds/).
#
#   CI_ARCHS="75;86;89;100a;100f;120a;120f" JOBS=2 scripts/ci_archs.sh
#
# sm_80 and sm_90a are the default build's (.ci/run stage `sass`), sm_70 the volta stage's: with
# these, CI checks every architecture of sass/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
archs=${CI_ARCHS:-75;86;89;100a;100f;120a;120f}
build=${CI_ARCHS_BUILD:-build-ci-archs}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "-DTCBENCH_CUDA_ARCHS=$archs" -DTCBENCH_BUILD_TESTS=OFF
cmake --build "$build" --target tcbench -j "${JOBS:-$(nproc)}"
require=()
for a in ${archs//;/ }; do require+=("sm_$a"); done
bash scripts/sass_check.sh "$build/tcbench" --require "${require[@]}"
