"""The Python cost-table loader (analysis/cost_table_load.py, issue #13 item 2): the fixture
tests/data/cost_table/minimal.json through every accessor; the error cases shared with the C++
loader (tests/data/cost_table/error_cases.json: malformed JSON, a missing field, a wrong type, a
future version, an unknown key, ...), each with its message word for word; and cases derived from
analysis/cost_table.schema.json itself (every required key removed, every field given a wrong
type, every closed object given an unknown key), as tests/cpp/test_cost_table.cpp does for C++."""
from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis.cost_table_load import (  # noqa: E402
    MEMORY_LEVEL_NAMES, CostTableError, cost_table_from_dict, load_cost_table, parse_cost_table, validate_cost_table)
from analysis.cost_table_validate import SCHEMA, SCHEMA_PATH, pointer  # noqa: E402

DATA = REPO / "tests" / "data" / "cost_table"
FIXTURE = DATA / "minimal.json"
CASES = json.loads((DATA / "error_cases.json").read_text())["cases"]


def fixture() -> dict:
    return json.loads(FIXTURE.read_text())


def load_error(doc: Any) -> str:
    """The loader's message for a parsed document, or "" when it loads."""
    try:
        cost_table_from_dict(doc, "t.json")
    except CostTableError as e:
        return str(e)
    return ""


def parent_and_key(doc: Any, ptr: str) -> Tuple[Any, Any]:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]]
    for t in tokens[:-1]:
        doc = doc[int(t) if isinstance(doc, list) else t]
    return doc, int(tokens[-1]) if isinstance(doc, list) else tokens[-1]


def case_text(case: dict) -> str:
    """The case's text: its own, or minimal.json with its set and remove applied."""
    if "text" in case:
        return case["text"]
    doc = fixture()
    for ptr, value in case.get("set", {}).items():
        parent, key = parent_and_key(doc, ptr)
        parent[key] = value
    for ptr in case.get("remove", []):
        parent, key = parent_and_key(doc, ptr)
        del parent[key]
    return json.dumps(doc)


# ---- the fixture and the accessors ----------------------------------------------------------------
def test_fixture_loads_every_field():
    t = load_cost_table(FIXTURE)
    assert (t.schema_version, t.kind) == (1, "tcbench-cost-table")
    assert t.provenance.sources[0].git_dirty is False
    assert t.provenance.data_files[0].file == "instructions.csv"
    assert (t.device.name, t.device.sm_count, t.device.memory_bytes) == ("NVIDIA H200", 132, 150754820096)
    assert t.device.sm_clock_mhz_under_load.min == 1965.0 and t.device.sm_clock_mhz_under_load.samples == 120
    assert isinstance(t.device.datasheet_dram_gbs, float)  # written 4800: a number is a float
    assert t.conditions.clock_event_reasons["run.json"] == "none"
    assert len(t.instructions) == 3
    mma, wgmma, sparse = t.instructions
    assert (mma.shape.k, mma.types.d, mma.operand_source) == (16, "f32", None)
    assert (mma.peak_at.warps_per_sm, mma.reach_90.ilp, mma.energy.pj_per_fma) == (16, 2, 0.9)
    assert mma.sass_opcodes == ("HMMA.16816.F32",)
    assert (wgmma.operand_source, wgmma.issue_interval_source) == ("SS", "measured")
    assert sparse.latency_cycles is None and sparse.native is None and sparse.peak_at is None and sparse.energy is None
    assert set(t.movement.levels) == {"shared", "dram"}
    assert t.movement.levels["shared"].datasheet_gbs is None  # optional key, absent
    assert t.movement.paths[0].bound_unit == "GB/s"
    assert t.movement.chase[0].largest_bytes == 1073741824
    assert t.movement.launch.graph_kernel_time_us == 0.9
    assert t.numerics.source == "numerics.csv"
    path = t.numerics.paths[0]
    assert (path.types["c"], path.measured["rounding"], path.validation.cases) == ("f32", "truncate|rz", 1000)
    assert (t.energy.idle_power_w, t.energy.paths[0].pj_per_byte) == (75.0, 7.5)
    assert t.calibration is None
    # A merged table (tcbench merge, #16): the chips and each figure's spread across them.
    assert (t.chips.count, t.chips.model, t.chips.members[2].host) == (3, "NVIDIA H200", "node2")
    assert mma.across_chips["ops_per_clk_sm"].min == 1020.5 and mma.across_chips["latency_cycles"].chips == 3
    assert wgmma.across_chips is None  # absent: no spread recorded
    assert t.movement.levels["dram"].across_chips["bandwidth_gbs"].cv == 0.01
    assert t.movement.levels["shared"].across_chips is None


def test_accessors():
    t = load_cost_table(str(FIXTURE))
    assert t.find_instruction("SM90_64x256x16_F32F16F16_SS").family == "wgmma"
    assert t.find_instruction("no such atom") is None
    assert len(t.find_instructions()) == 3
    assert len(t.find_instructions("wgmma")) == 1
    assert len(t.find_instructions(a_type="f16")) == 3
    assert len(t.find_instructions("mma.sync", "f16")) == 1
    assert t.find_instructions("wmma") == ()
    assert t.best_dense_tflops("f16") == 1070.5  # the sparse 2000 is not dense
    assert t.best_dense_tflops("bf16") is None
    assert t.level("dram").bandwidth_gbs == 4200.5
    assert t.level("l2") is None
    with pytest.raises(ValueError, match="no memory level 'DRAM'"):
        t.level("DRAM")
    assert MEMORY_LEVEL_NAMES == ("shared", "l1", "l2", "l2_far", "dram", "dsmem")


def test_table_is_frozen():
    t = load_cost_table(FIXTURE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.device.sm_count = 1
    with pytest.raises(TypeError):
        t.movement.levels["l1"] = t.movement.levels["dram"]


def test_calibration_kept_as_stored():
    doc = fixture()
    doc["calibration"] = {"scale": 1.5}
    assert cost_table_from_dict(doc, "t.json").calibration == {"scale": 1.5}


def test_integral_number_is_an_integer():  # JSON Schema: 132.0 is an integer
    doc = fixture()
    doc["device"]["sm_count"] = 132.0
    sm_count = cost_table_from_dict(doc, "t.json").device.sm_count
    assert sm_count == 132 and isinstance(sm_count, int)


def test_validate_for_the_builder():
    validate_cost_table(fixture(), "out/cost_table.json")
    doc = fixture()
    del doc["energy"]
    with pytest.raises(CostTableError, match=r"^out/cost_table.json: /energy: required field is missing$"):
        validate_cost_table(doc, "out/cost_table.json")


# ---- the error cases both loaders share -----------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_shared_error_case(case):
    with pytest.raises(CostTableError) as raised:
        parse_cost_table(case_text(case), "t.json")
    if "message_prefix" in case:
        assert str(raised.value).startswith(case["message_prefix"]), str(raised.value)
    else:
        assert str(raised.value) == case["message"]


def test_error_parts_and_value_error():
    doc = fixture()
    del doc["device"]["sm_count"]
    with pytest.raises(ValueError) as raised:
        cost_table_from_dict(doc, "cost_table.json")
    e = raised.value
    assert isinstance(e, CostTableError)
    assert (e.source, e.field, e.problem) == ("cost_table.json", "/device/sm_count", "required field is missing")


def test_malformed_json_detail_is_the_parsers():
    with pytest.raises(CostTableError) as raised:
        parse_cost_table('{\n  "schema_version": 1,\n  "kind": "x",}\n', "t.json")
    assert str(raised.value) == ("t.json: line 3, column 15: malformed JSON: "
                                 "Expecting property name enclosed in double quotes")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_is_not_json(constant):  # Python's json reads them; the C++ loader and JSON do not
    text = FIXTURE.read_text().replace('"clock_tolerance": 0.97', f'"clock_tolerance": {constant}')
    with pytest.raises(CostTableError, match=f"^t.json: malformed JSON: {constant} is not a JSON number$"):
        parse_cost_table(text, "t.json")


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(CostTableError, match=r"^/nonexistent/cost_table.json: cannot open the file \(No such file"):
        load_cost_table("/nonexistent/cost_table.json")
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"kind": "\xe9"}')
    with pytest.raises(CostTableError, match=f"^{re.escape(str(bad))}: malformed JSON: not UTF-8 text"):
        load_cost_table(bad)


# ---- cases derived from the schema -----------------------------------------------------------------
def resolved(schema: dict) -> dict:
    ref = schema.get("$ref")
    return resolved(SCHEMA["$defs"][ref.rsplit("/", 1)[-1]]) if ref else schema


def property_schema(object_schema: dict, key: str) -> Any:
    """The schema of one key: its property, else additionalProperties when that is a schema."""
    extra = object_schema.get("additionalProperties")
    return object_schema.get("properties", {}).get(key, extra if isinstance(extra, dict) else None)


def walk(schema: dict, instance: Any, where: str = "") -> Iterator[Tuple[str, dict, dict]]:
    """(pointer, schema, object) for every object of the document, with the schema describing it."""
    schema = resolved(schema)
    if "oneOf" in schema:  # [X, null]: X where the instance is not null
        for branch in schema["oneOf"]:
            if resolved(branch).get("type") != "null" and instance is not None:
                yield from walk(branch, instance, where)
        return
    if isinstance(instance, dict):
        yield where, schema, instance
        for key, value in instance.items():
            sub = property_schema(schema, key)
            if sub is not None:
                yield from walk(sub, value, where + pointer([key]))
    if isinstance(instance, list) and "items" in schema:
        for i, value in enumerate(instance):
            yield from walk(schema["items"], value, f"{where}/{i}")


def required_schemas(node: Any, where: str = "") -> Iterator[Tuple[int, str]]:
    if isinstance(node, dict):
        if "required" in node:
            yield id(node), where
        for key, value in node.items():
            yield from required_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from required_schemas(value, f"{where}/{i}")


def allows_string(schema: dict) -> bool:
    schema = resolved(schema)
    if "oneOf" in schema:
        return any(allows_string(b) for b in schema["oneOf"])
    if "const" in schema:
        return isinstance(schema["const"], str)
    if "enum" in schema:
        return any(isinstance(v, str) for v in schema["enum"])
    types = schema.get("type")
    return types == "string" or (isinstance(types, list) and "string" in types)


def fixture_objects() -> List[Tuple[str, dict, dict]]:
    return list(walk(SCHEMA, fixture()))


def with_change(where: str, change) -> dict:
    doc = fixture()
    parent, key = parent_and_key(doc, where) if where else (None, None)
    change(parent[key] if where else doc)
    return doc


def test_fixture_has_every_object_the_schema_defines():
    seen = {id(schema) for _, schema, _ in fixture_objects()}
    missing = [where for node_id, where in required_schemas(SCHEMA) if node_id not in seen]
    assert not missing, f"the fixture has no object of these schemas: {missing}"


def test_every_required_key_removed_is_named():
    cases = [(where, key) for where, schema, _ in fixture_objects() for key in schema.get("required", [])]
    assert len(cases) > 150
    for where, key in cases:
        doc = with_change(where, lambda obj: obj.pop(key))
        assert load_error(doc) == f"t.json: {where}{pointer([key])}: required field is missing"


def test_every_field_of_a_wrong_type_is_named():
    cases = [(where, key, property_schema(schema, key))
             for where, schema, instance in fixture_objects() for key in instance]
    assert len(cases) > 200
    for where, key, prop in cases:
        assert prop is not None, f"{where}/{key} is not in the schema"
        wrong = True if allows_string(prop) else "x"
        doc = with_change(where, lambda obj: obj.__setitem__(key, wrong))
        with pytest.raises(CostTableError) as raised:
            cost_table_from_dict(doc, "t.json")
        assert raised.value.field == where + pointer([key]), str(raised.value)
        assert raised.value.problem.startswith("expected "), str(raised.value)


def test_every_closed_object_refuses_an_unknown_key():
    closed = [where for where, schema, _ in fixture_objects() if schema.get("additionalProperties") is False]
    assert len(closed) > 20
    for where in closed:
        doc = with_change(where, lambda obj: obj.__setitem__("unexpected", 1))
        assert load_error(doc) == f"t.json: {where}/unexpected: unknown field (not in schema version 1)"


# ---- the schema and committed tables ----------------------------------------------------------------
def test_schema_is_in_docs():
    docs_copy = REPO / "docs" / "cost_table.schema.json"
    assert docs_copy.is_symlink() and docs_copy.resolve() == SCHEMA_PATH.resolve()


def test_fixture_is_valid_by_jsonschema_itself():
    import jsonschema
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(fixture())


def test_committed_tables_load():
    tables = sorted((REPO / "results").glob("*/cost_table.json"))
    if not tables:
        pytest.skip("no results/*/cost_table.json committed yet")
    for path in tables:
        t = load_cost_table(path)
        assert t.instructions and not math.isnan(t.device.sm_clock_mhz_under_load.median)
