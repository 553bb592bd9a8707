"""Volta support (issue #15): scripts/cuda12_toolkit.sh's usage errors and exit codes (2 usage,
3 no registry/cache, 4 unpack/verify failure, 0 already installed, no network then), the CMake
refusal without a CUDA 12 toolkit or with a CUDA 13 one, the `volta` preset and CI stage.
No network, no GPU: the registry is a failing apt-get stub, the debs are fakes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "cuda12_toolkit.sh"
PACKAGES = ("nvidia-cuda-toolkit", "libnvvm4", "nvidia-cuda-dev", "libcudart12", "libcupti-dev", "libcupti12")


def run_script(tmp_path: Path, *args: str, apt_get: str | None = "exit 100") -> subprocess.CompletedProcess:
    """Runs the script with an empty cache and a stub apt-get (a shell body; None: no apt-get on
    PATH at all) that logs its calls."""
    stub = tmp_path / "stub_bin"
    stub.mkdir(exist_ok=True)
    log = tmp_path / "apt.log"
    for tool in ("bash", "dirname", "mkdir", "basename", "sed", "grep", "tail", "tr", "ls", "sort", "mktemp",
                 "rm", "cp", "mv", "cat", "du", "cut", "dpkg-deb", "printf", "env", "tar", "xz", "gzip", "zstd",
                 "head", "readlink", "compgen"):
        path = shutil.which(tool)
        if path and not (stub / tool).exists():
            (stub / tool).symlink_to(path)
    if apt_get is not None:
        (stub / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {log}\n{apt_get}\n')
        (stub / "apt-get").chmod(0o755)
    env = dict(os.environ, PATH=str(stub), TCB_CUDA12_CACHE=str(tmp_path / "cache"))
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("args", [["--bogus"], ["--prefix"], ["--offline"], ["--prefix", ""]])
def test_usage_errors_exit_2(tmp_path, args):
    r = run_script(tmp_path, *args)
    assert r.returncode == 2, r.stderr
    assert "usage: scripts/cuda12_toolkit.sh" in r.stderr
    assert not (tmp_path / "apt.log").exists(), "a usage error must not touch the registry"


def test_help_exits_0(tmp_path):
    r = run_script(tmp_path, "--help")
    assert r.returncode == 0 and "--offline DEBDIR" in r.stderr


def test_offline_without_debs_exits_3_and_installs_nothing(tmp_path):
    empty = tmp_path / "debs"
    empty.mkdir()
    r = run_script(tmp_path, "--prefix", str(tmp_path / "tk"), "--offline", str(empty))
    assert r.returncode == 3, r.stderr
    assert "lacks some of" in r.stderr and "nvidia-cuda-toolkit" in r.stderr
    assert not (tmp_path / "tk").exists()
    assert not (tmp_path / "apt.log").exists(), "--offline must never call apt-get"


def test_unreachable_registry_exits_3(tmp_path):
    r = run_script(tmp_path, "--prefix", str(tmp_path / "tk"), apt_get="echo 'E: could not resolve' >&2; exit 100")
    assert r.returncode == 3, r.stderr
    assert "not reachable" in r.stderr
    assert "update" in (tmp_path / "apt.log").read_text()
    assert not (tmp_path / "tk").exists()


def test_no_apt_get_and_no_cache_exits_3(tmp_path):
    r = run_script(tmp_path, "--prefix", str(tmp_path / "tk"), apt_get=None)
    assert r.returncode == 3, r.stderr
    assert "apt-get not found" in r.stderr


def test_corrupt_debs_exit_4(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    for p in PACKAGES:
        (debs / f"{p}_12.4.0-1_amd64.deb").write_bytes(b"not a deb")
    r = run_script(tmp_path, "--prefix", str(tmp_path / "tk"), "--offline", str(debs))
    assert r.returncode == 4, r.stderr
    assert "cannot unpack" in r.stderr
    assert not (tmp_path / "tk").exists()


def fake_deb(debs: Path, package: str, files: dict[str, str]) -> None:
    root = debs / f"src-{package}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 13.0-1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: fake\n")
    for rel, body in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(body)
        f.chmod(0o755)
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(debs / f"{package}_13.0-1_amd64.deb")],
                   check=True, capture_output=True)
    shutil.rmtree(root)


@pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="dpkg-deb not installed")
def test_debs_with_cuda_13_nvcc_are_refused_exit_4(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    kit = "usr/lib/nvidia-cuda-toolkit/bin"
    for p in PACKAGES:
        files = {}
        if p == "nvidia-cuda-toolkit":
            files = {f"{kit}/nvcc": "#!/bin/sh\necho 'Cuda compilation tools, release 13.0, V13.0.88'\n",
                     f"{kit}/cicc": "#!/bin/sh\n"}
        fake_deb(debs, p, files)
    r = run_script(tmp_path, "--prefix", str(tmp_path / "tk"), "--offline", str(debs))
    assert r.returncode == 4, r.stderr
    assert "not CUDA 12.x" in r.stderr and "release 13.0" in r.stderr
    assert not (tmp_path / "tk").exists()


def test_installed_toolkit_is_kept_without_network(tmp_path):
    tk = tmp_path / "tk"
    (tk / "bin").mkdir(parents=True)
    (tk / "bin" / "nvcc").write_text("#!/bin/sh\necho 'Cuda compilation tools, release 12.4, V12.4.131'\n")
    (tk / "bin" / "nvcc").chmod(0o755)
    (tk / ".tcbench-installed").write_text("release 12.4\n")
    r = run_script(tmp_path, "--prefix", str(tk))
    assert r.returncode == 0, r.stderr
    assert "already installed" in r.stderr
    assert not (tmp_path / "apt.log").exists()


def configure(tmp_path: Path, *defs: str) -> subprocess.CompletedProcess:
    return subprocess.run(["cmake", "-S", str(REPO), "-B", str(tmp_path / "b"), "-DTCBENCH_CUDA_ARCHS=70", *defs],
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "TCBENCH_CUDA12_HOME"})


@pytest.mark.skipif(not shutil.which("cmake"), reason="cmake not installed")
def test_cmake_refuses_volta_without_cuda12_toolkit(tmp_path):
    r = configure(tmp_path, f"-DTCBENCH_CUDA12_HOME={tmp_path / 'none'}")
    assert r.returncode != 0
    out = r.stdout + r.stderr
    assert "scripts/cuda12_toolkit.sh" in out and "no CUDA 12 nvcc" in out


@pytest.mark.skipif(not shutil.which("cmake"), reason="cmake not installed")
def test_cmake_refuses_volta_with_cuda13_nvcc(tmp_path):
    tk = tmp_path / "tk13"
    (tk / "bin").mkdir(parents=True)
    (tk / "bin" / "nvcc").write_text("#!/bin/sh\necho 'Cuda compilation tools, release 13.0, V13.0.88'\n")
    (tk / "bin" / "nvcc").chmod(0o755)
    r = configure(tmp_path, f"-DTCBENCH_CUDA12_HOME={tk}")
    assert r.returncode != 0
    out = (r.stdout + r.stderr).replace("\n", " ")
    assert "needs CUDA 12.x" in out and "release 13.0" in out


def test_volta_preset_and_ci_stage():
    presets = json.loads((REPO / "CMakePresets.json").read_text())
    volta = next(p for p in presets["configurePresets"] if p["name"] == "volta")
    assert volta["cacheVariables"]["TCBENCH_CUDA_ARCHS"] == "70"
    assert volta["cacheVariables"]["TCBENCH_FAMILIES"] == "mma_sync;wmma"
    assert volta["binaryDir"].endswith("build-volta")
    build = next(p for p in presets["buildPresets"] if p["name"] == "volta")
    assert build["configurePreset"] == "volta" and build["targets"] == ["tcbench"]
    assert "stage volta bash scripts/ci_volta.sh" in (REPO / ".ci" / "run").read_text()


def test_installed_toolkit_is_cuda_12():
    nvcc = REPO / ".deps" / "cuda12" / "bin" / "nvcc"
    if not nvcc.exists():
        pytest.skip("no .deps/cuda12 here (scripts/cuda12_toolkit.sh installs it)")
    out = subprocess.run([str(nvcc), "--version"], capture_output=True, text=True, check=True).stdout
    assert "release 12." in out
