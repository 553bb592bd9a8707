"""scripts/: setup.sh needs no network on a machine that has everything, and names what it
installs; gen_wgmma.py keeps ptx/wgmma_atoms.hpp in step with its tables and writes nothing on
--help or --check."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SETUP = REPO / "scripts" / "setup.sh"
GEN_WGMMA = REPO / "scripts" / "gen_wgmma.py"
WGMMA_HEADER = REPO / "ptx" / "wgmma_atoms.hpp"

# Every way setup.sh could reach a package manager or the network: each stub logs its arguments
# and fails, as it would on a machine without network.
STUB_COMMANDS = ("apt-get", "apt", "sudo", "dpkg", "pip", "pip3", "curl", "wget")


def make_stubs(tmp_path: Path, apt_get_succeeds: bool = False) -> tuple[dict, Path]:
    """A PATH folder of failing stubs, a fake `pip` module that `python3 -m pip` runs instead of
    the real one, and a proxy that refuses connections. Returns (environment, log file)."""
    log = tmp_path / "stub_calls.log"
    log.touch()
    bin_dir = tmp_path / "stub_bin"
    bin_dir.mkdir()
    for name in STUB_COMMANDS:
        status = 0 if (name == "apt-get" and apt_get_succeeds) else 100
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexit {status}\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    fake_pip = tmp_path / "stub_python" / "pip"
    fake_pip.mkdir(parents=True)
    (fake_pip / "__init__.py").write_text("")
    (fake_pip / "__main__.py").write_text(
        f"import sys\nopen({str(log)!r}, 'a').write('python3 -m pip ' + ' '.join(sys.argv[1:]) + '\\n')\n"
        "sys.exit(1)\n")
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}:{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(tmp_path / "stub_python")
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[var] = "http://127.0.0.1:9"  # discard port: nothing listens
    env["PIP_NO_INDEX"] = "1"
    env.pop("TCB_SETUP_PRETEND_MISSING", None)
    return env, log


def run_setup(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SETUP)], env=env, capture_output=True, text=True, timeout=600)


needs_cmake = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")


@needs_cmake
def test_setup_on_a_complete_machine_touches_no_package_manager(tmp_path):
    # The machine running the tests has everything (scripts/setup.sh ran before them); dpkg is a
    # failing stub, as on a machine whose tools came from elsewhere than Debian packages.
    env, log = make_stubs(tmp_path)
    result = run_setup(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert log.read_text() == "", "setup.sh called a package manager:\n" + log.read_text()
    assert "setup: ok" in result.stderr


@needs_cmake
def test_setup_without_network_names_the_missing_library(tmp_path):
    env, log = make_stubs(tmp_path)
    env["TCB_SETUP_PRETEND_MISSING"] = "yaml-cpp"
    result = run_setup(env)
    assert result.returncode == 1, result.stdout + result.stderr
    calls = log.read_text().splitlines()
    assert calls and calls[0].startswith("apt-get update"), calls
    assert not any("pip" in call for call in calls), calls  # Python side untouched
    assert "yaml-cpp (package libyaml-cpp-dev)" in result.stderr
    assert "install with: sudo apt-get install libyaml-cpp-dev" in result.stderr
    assert "could not install libyaml-cpp-dev" in result.stderr


@needs_cmake
def test_setup_installs_exactly_the_missing_packages(tmp_path):
    env, log = make_stubs(tmp_path, apt_get_succeeds=True)
    env["TCB_SETUP_PRETEND_MISSING"] = "yaml-cpp,ninja"
    result = run_setup(env)
    calls = log.read_text().splitlines()
    installs = [c for c in calls if c.startswith("apt-get install")]
    assert len(installs) == 1, calls  # one attempt; no retry of what did not help
    assert installs[0].split()[-2:] == ["libyaml-cpp-dev", "ninja-build"], installs
    # The stub installed nothing, so both are still missing: a clear failure, not "ok".
    assert result.returncode == 1, result.stdout + result.stderr
    assert "still missing" in result.stderr and "ninja (package ninja-build)" in result.stderr


@needs_cmake
def test_setup_installs_a_missing_python_module_with_pip_only(tmp_path):
    env, log = make_stubs(tmp_path)
    env["TCB_SETUP_PRETEND_MISSING"] = "pandas cuobjdump"
    result = run_setup(env)
    assert result.returncode == 1, result.stdout + result.stderr
    calls = log.read_text().splitlines()
    assert not any(c.startswith(("apt-get", "sudo", "dpkg")) for c in calls), calls
    pip_calls = [c for c in calls if c.startswith("python3 -m pip install")]
    assert pip_calls[0].split()[-2:] == ["nvidia-cuda-cuobjdump", "pandas"], pip_calls
    assert "install with: python3 -m pip install nvidia-cuda-cuobjdump pandas" in result.stderr


@needs_cmake
def test_setup_names_what_no_package_provides(tmp_path):
    env, log = make_stubs(tmp_path)
    env["TCB_SETUP_PRETEND_MISSING"] = "language:CUDA"
    result = run_setup(env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert log.read_text() == ""  # nothing to download for it
    assert "language:CUDA: the CUDA toolkit (nvcc)" in result.stderr
    assert "still missing" in result.stderr.split("language:CUDA: the CUDA toolkit")[-2]


# ---- scripts/test.sh ------------------------------------------------------------------------

@pytest.mark.parametrize("pytest_status, expected", [(0, 0), (1, 1), (5, 1)])
def test_test_sh_fails_when_pytest_collects_nothing(tmp_path, pytest_status, expected):
    """cmake and ctest are stand-ins that succeed; python3 -m pytest exits with pytest_status."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {"cmake": "exit 0", "ctest": "exit 0",
               "python3": f'[ "$1 $2" = "-m pytest" ] && exit {pytest_status}\nexec "{sys.executable}" "$@"'}
    for name, body in scripts.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    result = subprocess.run(["bash", str(REPO / "scripts" / "test.sh")], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == expected, result.stdout + result.stderr
    assert ("pytest collected no tests" in result.stderr) == (pytest_status == 5), result.stderr


# ---- scripts/gen_wgmma.py -------------------------------------------------------------------

def gen_wgmma(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GEN_WGMMA), *args], capture_output=True, text=True, timeout=120)


def test_committed_wgmma_header_matches_its_generator():
    result = gen_wgmma("--check")
    assert result.returncode == 0, result.stderr


def test_gen_wgmma_help_writes_nothing():
    before = (WGMMA_HEADER.stat().st_mtime_ns, WGMMA_HEADER.read_bytes())
    result = gen_wgmma("--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout and "--check" in result.stdout
    assert (WGMMA_HEADER.stat().st_mtime_ns, WGMMA_HEADER.read_bytes()) == before


def test_gen_wgmma_rejects_unknown_arguments_and_writes_nothing():
    before = WGMMA_HEADER.stat().st_mtime_ns
    result = gen_wgmma("--chek")
    assert result.returncode == 2
    assert "unrecognized arguments: --chek" in result.stderr
    assert WGMMA_HEADER.stat().st_mtime_ns == before


def test_gen_wgmma_check_reports_a_stale_file_without_writing(tmp_path):
    stale = tmp_path / "wgmma_atoms.hpp"
    stale.write_text(WGMMA_HEADER.read_text() + "// edited by hand\n")
    before = stale.read_bytes()
    result = gen_wgmma("--check", "--output", str(stale))
    assert result.returncode == 1
    assert str(stale) in result.stderr and "out of date" in result.stderr
    assert stale.read_bytes() == before


def test_gen_wgmma_writes_only_when_the_content_changes(tmp_path):
    target = tmp_path / "wgmma_atoms.hpp"
    target.write_text("stale\n")
    result = gen_wgmma("--output", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {target}")
    assert target.read_text() == WGMMA_HEADER.read_text()
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    result = gen_wgmma("--output", str(target))
    assert result.returncode == 0, result.stderr
    assert "unchanged" in result.stdout
    assert target.stat().st_mtime_ns == 1_000_000_000  # not rewritten
