#!/usr/bin/env bash
# Makes a machine ready to build and test tcbench. It looks for the things themselves, not for
# package names: commands with `command -v`, C++ libraries and the CUDA compiler with CMake's own
# find_package / check_language (scripts/dependency_probe, the same calls the real build makes),
# Python modules by importing them. Only what is really missing is installed -- Debian packages
# with apt-get, Python packages with pip -- and only then is the network touched, after a message
# naming it. A machine that has everything needs no network: setup exits 0 without calling
# apt-get or pip. When something cannot be installed, setup exits 1 naming exactly what is
# missing and how to install it.
#
# Testing hook: TCB_SETUP_PRETEND_MISSING="yaml-cpp pandas" (names from the first column of the
# tables below, separated by spaces or commas) treats those as missing although they are present.
set -euo pipefail
cd "$(dirname "$0")/.."

# ---- what the build and the tests need: one table per kind, name -> where it comes from --------
# Commands: command -> Debian package.
COMMANDS=(
  "cmake       cmake"
  "ninja       ninja-build"
  "g++         g++"
  "pkg-config  pkg-config"
  "python3     python3"
)
# What CMakeLists.txt and tests/CMakeLists.txt look for, as find_package names -> Debian package.
# "pkg-config:<module>" is found through pkg-config, "language:CUDA" is CMake's CUDA compiler
# check, "a|b" is found when either is; "-" marks what no Debian package provides (see
# missing_hint). nlohmann_json is not listed: the build uses its vendored copy when the system
# has none.
LIBRARIES=(
  "language:CUDA   -"
  "CUDAToolkit     -"
  "yaml-cpp        libyaml-cpp-dev"
  "fmt             libfmt-dev"
  "GTest           libgtest-dev"
  "benchmark       libbenchmark-dev"
  "ZLIB            zlib1g-dev"
  "re2|pkg-config:re2  libre2-dev"
)
# Python modules the analysis package and the tests import -> PyPI package (scipy: Google
# Benchmark's compare.py in the tests; wheel: the offline build of the analysis package;
# jsonschema: the cost-table validation).
PYTHON_MODULES=(
  "jsonschema  jsonschema"
  "matplotlib  matplotlib"
  "pandas      pandas"
  "pytest      pytest"
  "scipy       scipy"
  "wheel       wheel"
)
# Disassemblers for the SASS checks, which need no GPU -> PyPI wheel, used when the CUDA toolkit
# lacks them. Where they are looked for mirrors find_tool in harness/io/shell.cpp.
SASS_TOOLS=(
  "cuobjdump  nvidia-cuda-cuobjdump"
  "nvdisasm   nvidia-cuda-nvdisasm"
)
CUDA_BIN=/usr/local/cuda/bin

say() { echo "setup: $*" >&2; }
PRETEND_MISSING=" ${TCB_SETUP_PRETEND_MISSING:-} "
pretend_missing() {  # $1: a name, or alternatives "a|b" (pretending any of them is enough)
  local name
  for name in ${1//|/ }; do [[ "${PRETEND_MISSING//,/ }" == *" $name "* ]] && return 0; done
  return 1
}
have_command() { ! pretend_missing "$1" && command -v "$1" >/dev/null 2>&1; }

missing_hint() {  # how to get something no package manager here provides
  case "$1" in
    language:CUDA|CUDAToolkit)
      echo "the CUDA toolkit (nvcc), from https://developer.nvidia.com/cuda-downloads, on PATH or in $CUDA_BIN" ;;
    probe) echo "see the CMake output above" ;;
    *) echo "no package known for it" ;;
  esac
}

# ---- detection: fills MISSING ("name package" rows, package "-" when none) --------------------
MISSING=()

# check_rows TABLE TEST: for each "name package" row of the array TABLE, TEST name, else MISSING.
check_rows() {
  local -n rows=$1
  local row name pkg
  for row in "${rows[@]}"; do
    read -r name pkg <<<"$row"
    "$2" "$name" || MISSING+=("$name $pkg")
  done
}

check_commands() { check_rows COMMANDS have_command; }

# Runs the CMake probe over LIBRARIES (those the hook pretends missing are skipped). Needs cmake
# and a C++ compiler, which check_commands looks for first.
check_libraries() {
  local row name pkg probe_list="" work status=0
  for row in "${LIBRARIES[@]}"; do
    read -r name pkg <<<"$row"
    if pretend_missing "$name"; then MISSING+=("$name $pkg"); else probe_list+="$name;"; fi
  done
  [ -n "$probe_list" ] || return 0
  work=$(mktemp -d)
  # nvcc is looked for where scripts/test.sh and .ci/run look: PATH, then the toolkit's folder.
  PATH="$PATH:$CUDA_BIN" cmake -S scripts/dependency_probe -B "$work/build" \
    -DTCB_PROBE_PACKAGES="$probe_list" -DTCB_PROBE_MISSING_FILE="$work/missing" >"$work/log" 2>&1 || status=$?
  if ((status)); then
    cat "$work/log" >&2
    say "the CMake dependency probe (scripts/dependency_probe) failed: is CMake >= 3.24 and a C++ compiler installed?"
    MISSING+=("probe -")
  else
    while read -r name; do
      for row in "${LIBRARIES[@]}"; do
        if [ "${row%% *}" = "$name" ]; then MISSING+=("$row"); fi
      done
    done <"$work/missing"
  fi
  rm -rf "$work"
}

python_has() { ! pretend_missing "$1" && python3 -c "import $1" >/dev/null 2>&1; }

check_python_modules() { check_rows PYTHON_MODULES python_has; }

# The folders of the NVIDIA PyPI wheels' executables (site-packages/nvidia/<x>/bin).
wheel_bin_dirs() {
  python3 -c 'import glob,os,nvidia
for p in nvidia.__path__: print("\n".join(sorted(glob.glob(os.path.join(p, "*", "bin")))))' 2>/dev/null || true
}

have_sass_tool() {
  local dir
  pretend_missing "$1" && return 1
  command -v "$1" >/dev/null 2>&1 && return 0
  for dir in ${CUDA_HOME:+"$CUDA_HOME/bin"} "$CUDA_BIN" $(wheel_bin_dirs); do
    [ -x "$dir/$1" ] && return 0
  done
  return 1
}

check_sass_tools() {
  local row name pkg
  for row in "${SASS_TOOLS[@]}"; do
    read -r name pkg <<<"$row"
    have_sass_tool "$name" || MISSING+=("$name $pkg")
  done
}

check_system() {
  MISSING=()
  check_commands
  if have_command cmake && have_command g++; then check_libraries; fi
}

check_python() {
  MISSING=()
  check_python_modules
  check_sass_tools
}

# ---- installation: only what MISSING names --------------------------------------------------
packages_of_missing() {  # the packages of the MISSING rows, minus "-" and those in $1
  local row pkg
  for row in "${MISSING[@]}"; do
    pkg=${row##* }
    if [ "$pkg" != "-" ] && [[ " $1 " != *" $pkg "* ]]; then echo "$pkg"; fi
  done | sort -u | paste -sd ' ' -
}

describe_missing() {
  local row
  for row in "${MISSING[@]}"; do
    if [ "${row##* }" = "-" ]; then echo "  ${row%% *}: $(missing_hint "${row%% *}")"
    else echo "  ${row%% *} (package ${row##* })"; fi
  done
}

apt_install() {
  local sudo=""
  command -v apt-get >/dev/null 2>&1 || { say "apt-get not found: install these with your package manager"; return 1; }
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing Debian packages with apt-get (uses the network): $*"
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" && return 0
  say "apt-get could not install $* (no network, no permission, or no such package)"
  return 1
}

pip_install() {
  local pip=(python3 -m pip install -q --disable-pip-version-check)
  say "installing Python packages with pip (uses the network): $*"
  # PEP 668 systems refuse plain pip installs outside a virtual environment: then say so and retry.
  "${pip[@]}" "$@" 2>/dev/null || "${pip[@]}" --break-system-packages "$@" && return 0
  say "pip could not install $* (no network, or no such package)"
  return 1
}

# Installs what one check finds missing, re-checks, and repeats while that installs something new
# (the libraries can only be probed once cmake and g++ are there). Exits 1 naming what is left.
# $1: the check; $2: the installer; $3: how the user would install the packages themselves.
install_missing() {
  local check=$1 installer=$2 manual=$3 tried="" todo
  "$check"
  while todo=$(packages_of_missing "$tried"); [ -n "$todo" ]; do
    say "missing:"; describe_missing >&2
    # shellcheck disable=SC2086  # one word per package
    "$installer" $todo || break
    tried+=" $todo"
    INSTALLED+=" $todo"
    "$check"
  done
  ((${#MISSING[@]} == 0)) && return 0
  say "still missing, so the build or the tests cannot run:"
  describe_missing >&2
  todo=$(packages_of_missing "")
  [ -z "$todo" ] || say "install with: $manual $todo (then rerun scripts/setup.sh)"
  exit 1
}

check_pip() {
  MISSING=()
  { ! pretend_missing pip && python3 -c "import pip" >/dev/null 2>&1; } || MISSING+=("pip python3-pip")
}

INSTALLED=""
install_missing check_system apt_install "sudo apt-get install"
check_python
((${#MISSING[@]} == 0)) || install_missing check_pip apt_install "sudo apt-get install"
install_missing check_python pip_install "python3 -m pip install"

if ! command -v nvcc >/dev/null 2>&1; then
  say "note: nvcc is in $CUDA_BIN, which is not on PATH; scripts/test.sh adds it, for your own" \
      "cmake commands run: export PATH=\"\$PATH:$CUDA_BIN\""
fi
say "ok${INSTALLED:+ (installed:$INSTALLED)}"
