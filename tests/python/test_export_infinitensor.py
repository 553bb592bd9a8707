"""The infinitensor exporter (analysis/exporters/infinitensor.py, issue #13), tested against the
consumer's format at the pinned upstream commit (docs/exporters/infinitensor.md):

  * the file reads the way PerfEngine::loadPerfEngineData reads it (re-implemented below from its
    rules: one whitespace-delimited token, json::parse, an array of [key, record] pairs whose first
    occurrence of a key wins), every key is the one InfiniTensor's runtime computes (the hash
    formula of include/core/hash.h, written out again here, and the values the C++ replica of the
    loader computed), every record is [algo, time in ms] of a measured CUBLAS_GEMM_ALGO0..23 call;
  * which measurement becomes the record (fastest median, ties to the lower id, never the
    CUBLAS_GEMM_DEFAULT reference, shapes without a measured algorithm left out);
  * the refusals (no results folder, missing or unfinished measurements, another GPU, an output
    that missed the exact product, a shape measured in two dtypes);
  * the same bytes whatever the row order, and the committed fixture's output
    (tests/data/infinitensor/expected/perf_engine.json), which ctest's infinitensor_loader_replica
    loads with the C++ replica of the upstream loader.

Regenerate the fixture and the expected file after an intended change:
    python3 tests/python/test_export_infinitensor.py"""
from __future__ import annotations

import csv
import io
import json
import random
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis.exporters import infinitensor  # noqa: E402

DATA = REPO / "tests" / "data" / "infinitensor"
FIXTURE_RESULTS = DATA / "results"          # a results folder holding only gemm_algos/
EXPECTED = DATA / "expected" / "perf_engine.json"
PRETTY = DATA / "expected" / "perf_engine_pretty.json"  # the loader must refuse it (ctest)
UPSTREAM_COMMIT = "5cb7c1fc9d01e53ace9013667295307f13907e7a"
GPU = "NVIDIA H200"
TABLE = {"device": {"name": GPU}}
# The columns `tcbench gemm-algos` writes (harness/cli/cmd_gemm_algos.cpp, kCsvHeader).
COLUMNS = ["name", "dtype", "b", "m", "n", "k", "trans_a", "trans_b", "api", "compute_type", "algo", "algo_name",
           "status", "time_ms_median", "time_ms_min", "time_ms_max", "reps", "calls_per_rep", "verified",
           "checked_entries", "note"]


# ---- the upstream rules, written out independently of the exporter ------------------------------

def upstream_hash(attrs: list) -> int:
    """OperatorObj::getOpPerfKey: hashAppend(hashAppend(0, opType), hashVector(attrs)), with
    hashAppend(a, b) = (a * 10000019 + b * 10000079) % 2147483647 in uint64."""
    mask = 2**64 - 1

    def append(a, b):
        return ((a * 10000019 + b * 10000079) & mask) % 2147483647

    h = 0
    for v in attrs:
        h = append(h, v)
    return append(append(0, 90), h)


def load_like_upstream(text: str) -> dict:
    """PerfEngine::loadPerfEngineData at UPSTREAM_COMMIT, as far as this file needs it:
    `filein >> t` (skips leading whitespace, stops at the next), json::parse(t), then
    j["data"].get<map<Key, PerfRecord>>(): an array of [key, value] pairs, Key = [[Device, OpType],
    {"hashType", "opType", "attrs"}], value = {"type": int, "data": ...} whose type picks the
    registered constructor (2: MatmulCublasPerfRecordObj, data = pair<int, double>). Returns
    {(device, op, hash, opType, attrs): (algo, time)}; the map keeps a key's first value."""
    token = text.split()[0]
    assert text == token + "\n", "the loader reads one whitespace-free token: the file must be that token"
    j = json.loads(token)
    assert list(j) == ["data"] and isinstance(j["data"], list)
    loaded = {}
    for element in j["data"]:
        assert isinstance(element, list) and len(element) == 2
        (attrs_pair, op_key), record = element
        assert isinstance(attrs_pair, list) and len(attrs_pair) == 2 and all(type(x) is int for x in attrs_pair)
        assert set(op_key) == {"hashType", "opType", "attrs"}
        assert type(op_key["hashType"]) is int and 0 <= op_key["hashType"] < 2**64
        assert type(op_key["opType"]) is int and 0 <= op_key["opType"] < 2**16
        assert all(type(a) is int and -2**31 <= a < 2**31 for a in op_key["attrs"])
        assert set(record) == {"type", "data"} and record["type"] == 2
        algo, time = record["data"]
        assert type(algo) is int and type(time) is float
        key = (*attrs_pair, op_key["hashType"], op_key["opType"], tuple(op_key["attrs"]))
        loaded.setdefault(key, (algo, time))
    return loaded


# ---- synthetic gemm_algos folders ---------------------------------------------------------------

def shape_rows(name, dtype, b, m, n, k, ta, tb, times: dict, failed=(), unverified=()) -> list:
    """Rows as `tcbench gemm-algos` writes them: DEFAULT (-1) first, then ALGO0..23; `times` maps
    algo -> median ms of the measured ones, `failed` are refused by cuBLAS."""
    rows = []
    for algo in [-1, *range(24)]:
        base = dict(name=name, dtype=dtype, b=b, m=m, n=n, k=k, trans_a=ta, trans_b=tb,
                    api="cublasGemmEx" if b == 1 else "cublasGemmStridedBatchedEx",
                    compute_type="CUBLAS_COMPUTE_32F_FAST_16F" if dtype == "f16" else "CUBLAS_COMPUTE_32F",
                    algo=algo, algo_name="CUBLAS_GEMM_DEFAULT" if algo < 0 else f"CUBLAS_GEMM_ALGO{algo}")
        if algo in failed or algo not in times:
            rows.append({**base, "status": "failed", "checked_entries": 0, "note": "CUBLAS_STATUS_NOT_SUPPORTED"})
            continue
        t = times[algo]
        rows.append({**base, "status": "measured", "time_ms_median": t, "time_ms_min": f"{float(t) * 0.99:.6g}",
                     "time_ms_max": f"{float(t) * 1.02:.6g}", "reps": 7, "calls_per_rep": 20,
                     "verified": "false" if algo in unverified else "true", "checked_entries": 32, "note": ""})
    return rows


def fixture_rows() -> list:
    """Five shapes: a batched f16 GEMM (ALGO7 fastest), a GEMV whose DEFAULT beats every ALGO and
    whose fastest two ALGOs tie, an f32 GEMM, one that did not fit, one no ALGO could run."""
    rng = random.Random(13)
    attn = {a: f"{rng.uniform(0.2101, 0.2199):.6g}" for a in [-1, *range(24)]}
    attn[7] = "0.208113"
    gemv = {a: f"{rng.uniform(0.0151, 0.0199):.6g}" for a in range(24) if a not in (2, 5)}
    gemv[-1], gemv[3], gemv[9] = "0.0102", "0.0142", "0.0142"
    mlp = {a: f"{rng.uniform(0.031, 0.034):.6g}" for a in [-1, *range(24)]}
    rows = shape_rows("llama3_8b.prefill_2k.attn_qk", "f16", 32, 2048, 2048, 128, 0, 1, attn)
    rows += shape_rows("skinny.gemv_4096", "f16", 1, 4096, 1, 4096, 0, 0, gemv, failed=(2, 5))
    rows += shape_rows("mlp.fp32_1024", "f32", 1, 1024, 1024, 1024, 0, 0, mlp)
    rows += [dict(name="huge.not_run", dtype="f16", b=64, m=16384, n=16384, k=16384, trans_a=0, trans_b=0,
                  status="not_run", checked_entries=0, note="cudaMalloc: out of memory")]
    rows += shape_rows("unsupported.all_failed", "f16", 1, 8, 8, 8, 1, 1, {-1: "0.004"})
    return rows


def csv_text(rows: list) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def run_json(**changes) -> dict:
    run = {"schema_version": 1, "status": "complete", "command": "tcbench gemm-algos --out results/x/gemm_algos",
           "device": {"name": GPU, "sm": 90}, "cublas": {"version": 130100, "version_text": "13.1.0"}}
    return {**run, **changes}


def write_results(root: Path, rows: list, run: dict | None = None) -> Path:
    folder = root / "gemm_algos"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gemm_algos.csv").write_text(csv_text(rows), encoding="utf-8")
    (folder / "gemm_algos_run.json").write_text(json.dumps(run or run_json(), indent=2) + "\n", encoding="utf-8")
    return root


def exported(root: Path, table=TABLE) -> str:
    files = infinitensor.render(table, root)
    assert tuple(files) == infinitensor.FILES == ("perf_engine.json",)
    return files["perf_engine.json"]


@pytest.fixture
def results(tmp_path) -> Path:
    return write_results(tmp_path, fixture_rows())


# ---- the format ---------------------------------------------------------------------------------

def test_pinned_commit():
    assert infinitensor.UPSTREAM_COMMIT == UPSTREAM_COMMIT


def test_hash_matches_the_upstream_formula_and_the_replica():
    # values the C++ replica of InfiniTensor's key code printed (example_perf.json in the research)
    assert infinitensor.op_perf_key(4, 256, 512, 128, 0, 0)["hashType"] == 797368198
    assert infinitensor.op_perf_key(1, 1024, 1024, 1024, 0, 1)["hashType"] == 1272745211
    rng = random.Random(5)
    for _ in range(200):
        dims = [rng.randint(1, 2**31 - 1) for _ in range(4)] + [rng.randint(0, 1), rng.randint(0, 1)]
        key = infinitensor.op_perf_key(*dims)
        assert key["attrs"] == [90, *dims, 0]
        assert key["hashType"] == upstream_hash(key["attrs"])


def test_the_replicas_two_entry_file_byte_for_byte():
    entries = [infinitensor.entry(infinitensor.op_perf_key(1, 1024, 1024, 1024, 0, 1), 0, 0.5),
               infinitensor.entry(infinitensor.op_perf_key(4, 256, 512, 128, 0, 0), 5, 0.0123)]
    assert infinitensor.perf_engine_text(entries) == (
        '{"data":[[[[2,90],{"attrs":[90,4,256,512,128,0,0,0],"hashType":797368198,"opType":90}],'
        '{"data":[5,0.0123],"type":2}],[[[2,90],{"attrs":[90,1,1024,1024,1024,0,1,0],"hashType":1272745211,'
        '"opType":90}],{"data":[0,0.5],"type":2}]]}\n')


def test_loads_like_upstream_with_runtime_keys(results):
    loaded = load_like_upstream(exported(results))
    assert len(loaded) == 3
    for (device, op, h, op_type, attrs), (algo, time) in loaded.items():
        assert (device, op, op_type) == (2, 90, 90)
        assert attrs[0] == 90 and attrs[7] == 0 and attrs[5] in (0, 1) and attrs[6] in (0, 1)
        assert h == upstream_hash(list(attrs))
        assert 0 <= algo <= 23 and time > 0


def test_entries_are_in_std_map_order(results):
    hashes = [e[0][1]["hashType"] for e in json.loads(exported(results))["data"]]
    assert hashes == sorted(hashes)


def by_shape(text: str) -> dict:
    return {attrs[1:7]: record for (_, _, _, _, attrs), record in load_like_upstream(text).items()}


def test_records_are_the_fastest_measured_algorithm_in_ms(results):
    records = by_shape(exported(results))
    assert records[(32, 2048, 2048, 128, 0, 1)] == (7, 0.208113)
    assert records[(1, 4096, 1, 4096, 0, 0)] == (3, 0.0142)  # ALGO3 and ALGO9 tie: the lower id


def test_default_reference_is_never_exported(results):
    # DEFAULT (0.0102 ms) beats every ALGO of the GEMV; InfiniTensor's tuner never tries it
    assert all(algo != -1 for algo, _ in by_shape(exported(results)).values())


def test_shapes_without_a_measured_algorithm_are_left_out(results):
    shapes = set(by_shape(exported(results)))
    assert (64, 16384, 16384, 16384, 0, 0) not in shapes   # not_run
    assert (1, 8, 8, 8, 1, 1) not in shapes                 # only DEFAULT ran
    assert (1, 1024, 1024, 1024, 0, 0) in shapes


def test_deterministic_whatever_the_row_order(tmp_path):
    rows = fixture_rows()
    first = exported(write_results(tmp_path / "a", rows))
    random.Random(1).shuffle(rows)
    assert exported(write_results(tmp_path / "b", rows)) == first
    assert exported(tmp_path / "a") == first


# ---- refusals -----------------------------------------------------------------------------------

def refusal(root, table=TABLE) -> str:
    with pytest.raises(ValueError) as e:
        infinitensor.render(table, root)
    return str(e.value)


def test_refuses_without_a_results_folder():
    assert "needs the results folder" in refusal(None)


def test_refuses_without_measurements(tmp_path):
    message = refusal(tmp_path)
    assert str(tmp_path / "gemm_algos" / "gemm_algos.csv") in message and "tcbench gemm-algos" in message


def test_refuses_without_its_run_json(results):
    (results / "gemm_algos" / "gemm_algos_run.json").unlink()
    assert "gemm_algos_run.json not found" in refusal(results)


def test_refuses_an_unfinished_run(tmp_path):
    root = write_results(tmp_path, fixture_rows(), run_json(status="partial", partial_reason="interrupted"))
    assert "not \"complete\"" in refusal(root)


def test_refuses_a_cut_csv(results):
    path = results / "gemm_algos" / "gemm_algos.csv"
    path.write_text(path.read_text()[:-7])
    assert "cut off" in refusal(results)


def test_refuses_another_gpu(results):
    message = refusal(results, {"device": {"name": "NVIDIA H100 80GB HBM3"}})
    assert "gemm_algos_run.json: measured on 'NVIDIA H200'" in message and "H100" in message


def test_refuses_an_output_that_missed_the_product(tmp_path):
    rows = shape_rows("x", "f16", 1, 64, 64, 64, 0, 0, {a: "0.01" for a in range(24)}, unverified=(4,))
    assert "differs from the exact product" in refusal(write_results(tmp_path, rows))


def test_refuses_a_shape_measured_in_two_dtypes(tmp_path):
    times = {a: "0.01" for a in range(24)}
    rows = shape_rows("x16", "f16", 1, 64, 64, 64, 0, 0, times) + shape_rows("x32", "f32", 1, 64, 64, 64, 0, 0, times)
    message = refusal(write_results(tmp_path, rows))
    assert "more than one dtype" in message and "b=1 m=64 n=64 k=64 transA=0 transB=0" in message


def test_refuses_a_malformed_time(tmp_path):
    rows = shape_rows("x", "f16", 1, 64, 64, 64, 0, 0, {a: "0.01" for a in range(24)})
    rows[3]["time_ms_median"] = "nan"
    assert "time_ms_median 'nan'" in refusal(write_results(tmp_path, rows))


def test_refuses_when_nothing_was_measured(tmp_path):
    rows = shape_rows("x", "f16", 1, 8, 8, 8, 0, 0, {-1: "0.004"})
    assert "no shape has a measured" in refusal(write_results(tmp_path, rows))


# ---- the committed fixture (the C++ replica of the loader reads the expected file) --------------

def test_committed_fixture_is_the_generated_one():
    folder = FIXTURE_RESULTS / "gemm_algos"
    assert (folder / "gemm_algos.csv").read_text() == csv_text(fixture_rows())
    assert json.loads((folder / "gemm_algos_run.json").read_text()) == run_json()


def pretty(text: str) -> str:
    return json.dumps(json.loads(text), indent=2) + "\n"


def test_committed_expected_output():
    assert exported(FIXTURE_RESULTS) == EXPECTED.read_text()
    assert PRETTY.read_text() == pretty(EXPECTED.read_text())


if __name__ == "__main__":
    write_results(FIXTURE_RESULTS, fixture_rows())
    EXPECTED.parent.mkdir(parents=True, exist_ok=True)
    EXPECTED.write_text(exported(FIXTURE_RESULTS))
    PRETTY.write_text(pretty(EXPECTED.read_text()))
    print(f"wrote {FIXTURE_RESULTS / 'gemm_algos'}, {EXPECTED} and {PRETTY}")
