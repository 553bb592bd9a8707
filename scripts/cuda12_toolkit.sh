#!/usr/bin/env bash
# Installs a CUDA 12.4 compiler (nvcc V12.4.131) without root, for the Volta build (sm_70/sm_72,
# which CUDA 13 dropped): six Debian trixie non-free packages fetched with `apt-get download`
# (a private apt state, no root) and unpacked with `dpkg-deb -x` into a standard CUDA layout
# (bin/, nvvm/, include/, lib64/) that CMake's CUDA detection understands.
# Why Debian's CUDA 12.4 and not the PyPI nvcc wheel or CUDA 12.9: docs/volta_toolkit.md.
#
# usage: scripts/cuda12_toolkit.sh [--prefix DIR] [--offline DEBDIR]
#   --prefix DIR      where the toolkit goes (default .deps/cuda12)
#   --offline DEBDIR  use only the .deb files in DEBDIR, never the network
# Without --offline, .deps/cuda12-debs is the cache: used when it holds all six packages, else
# filled from the registry (TCB_CUDA12_MIRROR, default http://deb.debian.org/debian);
# TCB_CUDA12_CACHE moves the cache.
# Exit: 0 installed (or already there), 2 usage, 3 neither registry nor cache has the packages,
# 4 unpacking or verification failed. Running it again on a good install does nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PACKAGES=(nvidia-cuda-toolkit libnvvm4 nvidia-cuda-dev libcudart12 libcupti-dev libcupti12)
prefix=$root/.deps/cuda12
cache=${TCB_CUDA12_CACHE:-$root/.deps/cuda12-debs}
offline=""
mirror=${TCB_CUDA12_MIRROR:-http://deb.debian.org/debian}

say() { echo "cuda12_toolkit: $*" >&2; }
usage() { sed -n '8,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while (($#)); do
  case "$1" in
    --prefix) (($# >= 2)) && [[ -n "$2" ]] || { say "--prefix needs a directory"; usage; }; prefix=$2; shift 2 ;;
    --offline) (($# >= 2)) && [[ -n "$2" ]] || { say "--offline needs a directory of .deb files"; usage; }
               offline=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) say "unknown argument: $1"; usage ;;
  esac
done
mkdir -p "$(dirname "$prefix")" && prefix=$(cd "$(dirname "$prefix")" && pwd)/$(basename "$prefix")

nvcc_is_12() { "$1" --version 2>/dev/null | grep -q 'release 12\.'; }
if [[ -x "$prefix/bin/nvcc" ]] && nvcc_is_12 "$prefix/bin/nvcc" && [[ -f "$prefix/.tcbench-installed" ]]; then
  say "already installed: $prefix ($("$prefix/bin/nvcc" --version | grep release))"
  exit 0
fi

have_all() {  # have_all DIR: DIR holds one .deb of each package
  local p
  for p in "${PACKAGES[@]}"; do compgen -G "$1/${p}_*.deb" >/dev/null || return 1; done
}

# ---- the packages: --offline dir, else the cache, else the registry into the cache ------------
if [[ -n "$offline" ]]; then
  [[ -d "$offline" ]] && have_all "$offline" || {
    say "--offline $offline lacks some of: ${PACKAGES[*]} (.deb files); nothing fetched"; exit 3; }
  debs=$offline
elif have_all "$cache"; then
  say "using cached packages in $cache"
  debs=$cache
else
  command -v apt-get >/dev/null || { say "apt-get not found and $cache incomplete: no way to get ${PACKAGES[*]}"; exit 3; }
  say "fetching ${PACKAGES[*]} (about 1 GB) from $mirror trixie non-free into $cache"
  state=$root/.deps/cuda12-apt
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/sources.d" "$cache"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [signed-by=$keyring] $mirror trixie non-free" > "$state/sources.list"
  apt_opts=(-o "Dir::State=$state" -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=/dev/null"
            -o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=$state/sources.d"
            -o "Dir::Cache=$state/cache" -o "Debug::NoLocking=1" -o "Acquire::Retries=2")
  if ! apt-get "${apt_opts[@]}" update >"$state/update.log" 2>&1; then
    say "the registry is not reachable ($mirror): $(tail -n 2 "$state/update.log" | tr '\n' ' ')"; exit 3
  fi
  if ! (cd "$cache" && apt-get "${apt_opts[@]}" download "${PACKAGES[@]}") >"$state/download.log" 2>&1; then
    say "download failed: $(tail -n 3 "$state/download.log" | tr '\n' ' ')"; exit 3
  fi
  have_all "$cache" || { say "download finished but $cache lacks some of ${PACKAGES[*]}"; exit 3; }
  debs=$cache
fi

# ---- unpack into a staging dir, assemble the standard layout, verify, then move in place -----
stage=$(mktemp -d "${prefix}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
fail() { say "$*"; exit 4; }
for p in "${PACKAGES[@]}"; do
  deb=$(ls "$debs/${p}_"*.deb | sort -V | tail -n 1)
  dpkg-deb -x "$deb" "$stage/deb" || fail "cannot unpack $deb (corrupt? delete it and run again)"
done
d=$stage/deb; t=$stage/tk
kit=$d/usr/lib/nvidia-cuda-toolkit; lib=$d/usr/lib/x86_64-linux-gnu
[[ -x $kit/bin/nvcc && -x $kit/bin/cicc ]] || fail "the packages hold no nvcc/cicc under usr/lib/nvidia-cuda-toolkit/bin"
nvcc_is_12 "$kit/bin/nvcc" || fail "the packaged nvcc is not CUDA 12.x: $("$kit/bin/nvcc" --version 2>&1 | tail -n 2 | tr '\n' ' ')"
mkdir -p "$t/bin" "$t/nvvm/bin" "$t/nvvm/lib64" "$t/lib64/stubs"
cp -a "$kit/bin/nvcc" "$kit/bin/crt" "$t/bin/"
for tool in ptxas fatbinary nvlink cudafe++ cuobjdump nvdisasm bin2c cu++filt nvprune; do
  cp -a "$d/usr/bin/$tool" "$t/bin/" || fail "missing $tool"
done
cp -a "$kit/bin/cicc" "$t/nvvm/bin/"
cp -a "$kit/libdevice" "$t/nvvm/"
cp -a "$d/usr/include" "$t/include"
cp -a "$lib"/libnvvm.so* "$t/nvvm/lib64/"
# Only what tcbench links or nvcc needs: the runtime, CUPTI (and the perf libs it loads), the stubs.
for l in libcudart.so* libcudart_static.a libcudadevrt.a libculibos.a libcupti.so* libcupti_static.a \
         libnvperf_host.so libnvperf_target.so libpcsamplingutil.so; do
  cp -a "$lib"/$l "$t/lib64/" || fail "missing $l"
done
cp -a "$lib/stubs/libcuda.so" "$lib/stubs/libnvidia-ml.so" "$t/lib64/stubs/"
# nvcc reads nvcc.profile beside itself; Debian's points at /usr paths, this one at the prefix.
cat > "$t/bin/nvcc.profile" <<'EOF'
TOP              = $(_HERE_)/..
NVVMIR_LIBRARY_DIR = $(TOP)/nvvm/libdevice
LD_LIBRARY_PATH += $(TOP)/lib64:
PATH            += $(TOP)/nvvm/bin:$(_HERE_):
INCLUDES        +=  "-I$(TOP)/include" $(_SPACE_)
LIBRARIES        =+ $(_SPACE_) "-L$(TOP)/lib64/stubs" "-L$(TOP)/lib64"
CUDAFE_FLAGS    +=
PTXAS_FLAGS     +=
EOF
nvcc_is_12 "$t/bin/nvcc" || fail "the unpacked nvcc is not CUDA 12.x: $("$t/bin/nvcc" --version 2>&1 | tail -n 2 | tr '\n' ' ')"
printf '__global__ void k(float *p) { p[threadIdx.x] += 1.f; }\n' > "$stage/probe.cu"
"$t/bin/nvcc" -arch=sm_70 -cubin -o "$stage/probe.cubin" "$stage/probe.cu" >"$stage/probe.log" 2>&1 ||
  fail "the unpacked nvcc cannot compile for sm_70: $(tail -n 3 "$stage/probe.log" | tr '\n' ' ')"
"$t/bin/cuobjdump" --dump-sass "$stage/probe.cubin" 2>/dev/null | grep -q 'code for sm_70' || fail "cuobjdump cannot read the sm_70 probe"
"$t/bin/nvcc" --version | grep release > "$t/.tcbench-installed"
rm -rf "$prefix"
mv "$t" "$prefix" || fail "cannot move the toolkit to $prefix"
say "installed $prefix ($(cat "$prefix/.tcbench-installed")); $(du -sh "$prefix" | cut -f1)"
