"""Synthetic results folders for the analysis tests: every family, with known best values."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from analysis.load import CSV_COLUMNS

SMS, CLOCK = 132, 1755.0
WARPS, ILPS = (4, 8, 12, 16), (1, 2)
# Fraction of an atom's best throughput at each (warps per SM, ILP): the best is at 16 × 2.
GRID = {(4, 1): 0.4, (4, 2): 0.7, (8, 1): 0.7, (8, 2): 0.9, (12, 1): 0.85, (12, 2): 0.97, (16, 1): 0.95,
        (16, 2): 1.0}
N_FACTOR = {64: 0.5, 128: 0.8, 256: 1.0}
RS_FACTOR = 0.98  # every RS atom runs at 0.98 × its SS twin

# label: (a, b, d, K, CuTe types, fraction of the dense peak reached at N = 256 by SS, dense peak)
WGMMA_TYPES = {
    "f16→f32": ("f16", "f16", "f32", 16, "F32F16F16", 0.99, 4096),
    "bf16→f32": ("bf16", "bf16", "f32", 16, "F32BF16BF16", 0.975, 4096),
    "tf32→f32": ("tf32", "tf32", "f32", 8, "F32TF32TF32", 0.90, 2048),
    "e4m3×e5m2→f32": ("e4m3", "e5m2", "f32", 32, "F32E4M3E5M2", 0.98, 8192),
    "s8→s32": ("s8", "s8", "s32", 32, "S32S8S8", 0.97, 8192),       # exactly at the bar
    "u8×s8→s32": ("u8", "s8", "s32", 32, "S32U8S8", 0.99, 8192),    # its N = 256 rows are invalid
    "b1→s32 (and)": ("b1", "b1", "s32", 256, "S32U1U1", 0.5, 65536),  # not in the acceptance check
}


def tflops(ops: float) -> float:
    return ops * SMS * CLOCK * 1e6 / 1e12


def row(family, atom, ptx, metric, a, b, d, m, n, k, w=0, ilp=0, value=0.0, valid=True, native=True, note=""):
    unit = "cycles" if "cycles" in metric else "TFLOP/s" if metric == "tflops" else \
        "B/clk/SM" if "bytes" in metric else "ops/clk/SM" if "ops" in metric else ""
    return dict(family=family, ptx=ptx, atom=atom, m=m, n=n, k=k, a_type=a, b_type=b, c_type=d, d_type=d,
                arch="sm_90a", metric=metric, warps_per_sm=w, ilp=ilp, value=value if valid else 0, unit=unit,
                median=value, iqr=0.1, cv=0.01, samples=7, discarded=0, sm_clock_mhz=CLOCK,
                native="true" if native else "false", sass_opcodes="", verified="true" if valid else "false",
                valid="true" if valid else "false", note=note)


def grid_rows(base: dict, best: float, sparse: bool = False, valid: bool = True) -> list[dict]:
    out = []
    for (w, ilp), f in GRID.items():
        v = best * f
        out.append(row(**base, metric="ops_per_clk_sm", w=w, ilp=ilp, value=v, valid=valid))
        out.append(row(**base, metric="tflops", w=w, ilp=ilp, value=tflops(v), valid=valid))
        if sparse:
            out.append(row(**base, metric="actual_ops_per_clk_sm", w=w, ilp=ilp, value=v / 2, valid=valid))
    return out


def wgmma_latency(n: int, src: str) -> float:
    return 30 + n / 4 + (4 if src == "RS" else 0)


def wgmma_issue(n: int, src: str) -> float:
    return n / 8 + (1 if src == "RS" else 0)


def wgmma_best(label: str, n: int, src: str) -> float:
    _, _, _, _, _, frac, peak = WGMMA_TYPES[label]
    return peak * frac * N_FACTOR[n] * (RS_FACTOR if src == "RS" else 1.0)


def wgmma_atom_name(label: str, n: int, src: str, sparse: bool = False, suffix: str = "") -> str:
    a, b, d, k, cute, _, _ = WGMMA_TYPES[label]
    k = 2 * k if sparse else k
    name = f"SM90_{'SPARSE_' if sparse else ''}64x{n}x{k}_{cute}_{src}"
    return name + ("_ANDPOPC" if a == "b1" else "") + suffix


def wgmma_base(label: str, n: int, src: str, sparse: bool = False, suffix: str = "") -> dict:
    a, b, d, k, _, _, _ = WGMMA_TYPES[label]
    k = 2 * k if sparse else k
    ptx = f"wgmma.mma_async{'.sp' if sparse else ''}.sync.aligned.m64n{n}k{k}.{d}.{a}.{b}" + \
        (".and.popc" if a == "b1" else "")
    return dict(family="wgmma", ptx=ptx, atom=wgmma_atom_name(label, n, src, sparse, suffix), a=a, b=b, d=d,
                m=64, n=n, k=k)


def wgmma_atom_rows(label: str, n: int, src: str, best: float | None = None, sparse: bool = False,
                    suffix: str = "", valid: bool = True) -> list[dict]:
    base = wgmma_base(label, n, src, sparse, suffix)
    best = wgmma_best(label, n, src) if best is None else best
    rows = [row(**base, metric="latency_cycles", w=4, ilp=1, value=wgmma_latency(n, src), valid=valid),
            row(**base, metric="issue_interval_cycles", w=4, ilp=1, value=wgmma_issue(n, src), valid=valid)]
    return rows + grid_rows(base, best, sparse=sparse, valid=valid)


F16_SS_256 = wgmma_atom_name("f16→f32", 256, "SS")
SWIZZLE_FACTORS = {"_SWNONE": 0.5, "_SW32": 0.75, "_SW64": 0.95}
SPARSE_BEST = {"SS": 8192 * 0.95, "RS": 8192 * 0.95 * RS_FACTOR}


def wgmma_rows(ns=tuple(N_FACTOR)) -> list[dict]:
    rows = []
    for label in WGMMA_TYPES:
        for n in ns:
            for src in ("SS", "RS"):
                invalid = label == "u8×s8→s32" and n == 256
                rows += wgmma_atom_rows(label, n, src, valid=not invalid)
    # Rows that must not count: a NaN marked valid, and a rejected value above the peak.
    f16 = wgmma_base("f16→f32", 256, "SS")
    rows.append(row(**f16, metric="ops_per_clk_sm", w=16, ilp=4, value=math.nan))
    rows.append(row(**f16, metric="ops_per_clk_sm", w=20, ilp=2, value=99999, valid=False,
                    note="above the architectural peak (99999 > 4096 ops/clk/SM): rejected"))
    for suffix, f in SWIZZLE_FACTORS.items():
        rows += wgmma_atom_rows("f16→f32", 256, "SS", best=wgmma_best("f16→f32", 256, "SS") * f, suffix=suffix)
    for src, best in SPARSE_BEST.items():
        rows += wgmma_atom_rows("f16→f32", 256, src, best=best, sparse=True)
    return rows


MMA_F16 = "SM80_16x8x16_F32F16F16F32_TN"
MMA_F16_SMALL = "SM75_16x8x8_F32F16F16F32_TN"
MMA_TF32 = "SM80_16x8x8_F32TF32TF32F32_TN"
MMA_BEST = {MMA_F16: 2644.0, MMA_F16_SMALL: 2008.0, MMA_TF32: 1322.0}


def mma_sync_rows() -> list[dict]:
    rows = []
    for atom, (a, k, lat) in {MMA_F16: ("f16", 16, 26.8), MMA_F16_SMALL: ("f16", 8, 17.4),
                              MMA_TF32: ("tf32", 8, 26.8)}.items():
        base = dict(family="mma.sync", ptx=f"mma.sync.aligned.m16n8k{k}.row.col.f32.{a}.{a}.f32", atom=atom,
                    a=a, b=a, d="f32", m=16, n=8, k=k)
        rows.append(row(**base, metric="latency_cycles", w=1, ilp=1, value=lat))
        rows += grid_rows(base, MMA_BEST[atom])
    return rows


MMA_SP_PTX = "mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32"
MMA_SP_BEST = {"SM80_16x8x32_F32F16F16F32_TN_SPARSE_SEL0": (5000.0, 30.0),
               "SM80_16x8x32_F32F16F16F32_TN_SPARSE_SEL1": (5200.0, 32.0)}


def mma_sp_rows() -> list[dict]:
    rows = []
    for atom, (best, lat) in MMA_SP_BEST.items():
        base = dict(family="mma.sp", ptx=MMA_SP_PTX, atom=atom, a="f16", b="f16", d="f32", m=16, n=8, k=32)
        rows.append(row(**base, metric="latency_cycles", w=1, ilp=1, value=lat))
        rows += grid_rows(base, best, sparse=True)
    return rows


WMMA = "SM70_WMMA_16x16x16_F32F16F16F32_TN"


def wmma_rows() -> list[dict]:
    base = dict(family="wmma", ptx="wmma.mma.sync.aligned.row.col.m16n16k16.f32.f32", atom=WMMA, a="f16", b="f16",
                d="f32", m=16, n=16, k=16)
    rows = [row(**base, metric="latency_cycles", w=1, ilp=1, value=33.0)] + grid_rows(base, 2500.0)
    for work, (bw, lat) in {"load_a": (600.0, 40.0), "load_b": (590.0, 41.0), "load_c": (1200.0, 45.0),
                            "store_d": (300.0, 50.0)}.items():
        rows.append(row(**base, metric=f"{work}_latency_cycles", w=1, ilp=1, value=lat))
        rows.append(row(**base, metric=f"{work}_bytes_per_clk_sm", w=8, ilp=1, value=bw / 2))
        rows.append(row(**base, metric=f"{work}_bytes_per_clk_sm", w=16, ilp=1, value=bw))
    return rows


def write_folder(path: Path, rows: list[dict], wall_seconds=None, data="random", sha="0123456789abcdef",
                 date="2025-01-02T03:04:05Z") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "instructions.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    run = {"status": "complete", "device": {"name": "NVIDIA H100 80GB HBM3", "sm": 90, "sm_count": SMS},
           "date_utc": date,
           "git": {"sha": sha, "dirty": False}, "command": "tcbench run", "config": {"data": data}}
    if wall_seconds is not None:
        run["wall_seconds"] = wall_seconds
    (path / "run.json").write_text(json.dumps(run))
    return path


# ---- movement.csv and energy.csv --------------------------------------------------------------------
# Clearly synthetic values on a made-up device (L1 = 192 KiB of shared memory per SM, L2 = 48 MiB):
# round latencies per level, bandwidths that are plain fractions of made-up bounds.

L1_BYTES, L2_BYTES = 192 * 1024, 48 * 1024 * 1024
KiB, MiB, GiB = 1024, 1024 * 1024, 1024 * 1024 * 1024
CHASE_SIZES = (16 * KiB, 128 * KiB, 1 * MiB, 8 * MiB, 20 * MiB, 40 * MiB, 256 * MiB, 2 * GiB)
# Latency (cycles) of each working set per load path: L1 40, L2 250 (300 past half of it), DRAM 600 / 700.
CHASE_CYCLES = {"ld.global.ca": (40, 40, 250, 250, 250, 300, 600, 700),
                "ld.global.cg": (250, 250, 250, None, 250, 300, 600, 700)}  # None: the invalid point
CHASE_INVALID_NOTE = "launch 2: the chain ended at element 5, expected 7"
DRAM_DATASHEET, DRAM_BOUND, DRAM_READ_BEST = 3000.0, 4000.0, 2700.0   # measured / datasheet = 0.90
L2_BOUND, L2_READ_BEST = 20000.0, 10000.0                              # no datasheet: 0.50 of the bound
COPY_INVALID_NOTE = "above the physical bound: rejected"
SMEM_WAYS = (1, 2, 4, 8, 16, 32)
SMEM_STORE_INVALID_NOTE = "launch 0 block 3: checksum 0x1, expected 0x2"
IDLE_W = 70.0
ENERGY_PJ = {"SM80_16x8x16_F32F16F16F32_TN": ("mma.sync", "f16", "f32", 0.80, 0.65),
             "SM90_64x256x16_F32F16F16_RS": ("wgmma", "f16", "f32", 0.40, 0.33),
             "SM90_SPARSE_64x256x32_F32F16F16_RS": ("wgmma", "f16", "f32", 0.25, 0.20)}
ENERGY_INVALID_ATOM = "SM80_16x8x32_S32S8S8S32_TN"
ENERGY_INVALID_NOTE = "the load's power is not above the idle power in every part"
PATH_PJ = {"dram_read": (60.0, 45.0), "l2_read": (20.0, 12.0)}
ENERGY_SKIPPED_ATOM = "SM89_16x8x32_F32E4M3E4M3F32_TN"
ENERGY_SKIPPED_NOTE = "not a native tensor-core instruction on this GPU"


def table_row(family, atom, metric, value=0.0, ptx="", size=0, params="", bound=0.0, w=0, ilp=0, valid=True,
              note="", a="", d="", clock=CLOCK):
    from analysis.load import METRIC_UNITS
    return dict(family=family, ptx=ptx, atom=atom, m=0, n=0, k=0, a_type=a, b_type=a, c_type=d, d_type=d,
                arch="sm_90a", metric=metric, warps_per_sm=w, ilp=ilp, size_bytes=size, params=params,
                value=value if valid else 0, unit=METRIC_UNITS[metric], bound=bound, median=value, iqr=0.1, cv=0.01,
                samples=5, discarded=0, sm_clock_mhz=clock, native="true", sass_opcodes="",
                verified="true" if valid else "false", valid="true" if valid else "false", note=note)


def latency_pair(atom, cycles, ptx="", size=0, params="", valid=True, note=""):
    """latency_cycles and latency_ns of one point (ns at CLOCK)."""
    return [table_row("movement", atom, "latency_cycles", cycles, ptx, size, params, w=1, ilp=1, valid=valid,
                      note=note),
            table_row("movement", atom, "latency_ns", cycles * 1e3 / CLOCK, ptx, size, params, w=1, ilp=1,
                      valid=valid, note=note)]


def chase_rows() -> list[dict]:
    rows = []
    for path, cycles in CHASE_CYCLES.items():
        atom = "global.chase." + path.rsplit(".", 1)[1]
        for size, c in zip(CHASE_SIZES, cycles):
            params = f"path={path};stride=128;lines={'warm' if size <= L2_BYTES else 'cold'}"
            rows += latency_pair(atom, c if c else 9.0, "ld.global.u64", size, params, valid=c is not None,
                                 note="" if c else CHASE_INVALID_NOTE)
    for cls, c in (("near", 230.0), ("far", 290.0)):
        rows += latency_pair("l2.chase.partition", c, "ld.global.cg.u64", 512 * KiB, f"path=ld.global.cg;class={cls}")
    return rows


def bandwidth_rows() -> list[dict]:
    rows = []
    dram = f"datasheet_gbs={DRAM_DATASHEET:g}"
    for size, f in ((256 * MiB, 0.9), (1 * GiB, 1.0)):
        rows.append(table_row("movement", "global.bandwidth", "bandwidth_gbs", DRAM_READ_BEST * f, "ld.global.cg.v4",
                              size, f"op=read;{dram}", DRAM_BOUND, w=32))
    rows.append(table_row("movement", "global.bandwidth", "bandwidth_gbs", 9999.0, "st.global.v4", 1 * GiB,
                          f"op=copy;{dram}", DRAM_BOUND, w=32, valid=False, note=COPY_INVALID_NOTE))
    rows.append(table_row("movement", "l2.bandwidth", "bandwidth_gbs", L2_READ_BEST, "ld.global.cg.v4", 8 * MiB,
                          "op=read", L2_BOUND, w=32))
    for width, top in ((32, 128.0), (128, 128.0)):
        atom, ptx = f"smem.load.b{width}", "ld.shared.v4.b32" if width == 128 else "ld.shared.b32"
        lanes = 32 if width == 32 else 8
        for ways in SMEM_WAYS:
            params = f"width={width};ways={ways}"
            if ways > lanes:
                rows.append(table_row("movement", atom, "skipped", ptx=ptx, params=params, valid=False,
                                      note=f"a {width}-bit access serves {lanes} lanes per wavefront"))
            else:
                rows.append(table_row("movement", atom, "bytes_per_clk_sm", top / ways, ptx, params=params, bound=128,
                                      w=32))
        rows += latency_pair(atom, 30.0, ptx, 4096, f"width={width}")
    for ways in (1, 4):
        rows.append(table_row("movement", "smem.store.b32", "bytes_per_clk_sm", 128.0 / ways, "st.shared.b32",
                              params=f"width=32;ways={ways}", bound=128, w=32, valid=ways == 1,
                              note="" if ways == 1 else SMEM_STORE_INVALID_NOTE))
    return rows


def instruction_movement_rows() -> list[dict]:
    rows = latency_pair("ldmatrix.x4.trans", 32.0, "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16")
    rows += [table_row("movement", "ldmatrix.x4.trans", "bytes_per_clk_sm", v, "ldmatrix.sync.aligned.m8n8.x4.trans"
                       ".shared.b16", bound=128, w=w) for w, v in ((8, 64.0), (16, 120.0))]
    rows += latency_pair("stmatrix.x2", 36.0, "stmatrix.sync.aligned.m8n8.x2.shared.b16", params="pair=ldmatrix")
    rows.append(table_row("movement", "stmatrix.x2", "bytes_per_clk_sm", 100.0,
                          "stmatrix.sync.aligned.m8n8.x2.shared.b16", bound=128, w=16))
    rows += latency_pair("cp.async.cg.16", 600.0, "cp.async.cg.shared.global", 512, "src=l2")
    rows.append(table_row("movement", "cp.async.cg.16", "bytes_per_clk_sm", 40.0, "cp.async.cg.shared.global",
                          4 * MiB, "src=l2", bound=128, w=16))
    for tile, c in ((1 * KiB, 700.0), (4 * KiB, 900.0), (16 * KiB, 1300.0)):
        rows += latency_pair("bulk.copy", c, "cp.async.bulk.shared::cluster.global", tile, f"tile={tile}")
    rows.append(table_row("movement", "bulk.copy", "bandwidth_gbs", 2800.0, "cp.async.bulk.shared::cluster.global",
                          16 * KiB, "tile=16384", bound=DRAM_BOUND, w=4))
    rows += latency_pair("dsmem.load", 200.0, "ld.shared::cluster.u64", 4096, "cluster=2;target=remote")
    rows.append(table_row("movement", "dsmem.load", "bytes_per_clk_sm", 60.0, "ld.shared::cluster.v4.u32",
                          64 * KiB, "cluster=2", bound=128, w=16))
    rows.append(table_row("movement", "launch.stream", "launch_overhead_us", 2.25, params="kernels=1000"))
    rows.append(table_row("movement", "launch.graph", "kernel_time_us", 1.25, params="kernels=1000"))
    return rows


def movement_rows() -> list[dict]:
    return chase_rows() + bandwidth_rows() + instruction_movement_rows()


def energy_rows() -> list[dict]:
    rows = [table_row("energy", "idle", "idle_power_w", IDLE_W, params="source=counter;parts=4")]
    for atom, (fam, a, d, pj, above) in ENERGY_PJ.items():
        p = f"instr_family={fam};steps=4096"
        kw = dict(ptx=f"{fam}.synthetic", params=p, a=a, d=d, w=16, ilp=2, clock=1600.0)
        rows += [table_row("energy", atom, "ops_per_clk_sm", 4000.0, bound=8192, **kw),
                 table_row("energy", atom, "power_w", 500.0, bound=1050, **kw),
                 table_row("energy", atom, "pj_per_fma", pj, **kw),
                 table_row("energy", atom, "pj_per_fma_above_idle", above, **kw)]
    kw = dict(ptx="mma.sync.synthetic", params="instr_family=mma.sync", a="s8", d="s32", w=16, ilp=2)
    rows += [table_row("energy", ENERGY_INVALID_ATOM, "pj_per_fma", 0.5, **kw),
             table_row("energy", ENERGY_INVALID_ATOM, "pj_per_fma_above_idle", 0.7, valid=False,
                       note=ENERGY_INVALID_NOTE, **kw)]
    rows.append(table_row("energy", ENERGY_SKIPPED_ATOM, "skipped", ptx="mma.sync.synthetic",
                          params="instr_family=mma.sync", a="e4m3", d="f32", valid=False, note=ENERGY_SKIPPED_NOTE))
    for atom, (pj, above) in PATH_PJ.items():
        kw = dict(ptx="ld.global.cg.v2.u64", params=f"path={atom};bytes=1073741824")
        rows += [table_row("energy", atom, "power_w", 300.0, **kw), table_row("energy", atom, "pj_per_byte", pj, **kw),
                 table_row("energy", atom, "pj_per_byte_above_idle", above, **kw)]
    return rows


ENERGY_METHOD = {"source": "counter", "poll_period_ms": 10, "steady_window_s": 4,
                 "idle": {"measured": True, "power_w": IDLE_W}}


def unavailable_energy_rows(note: str) -> list[dict]:
    """energy.csv where NVML cannot read energy: every benchmark skipped, saying why."""
    return [table_row("energy", "idle", "skipped", valid=False, note=note),
            table_row("energy", "SM80_16x8x16_F32F16F16F32_TN", "skipped", ptx="mma.sync.synthetic",
                      params="instr_family=mma.sync", a="f16", d="f32", valid=False, note=note),
            table_row("energy", "dram_read", "skipped", ptx="ld.global.cg.v2.u64", valid=False, note=note)]


def write_table(folder: Path, name: str, rows: list[dict], gz: bool = False, columns=None) -> Path:
    """folder/<name>.csv (or .csv.gz) with the schema's columns (or `columns`: an older file)."""
    import gzip
    import io
    columns = columns or CSV_COLUMNS
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path = folder / (f"{name}.csv.gz" if gz else f"{name}.csv")
    data = buf.getvalue().encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_movement_folder(path: Path, gz: bool = False, instructions: bool = True, device_sizes: bool = True,
                          tables_in_run_json: bool = True) -> Path:
    """A results folder with instructions (mma.sync), movement and energy tables."""
    write_folder(path, mma_sync_rows() if instructions else [])
    if not instructions:
        (path / "instructions.csv").unlink()
    write_table(path, "movement", movement_rows(), gz)
    write_table(path, "energy", energy_rows(), gz)
    run = json.loads((path / "run.json").read_text())
    if device_sizes:
        run["device"].update(l2_bytes=L2_BYTES, shared_mem_per_sm_bytes=L1_BYTES)
    run["energy"] = ENERGY_METHOD
    if tables_in_run_json:
        run["tables"] = (["instructions"] if instructions else []) + ["movement", "energy"]
        run["files"] = ["run.json"] + [f"{t}.csv" for t in run["tables"]] + ["benchmark.json.gz"]
    (path / "run.json").write_text(json.dumps(run))
    return path
