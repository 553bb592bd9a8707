"""numerics.md: what `tcbench numerics` measured, readable, from results/<gpu-slug>/.

    python3 -m analysis numerics results/<gpu-slug> [--out FILE.md]

Reads (no GPU needed):
  numerics.csv         one row per probe (kind `probe`), per derived (atom, property) (kind
                       `derived`) and per validated atom (kind `validation`);
  numerics_run.json    provenance (git, command, device, date, cases per path, seconds per path);
  numerics_sample/     <ATOM>.cases[.gz], the committed replayable sample (counted here; replayed
                       against the model by tests/python/test_numerics_sample_replay.py).

The report: a provenance line; per family, one row per validated path (random cases, mismatches
against the model preset, agreement); the derived model parameters per (family, input type,
output type) with the disagreements with the preset highlighted; and, per probed property, what
the probe tests and one example probe (input bits, hardware bits, every hypothesis's prediction)
with the `tcbench model` command that replays it.
"""
from __future__ import annotations

import gzip
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .atoms import type_label, type_sort_key
from .load import RunJson, data_file, read_csv_rows, read_run_json
from .markdown import display_path, format_duration, problems_block, table
from .output import OutputError, check_file_target, write_text_atomic

CSV_NAME = "numerics.csv"
RUN_NAME = "numerics_run.json"
SAMPLE_DIR = "numerics_sample"
REPORT_NAME = "numerics.md"

# Column order written by `tcbench numerics`.
NUMERICS_COLUMNS = [
    "family", "atom", "ptx", "a_type", "b_type", "c_type", "d_type", "kind", "property", "value",
    "preset_value", "status", "cases", "mismatches", "probe_input", "hardware_d", "predictions", "note",
]
# Without these the file cannot be read at all; the others are filled with "" when absent.
REQUIRED_COLUMNS = ["family", "atom", "kind", "property", "value", "status"]
KINDS = ("probe", "derived", "validation")
STATUSES = ("agrees", "disagrees", "undetermined")
FAMILY_ORDER = ("mma.sync", "wmma", "wgmma")

# What each probe tests, in report order. A property not listed here is reported generically.
PROPERTY_DOC: dict[str, str] = {
    "in_subnormals": "Whether subnormal **a / b inputs** are kept or flushed to zero: a product of a subnormal "
                     "and a normal number is added to c; flushing leaves c unchanged.",
    "out_subnormals": "Whether a **result below the normal range** of the output format is kept as a subnormal "
                      "or flushed to (signed) zero: products whose exact sum is subnormal.",
    "product_exact": "Whether each **product a·b is exact** (full double-width significand) before it enters "
                     "the adder, or rounded to the input/accumulator precision first: two products whose low "
                     "bits cancel only when kept.",
    "extra_align_bits": "How many **extra bits below the accumulator's last bit** survive alignment (the Fasi "
                        "et al. test 1·1 + c, c = −(1 − 2⁻²⁴), and its relatives): each extra bit keeps one "
                        "more bit of the smaller addend.",
    "align_round": "What happens to the **bits shifted out during alignment**: `rz` truncates each magnitude, "
                   "`rd` truncates the two's-complement addend (a negative addend rounds toward −∞), `rn` rounds "
                   "to nearest. A small negative product beside a large positive one tells them apart.",
    "block_round": "How a **block's sum is rounded into the accumulator** (rz, rn, rd, ru): a block sum with "
                   "bits beyond the accumulator's precision, positive and negative.",
    "out_round": "How the **accumulator is rounded into the output format** (e.g. fp32 → fp16 output): a sum "
                 "that lies between two output values, above and below the half-way point.",
    "block": "**Products per fused block** (one alignment and one normalisation per block): the same terms "
             "placed at k positions inside and across a block boundary give different bits once a block "
             "boundary truncates the partial sum.",
    "chain_in_output": "Whether **block sums are rounded into the output format** between blocks (the MATLAB "
                       "models' recursion c = d) or kept in the wider accumulator until the end.",
    "normalise_each_add": "Whether a block is **one fused multi-term adder** (one alignment on the largest "
                          "exponent) or a **chain of two-term additions**, each aligned on its larger operand.",
    "carry_bits": "How many **carry bits** the adder has above the anchor's integer bit: a sum of many large "
                  "same-sign products that needs more bits wraps (or not).",
    "c_frac_bits": "How many **fraction bits of the incoming c** are kept: c with low fraction bits set beside "
                   "products of a larger exponent.",
    "c_mode": "Whether **c is one more addend of the first block's adder** (`in_block`) or is added after the "
              "products are summed (`after_products`, a second two-term aligned addition).",
    "tf32_input": "Whether **tf32 inputs** given as f32 words have their low 13 bits ignored (`truncate`) or "
                  "rounded off (`nearest_even`).",
    "nan_bits": "The **bit pattern of a NaN result** (canonical NaN or a propagated input payload), for an input "
                "NaN, inf·0 and +inf + −inf.",
    "inf_overflow": "What an **overflowing sum** gives: ±inf (the MATLAB models' rule) or the IEEE result of "
                    "the rounding mode (the largest finite value under rz).",
    "monotonic": "Whether accumulation is **monotonic**: increasing one product never decreases the result "
                 "(a failure points at truncation interacting with the alignment anchor).",
    "satfinite": "Integer paths: whether an **s32 result that overflows** wraps modulo 2³² or saturates "
                 "(`.satfinite`).",
}
PROPERTY_ORDER = list(PROPERTY_DOC)

_STATUS_RANK = {"disagrees": 0, "agrees": 1, "undetermined": 2}


# ---- loading ---------------------------------------------------------------------------------

@dataclass
class Numerics(RunJson):
    path: Path
    rows: pd.DataFrame                          # every row of numerics.csv, as strings
    run: dict = field(default_factory=dict)     # numerics_run.json, {} when absent
    run_missing: bool = False
    filled_columns: list = field(default_factory=list)  # optional columns absent from the CSV
    samples: dict = field(default_factory=dict)          # atom -> cases in numerics_sample/
    problems: list = field(default_factory=list)         # why the data may not be a whole run (each names its file)

    @property
    def slug(self) -> str:
        return self.path.name

    def kind(self, kind: str) -> pd.DataFrame:
        return self.rows[self.rows["kind"] == kind]

    @property
    def preset(self) -> str:
        p = self.run_get("model_preset", default=None) or self.run_get("preset", default=None)
        return str(p) if p else (preset_for_gpu(self.slug) or preset_for_gpu(self.device_name) or "h100")


def preset_for_gpu(name: str) -> str | None:
    """The `tcbench model` preset for a GPU (folder slug or device name), None when there is none:
    a name containing h100 / h200 / h800 gets h100, a100 / a800 a100, v100 v100, a separate t4 t4."""
    s = str(name).lower()
    for keys, preset in ((("h100", "h200", "h800"), "h100"), (("a100", "a800"), "a100"), (("v100",), "v100")):
        if any(k in s for k in keys):
            return preset
    return "t4" if re.search(r"(?<![a-z0-9])t4(?![0-9])", s) else None


def read_numerics_csv(csv_path: Path, problems: list | None = None) -> tuple[pd.DataFrame, list]:
    """numerics.csv[.gz] as strings, and the optional columns it lacks (filled with ""). A cut
    last line or damaged rows are left out with a problem (see load.read_csv_rows)."""
    problems = [] if problems is None else problems
    try:
        header, rows = read_csv_rows(Path(csv_path), problems)
    except ValueError as e:
        if "empty file" in str(e):
            raise ValueError(f"{e}; expected columns {', '.join(NUMERICS_COLUMNS)}") from None
        raise
    df = pd.DataFrame(rows, columns=header, dtype=str)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{csv_path}: missing column(s) {', '.join(missing)} "
                         f"(expected {', '.join(NUMERICS_COLUMNS)})")
    filled = [c for c in NUMERICS_COLUMNS if c not in df.columns]
    for c in filled:
        df[c] = ""
    for c in df.columns:
        df[c] = df[c].astype(str).str.strip()
    return df, filled


def read_sample(path) -> tuple[dict, list[tuple[int, list[str]]]]:
    """A numerics sample (.cases or .cases.gz): ({header key: value}, [(line number, fields)]).
    Header lines are `# key: value`; line numbers count every line of the file from 1."""
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    header: dict = {}
    cases = []
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            s = line.strip()
            if not s:
                continue
            if s.startswith("#"):
                m = re.match(r"#\s*([A-Za-z_][\w ]*?)\s*:\s*(.*)$", s)
                if m and m.group(1) not in header:
                    header[m.group(1)] = m.group(2).strip()
                continue
            cases.append((n, s.split()))
    return header, cases


def sample_files(folder) -> dict:
    """{atom: path} of folder/numerics_sample/<ATOM>.cases[.gz]; the .gz is kept where both exist."""
    d = Path(folder) / SAMPLE_DIR
    out: dict = {}
    if not d.is_dir():
        return out
    for p in sorted(d.iterdir()):
        for suffix in (".cases.gz", ".cases"):
            if p.is_file() and p.name.endswith(suffix):
                atom = p.name[: -len(suffix)]
                if atom not in out or suffix == ".cases.gz":
                    out[atom] = p
    return out


def _count_cases(path: Path) -> int | None:
    """Case lines of a sample (neither blank nor # lines), None when unreadable."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            return sum(1 for line in f if line.strip() and not line.lstrip().startswith("#"))
    except (OSError, EOFError, UnicodeDecodeError):
        return None


def load_numerics(folder) -> Numerics:
    """Reads folder/numerics.csv[.gz] (required), numerics_run.json (expected) and counts the sample."""
    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such results folder" if not path.exists() else
                                f"{path}: not a folder (expected results/<gpu-slug>/)")
    problems: list = []
    csv_path = data_file(path, CSV_NAME, problems)
    if csv_path is None:
        raise FileNotFoundError(f"{path / CSV_NAME} not found (nor {CSV_NAME}.gz; run `tcbench numerics` on the "
                                f"GPU first; it writes {CSV_NAME}, {RUN_NAME} and {SAMPLE_DIR}/ into results/<gpu>/)")
    run_path = path / RUN_NAME
    run = read_run_json(run_path, problems)
    rows, filled = read_numerics_csv(csv_path, problems)
    samples = {atom: _count_cases(p) for atom, p in sample_files(path).items()}
    return Numerics(path=path, rows=rows, run=run, run_missing=not run_path.exists(), filled_columns=filled,
                    samples=samples, problems=problems)


# ---- small helpers -----------------------------------------------------------------------------

def _int(v) -> int | None:
    try:
        f = float(str(v).strip())
    except ValueError:
        return None
    return int(f) if math.isfinite(f) else None


def _hex(v) -> str:
    s = str(v).strip().lower()
    return s[2:] if s.startswith("0x") else s


def parse_predictions(s: str) -> list[tuple[str, str]]:
    """'rz=3c00;rn=3c01' -> [('rz', '3c00'), ('rn', '3c01')] (order kept, empty parts skipped)."""
    out = []
    for part in str(s).split(";"):
        part = part.strip()
        if not part:
            continue
        label, sep, d = part.partition("=")
        out.append((label.strip(), d.strip()) if sep else (part, ""))
    return out


def labels(value: str) -> list[str]:
    return [v.strip() for v in str(value).split("|") if v.strip()]


def value_text(value: str) -> str:
    """A consistent-label set for a table cell: 'rz', 'rz or rn', or 'none' when every hypothesis failed."""
    ls = labels(value)
    return " or ".join(ls) if ls else "none"


def status_cell(status: str) -> str:
    s = str(status).strip()
    if s == "disagrees":
        return "**✗ disagrees**"
    if s == "undetermined":
        return "_undetermined_"
    if s == "agrees":
        return "✓ agrees"
    return s or "–"


def agreement(cases: int | None, mismatches: int | None) -> str:
    if not cases or mismatches is None:
        return "–"
    pct = 100.0 * (cases - mismatches) / cases
    if mismatches == 0:
        return "100%"
    s = f"{pct:.3f}"
    return ("99.999" if s == "100.000" else s) + "%"


def _with_type(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df.assign(type=pd.Series(dtype=str), type_order=pd.Series(dtype=int),
                         family_order=pd.Series(dtype=int))
    fam = {f: i for i, f in enumerate(FAMILY_ORDER)}
    return df.assign(type=df.apply(type_label, axis=1), type_order=df.apply(type_sort_key, axis=1),
                     family_order=df["family"].map(lambda f: fam.get(f, len(fam))))


def _property_key(p: str):
    return (PROPERTY_ORDER.index(p), "") if p in PROPERTY_ORDER else (len(PROPERTY_ORDER), p)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _code(s: str) -> str:
    return f"`{s}`" if s else "–"


# ---- sections ----------------------------------------------------------------------------------

def provenance_lines(n: Numerics) -> list[str]:
    src = f"`{display_path(n.path)}/{RUN_NAME}`"
    if n.run_missing:
        return [f"Source: {src} not found — provenance unknown (device, date and git SHA not recorded).", ""]
    dev = n.device_name
    arch = n.run_get("device", "arch", default="")
    dev_s = f"{dev} ({arch})" if arch else dev
    date = n.run_get("date_utc", default=None) or n.run_get("date")
    sha = str(n.run_get("git", "sha"))
    dirty = " (dirty)" if n.run_get("git", "dirty", default=False) is True else ""
    out = [f"Source: {src} — {dev_s}, {date}, git {sha}{dirty}.  "]
    cmd = n.run_get("command")
    if cmd != "unknown":
        out.append(f"Command: `{cmd}`.  ")
    cpp = n.run_get("cases_per_path", default=None)
    wall = n.run_get("wall_seconds", default=None)
    paths = n.run_get("paths", default=[])
    bits = []
    if cpp is not None:
        bits.append(f"{cpp} random validation cases per path")
    if isinstance(paths, list) and paths:
        bits.append(f"{len(paths)} paths")
    if isinstance(wall, (int, float)) and not isinstance(wall, bool):
        bits.append(f"wall time {format_duration(wall)}")
    status = n.run_get("status", default="")
    if status and status != "complete":
        bits.append(f"**run status: {status}**")
    if bits:
        out.append("; ".join(bits) + ".  ")
    out.append(f"Model preset compared against: `{n.preset}` (`tcbench model --preset {n.preset}`).")
    return out + [""]


def _path_seconds(n: Numerics) -> dict:
    out = {}
    paths = n.run_get("paths", default=[])
    for p in paths if isinstance(paths, list) else []:
        if isinstance(p, dict) and "atom" in p and isinstance(p.get("seconds"), (int, float)):
            out[str(p["atom"])] = float(p["seconds"])
    return out


def validation_section(n: Numerics) -> list[str]:
    v = n.kind("validation")
    out = ["## Validation: random cases, hardware against the model", ""]
    if v.empty:
        return out + ["No validation rows in numerics.csv.", ""]
    v = _with_type(v.drop_duplicates(subset=["family", "atom"], keep="first"))
    secs = _path_seconds(n)
    tot_cases = tot_mis = 0
    for c, m in zip(v["cases"].map(_int), v["mismatches"].map(_int)):
        tot_cases += c or 0
        tot_mis += m or 0
    out += [f"{len(v)} paths, {tot_cases} cases, {tot_mis} mismatches ({agreement(tot_cases, tot_mis)} agree) "
            f"between the GPU and `tcbench model --preset {n.preset}`. Paths with mismatches are in bold; "
            f"`sample` is the number of cases committed under `{SAMPLE_DIR}/` with the hardware's bits.", ""]
    for family, g in v.sort_values(["family_order", "family", "type_order", "atom"]).groupby("family", sort=False):
        rows = []
        for _, r in g.iterrows():
            c, m = _int(r["cases"]), _int(r["mismatches"])
            atom = f"**{r['atom']}**" if m else r["atom"]
            s = secs.get(r["atom"])
            smp = n.samples.get(r["atom"])
            rows.append([r["type"], atom, _code(r["ptx"]), "–" if c is None else str(c),
                         "–" if m is None else (f"**{m}**" if m else "0"), agreement(c, m),
                         "–" if smp is None else str(smp), "–" if s is None else f"{s:.2f}", r["note"] or "–"])
        out += [f"### {family}", "",
                table(["type", "atom", "ptx", "cases", "mismatches", "agreement", "sample", "seconds", "note"], rows),
                ""]
    return out


def _group_label(family, a, b, d) -> str:
    t = f"{a}→{d}" if a == b else f"{a}×{b}→{d}"
    return f"{family} {t}"


def derived_section(n: Numerics) -> list[str]:
    dv = n.kind("derived")
    out = ["## Derived model parameters", ""]
    if dv.empty:
        return out + ["No derived rows in numerics.csv.", ""]
    dv = _with_type(dv)
    counts = dv["status"].value_counts()
    out += [f"Per (family, input type, output type): the value every probe of a property is consistent with "
            f"(the intersection over its probes), against the `{n.preset}` preset. "
            f"{counts.get('agrees', 0)} agree, **{counts.get('disagrees', 0)} disagree**, "
            f"{counts.get('undetermined', 0)} undetermined (the probes could not tell the hypotheses apart, or "
            f"none fitted). `none` means no hypothesis matched the hardware.", ""]
    dis = dv[dv["status"] == "disagrees"]
    if not dis.empty:
        rows = [[r["family"], r["type"], r["atom"], f"`{r['property']}`", f"**{value_text(r['value'])}**",
                 r["preset_value"] or "–", r["cases"] or "–"]
                for _, r in dis.sort_values(["family_order", "type_order", "atom"]).iterrows()]
        out += ["### Disagreements with the preset", "",
                table(["family", "type", "atom", "property", "measured", "preset", "probes"], rows), ""]
    order = dv.sort_values(["family_order", "family", "type_order"])
    for (family, a, b, d), g in order.groupby(["family", "a_type", "b_type", "d_type"], sort=False):
        atoms = list(dict.fromkeys(g["atom"]))
        rows = []
        for prop in sorted(dict.fromkeys(g["property"]), key=_property_key):
            pg = g[g["property"] == prop]
            variants: dict = {}
            for _, r in pg.iterrows():
                key = (r["value"], r["preset_value"], r["status"])
                variants.setdefault(key, []).append(r)
            for (value, preset_value, status), rs in sorted(variants.items(),
                                                            key=lambda kv: _STATUS_RANK.get(kv[0][2], 3)):
                which = f"all {len(atoms)}" if len(variants) == 1 and len(rs) == len(atoms) and len(atoms) > 1 \
                    else ", ".join(r["atom"] for r in rs)
                probes = sum(_int(r["cases"]) or 0 for r in rs)
                vt = value_text(value)
                rows.append([f"`{prop}`", f"**{vt}**" if status == "disagrees" else vt, preset_value or "–",
                             status_cell(status), which, str(probes) if probes else "–"])
        out += [f"### {_group_label(family, a, b, d)}", "", "Atoms: " + ", ".join(f"`{x}`" for x in atoms) + ".",
                "", table(["property", "measured", "preset", "status", "atoms", "probes"], rows), ""]
    return out


def _pick_example(pg: pd.DataFrame):
    ranked = pg.assign(_rank=pg["status"].map(lambda s: _STATUS_RANK.get(s, 3)),
                       _has=(pg["probe_input"] != "").map(lambda x: 0 if x else 1))
    return ranked.sort_values(["_has", "_rank"], kind="stable").iloc[0]


def probe_example(r, preset: str) -> list[str]:
    fields = str(r["probe_input"]).split()
    k = (len(fields) - 1) // 2 if len(fields) >= 3 and len(fields) % 2 == 1 else None
    hw = _hex(r["hardware_d"])
    head = (f"Example ({status_cell(r['status'])}): `{r['atom']}` ({_code(r['ptx'])}), "
            f"hardware consistent with **{value_text(r['value'])}**, preset `{r['preset_value'] or '–'}`.")
    out = [head]
    if r["note"]:
        out += ["", f"Note: {r['note']}"]
    if not fields:
        return out + ["", "(no probe input recorded)", ""]
    out += ["", "```", f"input ({'k = ' + str(k) + ': a0..a' + str(k - 1) + ' b0..b' + str(k - 1) + ' c' if k else 'fields'}):",
            f"  {' '.join(fields)}", f"hardware d: {hw or '(not recorded)'}", "```", ""]
    preds = parse_predictions(r["predictions"])
    if preds:
        consistent = set(labels(r["value"]))
        rows = []
        for label, d in preds:
            match = bool(hw) and _hex(d) == hw
            name = f"{label} (preset)" if label == r["preset_value"] else label
            mark = "**yes**" if match else "no"
            if label in consistent and not match:
                mark += " (listed as consistent)"
            rows.append([name, f"`{_hex(d)}`" if d else "–", mark])
        out += [table(["hypothesis", "predicted d", "= hardware"], rows), ""]
    else:
        out += ["(no predictions recorded)", ""]
    if r["ptx"] and k:
        out += [f"Replay (prints the `{preset}` preset's prediction):", "", "```sh",
                f"printf '%s\\n' '{' '.join(fields)}' | ./build/tcbench model --preset {preset} "
                f"--instr {r['ptx']} --k {k}", "```", ""]
    return out


def properties_section(n: Numerics) -> list[str]:
    pr = n.kind("probe")
    out = ["## The probes", ""]
    if pr.empty:
        return out + ["No probe rows in numerics.csv.", ""]
    out += ["Each probe is one designed input; every hypothesis of the property predicts the output bits, and "
            "the hardware's bits keep the hypotheses that match. Per property: what it tests, how its probes "
            "came out, and one example probe that can be replayed with `tcbench model`.", ""]
    for prop in sorted(dict.fromkeys(pr["property"]), key=_property_key):
        pg = pr[pr["property"] == prop]
        doc = PROPERTY_DOC.get(prop, "A property this report has no description of (see its probe rows in "
                                     "numerics.csv).")
        c = pg["status"].value_counts()
        tally = ", ".join(f"{c.get(s, 0)} {s}" for s in STATUSES if c.get(s, 0)) or "no status"
        others = [f"{v} {s}" for s, v in c.items() if s not in STATUSES]
        tally += (", " + ", ".join(others)) if others else ""
        out += [f"### `{prop}`", "", doc, "",
                f"{_plural(len(pg), 'probe')} on {_plural(pg['atom'].nunique(), 'atom')}: {tally}.", ""]
        out += probe_example(_pick_example(pg), n.preset)
    return out


def numerics_markdown(n: Numerics) -> str:
    title = n.device_name if n.device_name != "unknown" else n.slug
    out = [f"# Tensor-core numerics: {title} (`{n.slug}`)", ""] + problems_block(n.problems) + provenance_lines(n)
    if n.filled_columns:
        out += [f"numerics.csv lacks the column(s) {', '.join(n.filled_columns)}; they are shown empty.", ""]
    unknown = sorted(set(n.rows["kind"]) - set(KINDS))
    if unknown:
        out += [f"Rows of unknown kind ignored: {', '.join(unknown)}.", ""]
    out += validation_section(n) + derived_section(n) + properties_section(n)
    return "\n".join(out).rstrip() + "\n"


def write_numerics_report(results_dir, out=None) -> Path:
    return write_numerics_markdown(load_numerics(results_dir), out)


def write_numerics_markdown(n: Numerics, out=None) -> Path:
    """Writes n's report to `out` (default <results>/numerics.md): the target is checked first,
    then written by rename. A missing folder of `out` is created."""
    dest = Path(out) if out else n.path / REPORT_NAME
    if not dest.parent.exists():
        existing = next(a for a in dest.parent.parents if a.exists())
        if not existing.is_dir():
            raise OutputError(f"{existing}: is not a folder; cannot create {dest.parent} in it")
        dest.parent.mkdir(parents=True)
    check_file_target(dest)
    return write_text_atomic(dest, numerics_markdown(n))
