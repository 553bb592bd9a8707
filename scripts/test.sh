#!/usr/bin/env bash
# The test command: builds (preset "default"), then runs every C++ test (unit + gpu labels)
# and the Python tests. Without a GPU the GPU tests skip themselves and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"  # nvcc, for CMake's CUDA compiler check
cmake --preset default >/dev/null
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)"
status=0
python3 -m pytest -q tests/python || status=$?
# Exit 5 is pytest's "collected no tests": a test command that tested nothing has not passed.
if ((status == 5)); then
  echo "test: pytest collected no tests in tests/python, so nothing on the Python side was tested" >&2
  exit 1
fi
exit "$status"
