#!/usr/bin/env bash
# The test command: builds (preset "default"), then runs every C++ test (unit + gpu labels)
# and the Python tests. Without a GPU the GPU tests skip themselves and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"  # nvcc, for CMake's CUDA compiler check
# cuobjdump/nvdisasm from the PyPI wheels, until every find_tool caller uses locate_tool
# (harness/shell.hpp), which searches the wheels itself: then these two lines go.
wheel_bin=$(python3 -c 'import nvidia,os;print(os.path.join(nvidia.__path__[0],"cu13","bin"))' 2>/dev/null || true)
[ -n "$wheel_bin" ] && [ -d "$wheel_bin" ] && export PATH="$PATH:$wheel_bin"
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
