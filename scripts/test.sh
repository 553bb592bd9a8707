#!/usr/bin/env bash
# The test command: builds (preset "default"), then runs every C++ test (unit + gpu labels)
# and the Python tests. Without a GPU the GPU tests skip themselves and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
# cuobjdump/nvdisasm from the PyPI wheels, when the toolkit lacks them
wheel_bin=$(python3 -c 'import nvidia,os;print(os.path.join(nvidia.__path__[0],"cu13","bin"))' 2>/dev/null || true)
[ -n "$wheel_bin" ] && [ -d "$wheel_bin" ] && export PATH="$PATH:$wheel_bin"
cmake --preset default >/dev/null
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)"
python3 -m pytest -q tests/python
