#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine with the CUDA toolkit lacks to build and test
# tcbench. Safe to re-run; installs nothing that is already present.
set -euo pipefail
need=()
for pkg in cmake ninja-build g++ libyaml-cpp-dev libfmt-dev libgtest-dev libbenchmark-dev python3-pip; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# Python side: plots/reports, tests, and a cuobjdump+nvdisasm that work without a GPU
# (so the SASS expectations of the sm_90a build are checked on any machine).
py_need=()
python3 -c "import matplotlib" 2>/dev/null || py_need+=(matplotlib)
python3 -c "import pandas" 2>/dev/null || py_need+=(pandas)
python3 -c "import pytest" 2>/dev/null || py_need+=(pytest)
command -v cuobjdump >/dev/null || [ -x "$(python3 -c 'import nvidia,os;print(os.path.join(nvidia.__path__[0],"cu13","bin","cuobjdump"))' 2>/dev/null)" ] \
  || py_need+=(nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm)
if ((${#py_need[@]})); then
  python3 -m pip install -q --disable-pip-version-check "${py_need[@]}" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "${py_need[@]}"
fi
command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ] || {
  echo "setup: the CUDA toolkit (nvcc) is required and was not found" >&2; exit 1; }
echo "setup: ok"
