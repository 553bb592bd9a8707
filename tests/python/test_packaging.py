"""`pip install ./analysis` (issue #11 item 12): a fresh virtual environment gets the package and
its console script tcbench-analysis, which works from any working folder.

Offline: the venv sees the system's site-packages (numpy, pandas, matplotlib, setuptools) and pip
builds without an isolated build environment and without resolving dependencies; the declared
dependencies are checked in the installed metadata instead."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from synthetic import mma_sync_rows, write_folder  # noqa: E402


def _offline_build_possible() -> str | None:
    """Why setuptools cannot build a wheel here without the network, or None."""
    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed"
    major_minor = tuple(int(x) for x in setuptools.__version__.split(".")[:2])
    if major_minor < (70, 1) and importlib.util.find_spec("wheel") is None:
        return (f"setuptools {setuptools.__version__} needs the `wheel` package to build offline "
                f"(pip install wheel, or setuptools>=70.1)")
    return None


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("pkg")
    env_dir = root / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"python3 -m venv is not available here: {made.stderr.strip()[-300:]}")
    why = _offline_build_possible()
    if why:
        pytest.skip(why)
    # Build from a copy, so that setuptools' build/ and *.egg-info stay out of the work tree.
    src = root / "src" / "analysis"
    shutil.copytree(REPO / "analysis", src, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    pip = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--no-deps",
                          "--no-build-isolation", "--no-index", "--disable-pip-version-check", str(src)],
                         capture_output=True, text=True, cwd=root)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return env_dir


def clean_env() -> dict:
    """No PYTHONPATH: what runs must come from the venv, not from the work tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    return env


def test_console_script_from_another_folder(venv, tmp_path):
    script = venv / "bin" / "tcbench-analysis"
    assert script.is_file()
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    results = write_folder(tmp_path / "data" / "results" / "gpu", mma_sync_rows())
    rel = os.path.relpath(results, elsewhere)

    p = subprocess.run([str(script), "report", rel], cwd=elsewhere, capture_output=True, text=True, env=clean_env())
    assert p.returncode == 0, p.stderr
    assert (results / "report.md").stat().st_size > 0
    assert (results / "plots" / "peak_throughput.png").stat().st_size > 0

    p = subprocess.run([str(script), "readme", str(results)], cwd=elsewhere, capture_output=True, text=True,
                       env=clean_env())
    assert p.returncode == 0, p.stderr
    assert "**mma.sync**" in p.stdout

    (results / "numerics.csv").write_text("family,atom,kind,property,value,status\nmma.sync,A,validation,,,agrees\n")
    (results / "numerics_run.json").write_text('{"status": "complete"}')
    p = subprocess.run([str(script), "numerics", rel], cwd=elsewhere, capture_output=True, text=True, env=clean_env())
    assert p.returncode == 0, p.stderr
    assert (results / "numerics.md").is_file()

    p = subprocess.run([str(script), "--help"], cwd=elsewhere, capture_output=True, text=True, env=clean_env())
    assert p.returncode == 0 and p.stdout.startswith("usage: tcbench-analysis")
    assert all(c in p.stdout for c in ("report", "readme", "numerics"))
    p = subprocess.run([str(script), "report"], cwd=elsewhere, capture_output=True, text=True, env=clean_env())
    assert p.returncode == 2  # usage


def test_installed_copy_is_the_one_imported(venv, tmp_path):
    p = subprocess.run([str(venv / "bin" / "python"), "-c", "import analysis; print(analysis.__file__)"],
                       cwd=tmp_path, capture_output=True, text=True, env=clean_env())
    assert p.returncode == 0, p.stderr
    assert Path(p.stdout.strip()).resolve().is_relative_to(venv.resolve())


def test_dependencies_declared(venv, tmp_path):
    code = "import importlib.metadata as m; print('\\n'.join(m.requires('tcbench-analysis')))"
    p = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env=clean_env())
    assert p.returncode == 0, p.stderr
    names = {line.split(">")[0].split("<")[0].split("=")[0].split(";")[0].strip() for line in p.stdout.splitlines()}
    assert {"numpy", "pandas", "matplotlib", "jsonschema"} <= names
    bounded = [line for line in p.stdout.splitlines() if line.split(";")[0].strip().startswith(
        ("numpy", "pandas", "matplotlib", "jsonschema"))]
    assert all(">=" in line and "<" in line for line in bounded), bounded


def test_installed_cost_table_loader(venv, tmp_path):
    """The cost-table schema ships with the package: the installed loader validates a table."""
    fixture = REPO / "tests" / "data" / "cost_table" / "minimal.json"
    code = ("import sys; from analysis.cost_table_load import load_cost_table, SCHEMA_VERSION; "
            "t = load_cost_table(sys.argv[1]); print(SCHEMA_VERSION, t.device.name, len(t.instructions))")
    p = subprocess.run([str(venv / "bin" / "python"), "-c", code, str(fixture)], cwd=tmp_path, capture_output=True,
                       text=True, env=clean_env())
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1 NVIDIA H200 3"


def test_module_entry_point_from_repo_root(tmp_path):
    results = write_folder(tmp_path / "results" / "gpu", mma_sync_rows())
    p = subprocess.run([sys.executable, "-m", "analysis", "--help"], cwd=REPO, capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("usage: python3 -m analysis")
    p = subprocess.run([sys.executable, "-m", "analysis", "report", str(results)], cwd=REPO, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
