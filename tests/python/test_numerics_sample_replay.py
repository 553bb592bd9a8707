"""The CI proof that the model equals the hardware, without a GPU.

`tcbench numerics` commits, per path, results/<gpu>/numerics_sample/<ATOM>.cases[.gz]: `# instr:` and
`# k:` header lines, then one case per line, the `tcbench model` input `a0 .. a(k-1) b0 .. b(k-1) c`
followed by the d the GPU computed. Here every committed sample is replayed through
`build/tcbench model --preset <the GPU's preset> --instr <instr> --k <k>` and every output must equal
the recorded hardware d; each sample must hold at least MIN_CASES cases.

    TCB_RESULTS_ROOT=/some/results python3 -m pytest -q tests/python/test_numerics_sample_replay.py

TCB_RESULTS_ROOT (default: the repository's results/) is the folder holding <gpu>/numerics_sample/;
TCB_TCBENCH (default: build/tcbench) the binary. Skips, saying why, when there is no sample or no
binary (CI builds before pytest).
"""
from __future__ import annotations

import gzip
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis.numerics import SAMPLE_DIR, preset_for_gpu, read_sample  # noqa: E402

ROOT = Path(os.environ.get("TCB_RESULTS_ROOT") or REPO / "results")
TCBENCH = Path(os.environ.get("TCB_TCBENCH") or REPO / "build" / "tcbench")
# tcbench numerics writes 2,000 per path by default; the committed H200 sample keeps the first
# 500 of each (the repository's size): every path still replayed bit for bit on 500 random cases.
MIN_CASES = 500
SHOW = 5              # mismatches listed per failing sample
TIMEOUT_S = 300       # per sample run of the model


def discover(root: Path) -> list[Path]:
    """Every <root>/**/numerics_sample/<ATOM>.cases[.gz]. tcbench writes only .cases.gz; a path with
    both forms is ambiguous (which one is current?) and fails rather than replaying either."""
    found: dict = {}
    if not root.is_dir():
        return []
    for p in sorted(root.glob(f"**/{SAMPLE_DIR}/*")):
        for suffix in (".cases.gz", ".cases"):
            if p.is_file() and p.name.endswith(suffix):
                key = (p.parent, p.name[: -len(suffix)])
                if key in found:
                    raise ValueError(f"{found[key]} and {p}: two samples of one path; keep only the one "
                                     "`tcbench numerics` wrote (.cases.gz)")
                found[key] = p
    return sorted(found.values())


def test_discover_refuses_a_path_with_two_samples(tmp_path):
    d = tmp_path / "nvidia-h200" / SAMPLE_DIR
    d.mkdir(parents=True)
    (d / "X.cases").write_text("")
    (d / "X.cases.gz").write_bytes(b"")
    with pytest.raises(ValueError, match="two samples of one path"):
        discover(tmp_path)
    (d / "X.cases").unlink()
    assert discover(tmp_path) == [d / "X.cases.gz"]


def preset_of(sample: Path, root: Path = ROOT) -> str | None:
    """The preset of the GPU folder a sample lies under (the first folder naming a known GPU)."""
    try:
        parts = list(sample.relative_to(root).parts[:-2])
    except ValueError:
        parts = list(sample.parts[:-2])
    for name in parts + [root.name]:
        preset = preset_for_gpu(name)
        if preset:
            return preset
    return None


def rel(p: Path) -> str:
    try:
        return p.relative_to(ROOT).as_posix()
    except ValueError:
        return p.as_posix()


@dataclass
class Replay:
    sample: Path
    preset: str | None = None
    instr: str = ""
    k: int = 0
    cases: int = 0
    mismatches: list = field(default_factory=list)  # (file line, input, hardware d, model d)
    error: str = ""
    skipped: str = ""

    def command(self, infile: str = "<inputs>") -> str:
        return f"{TCBENCH} model --preset {self.preset} --instr {self.instr} --k {self.k} --in {infile}"

    def report(self) -> str:
        n = len(self.mismatches)
        lines = [f"{rel(self.sample)}: {n} of {self.cases} cases differ between the hardware and "
                 f"`tcbench model --preset {self.preset} --instr {self.instr} --k {self.k}`; "
                 f"the first {min(n, SHOW)} (file line: hardware d, model d; input):"]
        for line, inp, hw, model in self.mismatches[:SHOW]:
            lines.append(f"  line {line}: hardware {hw}, model {model}; input {inp}")
        cat = "zcat" if self.sample.name.endswith(".gz") else "cat"
        first = self.mismatches[0][0]
        lines.append(f"replay one: {cat} {self.sample} | sed -n {first}p | cut -d' ' -f1-{2 * self.k + 1} | "
                     f"{TCBENCH} model --preset {self.preset} --instr {self.instr} --k {self.k}")
        return "\n".join(lines)


def _norm(h: str) -> str:
    h = h.strip().lower()
    return h[2:] if h.startswith("0x") else h


def replay(sample: Path, workdir: Path, root: Path = ROOT, binary: Path = TCBENCH) -> Replay:
    r = Replay(sample=sample, preset=preset_of(sample, root))
    if r.preset is None:
        r.skipped = (f"{rel(sample)}: no model preset for this GPU folder (folders naming h100/h200 use h100, "
                     f"a100, v100, t4 theirs)")
        return r
    try:
        header, cases = read_sample(sample)
    except (OSError, EOFError, UnicodeDecodeError) as e:
        r.error = f"{rel(sample)}: unreadable sample: {e}"
        return r
    r.cases = len(cases)
    r.instr = header.get("instr", "")
    k = header.get("k", "")
    if not r.instr or not re.fullmatch(r"\d+", k):
        r.error = (f"{rel(sample)}: header lacks a valid `# instr: <ptx>` / `# k: <K>` line "
                   f"(found instr={r.instr!r}, k={k!r})")
        return r
    r.k = int(k)
    width = 2 * r.k + 2
    bad = [n for n, f in cases if len(f) != width]
    if bad:
        r.error = (f"{rel(sample)}: {len(bad)} case line(s) without {width} fields (2k inputs, c, hardware d), "
                   f"first at line(s) {', '.join(map(str, bad[:SHOW]))}")
        return r
    if not cases:
        r.error = f"{rel(sample)}: no cases"
        return r
    infile = workdir / (re.sub(r"[^\w.-]", "_", rel(sample)) + ".in")
    infile.write_text("".join(" ".join(f[:-1]) + "\n" for _, f in cases), encoding="utf-8")
    try:
        p = subprocess.run([str(binary), "model", "--preset", r.preset, "--instr", r.instr, "--k", str(r.k),
                            "--in", str(infile)], capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        r.error = f"{rel(sample)}: `{r.command(str(infile))}` ran past {TIMEOUT_S} s"
        return r
    if p.returncode != 0:
        # the model names the input file's line; that is the sample's case of that number
        msg = re.sub(r"\.in:(\d+):", lambda m: f".in:{m.group(1)} (sample line {cases[int(m.group(1)) - 1][0]}):"
                     if 0 < int(m.group(1)) <= len(cases) else m.group(0), p.stderr.strip())
        r.error = f"{rel(sample)}: `{r.command(str(infile))}` exited {p.returncode}: {msg}"
        return r
    out = [s for s in p.stdout.splitlines() if s.strip()]
    if len(out) != len(cases):
        r.error = f"{rel(sample)}: the model printed {len(out)} lines for {len(cases)} cases"
        return r
    for (line, f), model in zip(cases, out):
        if _norm(model) != _norm(f[-1]):
            r.mismatches.append((line, " ".join(f[:-1]), f[-1], model.strip()))
    return r


SAMPLES = discover(ROOT)
NO_SAMPLE = (f"no numerics sample under {ROOT}/<gpu>/{SAMPLE_DIR}/ (run `tcbench numerics` on a GPU and commit "
             f"results/<gpu>/{SAMPLE_DIR}/; or set TCB_RESULTS_ROOT)")
PARAMS = [pytest.param(p, id=rel(p)) for p in SAMPLES] or [pytest.param(None, id="none",
                                                                     marks=pytest.mark.skip(reason=NO_SAMPLE))]


def _no_binary() -> str:
    if TCBENCH.is_file() and os.access(TCBENCH, os.X_OK):
        return ""
    return f"{TCBENCH} not found (CI builds it before pytest: cmake --preset default && cmake --build build)"


@pytest.fixture(scope="module")
def replays(tmp_path_factory) -> dict:
    """Every sample replayed once, in parallel (one model process per sample)."""
    if _no_binary():
        pytest.skip(_no_binary())
    work = tmp_path_factory.mktemp("replay")
    with ThreadPoolExecutor(max_workers=max(2, min(16, (os.cpu_count() or 2) * 2))) as pool:
        return dict(zip(SAMPLES, pool.map(lambda s: replay(s, work), SAMPLES)))


KNOWN = "known_mismatches.txt"


def known_mismatches(sample: Path) -> dict:
    """(line, hardware d) -> reason, from <sample dir>/known_mismatches.txt: the cases the model
    is known not to explain, each named by sample file, line and hardware bits, with a reason
    (`<file> <line> <hardware d> <reason...>`; # starts a comment)."""
    path = sample.parent / KNOWN
    out = {}
    if not path.is_file():
        return out
    name = sample.name
    for raw in path.read_text(encoding="utf-8").splitlines():
        f = raw.split("#", 1)[0].split(None, 3)
        if len(f) >= 3 and f[0] == name:
            out[(int(f[1]), _norm(f[2]))] = f[3] if len(f) > 3 else ""
    return out


@pytest.mark.parametrize("sample", PARAMS)
def test_sample_replays_bit_exact(sample, replays):
    r = replays[sample]
    if r.skipped:
        pytest.skip(r.skipped)
    if r.error:
        pytest.fail(r.error, pytrace=False)
    known = known_mismatches(sample)
    seen = {(line, _norm(hw)) for line, _, hw, _ in r.mismatches}
    stale = sorted(set(known) - seen)
    assert not stale, f"{rel(sample)}: {KNOWN} lists cases the model now gets right: {stale}"
    r.mismatches = [m for m in r.mismatches if (m[0], _norm(m[2])) not in known]
    if r.mismatches:
        pytest.fail(r.report(), pytrace=False)


@pytest.mark.parametrize("sample", PARAMS)
def test_sample_has_enough_cases(sample):
    header, cases = read_sample(sample)
    assert len(cases) >= MIN_CASES, f"{rel(sample)}: {len(cases)} cases, fewer than {MIN_CASES}"
    assert header.get("instr") and header.get("k"), f"{rel(sample)}: no `# instr:` / `# k:` header"


# ---- the checker itself, on synthetic samples made with the model --------------------------------

F16_INSTR = "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"


def _f16(rng) -> str:
    return f"{rng.choice((0, 0x8000)) | rng.randrange(0x3000, 0x4800):04x}"


def _model(binary, instr, k, lines, tmp) -> list[str]:
    inp = tmp / "gen.in"
    inp.write_text("".join(s + "\n" for s in lines), encoding="utf-8")
    p = subprocess.run([str(binary), "model", "--preset", "h100", "--instr", instr, "--k", str(k), "--in", str(inp)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


@pytest.fixture
def binary():
    if _no_binary():
        pytest.skip(_no_binary())
    return TCBENCH


@pytest.mark.parametrize("compressed", [True, False])
def test_checker_finds_a_planted_mismatch(binary, tmp_path, compressed):
    rng = random.Random(7)
    k = 16
    inputs = [" ".join([_f16(rng) for _ in range(2 * k)] + [f"{rng.randrange(1 << 32):08x}"]) for _ in range(40)]
    ds = _model(binary, F16_INSTR, k, inputs, tmp_path)
    assert len(ds) == len(inputs)
    flipped = f"{int(ds[12], 16) ^ 1:08x}"
    body = [f"{i} {d}" for i, d in zip(inputs, ds)]
    body[12] = f"{inputs[12]} {flipped}"
    text = f"# tcbench numerics sample: synthetic\n# instr: {F16_INSTR}\n# k: {k}\n\n" + "\n".join(body) + "\n"
    folder = tmp_path / "results" / "nvidia-h200" / SAMPLE_DIR
    folder.mkdir(parents=True)
    name = folder / ("SYN.cases.gz" if compressed else "SYN.cases")
    if compressed:
        with gzip.open(name, "wt") as f:
            f.write(text)
    else:
        name.write_text(text, encoding="utf-8")
    assert discover(tmp_path / "results") == [name]
    r = replay(name, tmp_path, root=tmp_path / "results", binary=binary)
    assert r.preset == "h100" and not r.error and r.cases == 40
    # case 12 (from 0) is on file line 17: three # lines and a blank line come first
    assert r.mismatches == [(17, inputs[12], flipped, ds[12])]
    rep = r.report()
    assert "1 of 40 cases differ" in rep and f"line 17: hardware {flipped}, model {ds[12]}" in rep


def test_checker_reports_malformed_samples(binary, tmp_path):
    root = tmp_path / "results"
    folder = root / "nvidia-h100-80gb-hbm3" / SAMPLE_DIR
    folder.mkdir(parents=True)
    short = folder / "SHORT.cases"
    short.write_text(f"# instr: {F16_INSTR}\n# k: 1\n3c00 3c00 00000000 3f800000\n3c00 3c00 3f800000\n",
                     encoding="utf-8")
    r = replay(short, tmp_path, root=root, binary=binary)
    assert "1 case line(s) without 4 fields" in r.error and "line(s) 4" in r.error
    nohead = folder / "NOHEAD.cases"
    nohead.write_text("3c00 3c00 00000000 3f800000\n", encoding="utf-8")
    assert "header lacks" in replay(nohead, tmp_path, root=root, binary=binary).error
    badhex = folder / "BADHEX.cases"
    badhex.write_text(f"# instr: {F16_INSTR}\n# k: 1\n\n3c00 3c00 00000000 3f800000\n3c00 zz00 00000000 3f800000\n",
                      encoding="utf-8")
    r = replay(badhex, tmp_path, root=root, binary=binary)
    assert "exited 3" in r.error and "(sample line 5)" in r.error
    other = root / "nvidia-geforce-rtx-4090" / SAMPLE_DIR
    other.mkdir(parents=True)
    (other / "X.cases").write_text(f"# instr: {F16_INSTR}\n# k: 1\n", encoding="utf-8")
    assert "no model preset" in replay(other / "X.cases", tmp_path, root=root, binary=binary).skipped
