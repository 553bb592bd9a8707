"""The accel-sim exporter (analysis/exporters/accel_sim.py, issue #13), tested against the
consumer's format at the pinned upstream commits (docs/exporters/accel_sim.md):

  * every option name it writes is one upstream's parser registers (tests/data/accel_sim/
    registered_options.txt, made by extract_options.py from the commits below; Accel-Sim exits on
    any other name);
  * each file reads, token by token, the way GPGPU-Sim's OptionParser::ParseFile reads a config
    (re-implemented below as far as these files need), and every value has the form upstream's
    sscanf / stringstream parsing takes;
  * the tuner's arithmetic (L2 - L1, DRAM - L2, whole cycles, clock domains) on known inputs;
  * the output for the H200 subset fixture (tests/data/accel_sim/cost_table_h200_subset.json, a
    subset of the H200 cost table) is the committed one, and does not depend on input order.

Regenerate the expected files after an intended change:  python3 tests/python/test_export_accel_sim.py"""
from __future__ import annotations

import copy
import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis.cost_table_load import validate_cost_table  # noqa: E402
from analysis.exporters import accel_sim  # noqa: E402

DATA = REPO / "tests" / "data" / "accel_sim"
FIXTURE = DATA / "cost_table_h200_subset.json"
REGISTERED = DATA / "registered_options.txt"
EXPECTED = DATA / "expected"
# The upstream commits the format is pinned at (registered_options.txt was made from them).
UPSTREAM_ACCEL_SIM = "73f9fac68a1a717750da54d2d867c7524b47b4c3"
UPSTREAM_GPGPU_SIM = "667834cfe5214523edd7769aeab77f91b7137686"

# The form of every value the exporter may write, as upstream parses it: unsigned fields with
# "%u" or a stringstream that reads a leading 0 as octal (so no leading zeros), the clock domains
# with "%lf:%lf:%lf:%lf", the specialized unit with "%u,%u,%u,%u,%u,%s".
UINT = r"(0|[1-9][0-9]*)"
MHZ = r"[0-9]+\.[0-9]"
VALUE_FORMS = {
    "-gpgpu_n_clusters": UINT, "-gpgpu_n_cores_per_cluster": UINT,
    "-gpgpu_compute_capability_major": UINT, "-gpgpu_compute_capability_minor": UINT,
    "-gpgpu_clock_domains": ":".join([MHZ] * 4),
    "-gpgpu_l1_latency": UINT, "-gpgpu_smem_latency": UINT, "-gpgpu_l2_rop_latency": UINT, "-dram_latency": UINT,
    "-gpgpu_kernel_launch_latency": UINT,
    "-ptx_opcode_latency_tesnor": UINT, "-ptx_opcode_initiation_tensor": UINT,
    "-specialized_unit_3": ",".join([UINT] * 5) + ",TENSOR",
    "-trace_opcode_latency_initiation_spec_op_3": f"{UINT},{UINT}",
    "-trace_opcode_latency_initiation_tensor": f"{UINT},{UINT}",
}
GPGPUSIM_OPTIONS = ["-gpgpu_n_clusters", "-gpgpu_n_cores_per_cluster", "-gpgpu_compute_capability_major",
                    "-gpgpu_compute_capability_minor", "-gpgpu_clock_domains", "-gpgpu_l1_latency",
                    "-gpgpu_smem_latency", "-gpgpu_l2_rop_latency", "-dram_latency", "-gpgpu_kernel_launch_latency",
                    "-ptx_opcode_latency_tesnor", "-ptx_opcode_initiation_tensor"]
TRACE_OPTIONS = ["-specialized_unit_3", "-trace_opcode_latency_initiation_spec_op_3",
                 "-trace_opcode_latency_initiation_tensor"]


def fixture() -> dict:
    return json.loads(FIXTURE.read_text())


def registered_names() -> set:
    return {line for line in REGISTERED.read_text().splitlines() if line and not line.startswith("#")}


def gpgpusim_tokens(text: str) -> list:
    """OptionParser::ParseFile + ParseStringStream: each line cut at its first '#', the lines
    joined with spaces, split at whitespace; a token opening with '"' runs on to the token that
    closes it, quotes dropped."""
    words = " ".join(line.split("#", 1)[0] for line in text.split("\n")).split()
    tokens, i = [], 0
    while i < len(words):
        token = words[i]
        if token.startswith('"'):
            while not token.endswith('"') and i + 1 < len(words):
                i += 1
                token += " " + words[i]
            token = token[1:-1]
        tokens.append(token)
        i += 1
    return tokens


def parsed_options(text: str) -> list:
    """ParseCommandLine over the tokens: (name, value) pairs in order. Every option the exporter
    writes takes a value (none is a flag), so names and values alternate."""
    tokens = gpgpusim_tokens(text)
    assert len(tokens) % 2 == 0, tokens
    return list(zip(tokens[0::2], tokens[1::2]))


def options(table: dict) -> dict:
    """{name: value} over both files."""
    return {n: v for text in accel_sim.render(table).values() for n, v in parsed_options(text)}


def with_figures(**changes) -> dict:
    """The fixture with figures replaced: keys are dotted paths with '__' for '.'."""
    table = fixture()
    for key, value in changes.items():
        *parents, last = key.split("__")
        node = table
        for p in parents:
            node = node[p]
        node[last] = value
    return table


def test_fixture_is_a_valid_cost_table():
    validate_cost_table(fixture(), str(FIXTURE))


def test_files_are_the_declared_ones():
    assert tuple(accel_sim.render(fixture())) == accel_sim.FILES == ("gpgpusim.config", "trace.config")


def test_pinned_commits_are_the_ones_the_names_came_from():
    assert accel_sim.UPSTREAM_COMMITS == {"accel-sim/accel-sim-framework": UPSTREAM_ACCEL_SIM,
                                          "accel-sim/gpgpu-sim_distribution": UPSTREAM_GPGPU_SIM}
    header = [line for line in REGISTERED.read_text().splitlines() if line.startswith("#")]
    assert any(f"accel-sim/accel-sim-framework @ {UPSTREAM_ACCEL_SIM}" in line for line in header)
    assert any(f"accel-sim/gpgpu-sim_distribution @ {UPSTREAM_GPGPU_SIM}" in line for line in header)
    assert len(registered_names()) == 237


@pytest.mark.parametrize("name", accel_sim.FILES)
def test_every_option_is_registered_upstream(name):
    text = accel_sim.render(fixture())[name]
    unknown = [n for n, _ in parsed_options(text) if n not in registered_names()]
    assert not unknown, f"Accel-Sim would exit with 'Unknown Option' on {unknown}"


def test_each_file_writes_its_options_once_in_the_tuner_templates_file():
    files = accel_sim.render(fixture())
    assert [n for n, _ in parsed_options(files["gpgpusim.config"])] == GPGPUSIM_OPTIONS
    assert [n for n, _ in parsed_options(files["trace.config"])] == TRACE_OPTIONS


def test_every_value_has_the_form_upstream_parses():
    for name, value in options(fixture()).items():
        assert re.fullmatch(VALUE_FORMS[name], value), (name, value)


def test_every_option_line_has_its_source_comment_above_it():
    for text in accel_sim.render(fixture()).values():
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("-"):
                assert lines[i - 1].startswith("# "), line


def test_tokenizer_follows_upstream_comment_and_quote_rules():
    text = '# whole line\n-a 1  # trailing -b 2\n-c "x y\nz" -d 4#e 5\n'
    assert gpgpusim_tokens(text) == ["-a", "1", "-c", "x y z", "-d", "4"]


def test_h200_values():
    got = options(fixture())
    assert got == {
        "-gpgpu_n_clusters": "132", "-gpgpu_n_cores_per_cluster": "1",
        "-gpgpu_compute_capability_major": "9", "-gpgpu_compute_capability_minor": "0",
        "-gpgpu_clock_domains": "1714.6:1714.6:1714.6:3201.0",
        "-gpgpu_l1_latency": "32", "-gpgpu_smem_latency": "23",
        "-gpgpu_l2_rop_latency": "242",   # 273.938 - 32
        "-dram_latency": "386",           # 660.402 - 273.938
        "-gpgpu_kernel_launch_latency": "1795",   # 1.04675 us x 1714.58 MHz
        "-ptx_opcode_latency_tesnor": "25", "-ptx_opcode_initiation_tensor": "12",   # wmma m16n16k16
        "-specialized_unit_3": "1,4,24,4,4,TENSOR",
        "-trace_opcode_latency_initiation_spec_op_3": "24,6",   # HMMA.16816.F32: 23.9987, 5.99723
        "-trace_opcode_latency_initiation_tensor": "24,6",
    }


def test_memory_latencies_follow_the_tuner_subtractions():
    got = options(with_figures(movement__levels__l1__latency_cycles=30.0,
                               movement__levels__l2__latency_cycles=250.4,
                               movement__levels__dram__latency_cycles=600.6,
                               movement__levels__shared__latency_cycles=20.5))
    assert got["-gpgpu_l1_latency"] == "30"
    assert got["-gpgpu_l2_rop_latency"] == "220"   # 250.4 - 30
    assert got["-dram_latency"] == "350"           # 600.6 - 250.4 = 350.2
    assert got["-gpgpu_smem_latency"] == "21"      # half rounds up


def test_clocks_and_launch_latency_use_the_measured_sm_clock():
    table = with_figures(movement__launch__graph_kernel_time_us=2.0)
    table["device"]["sm_clock_mhz_under_load"]["median"] = 1500.0
    got = options(table)
    assert got["-gpgpu_clock_domains"] == "1500.0:1500.0:1500.0:3201.0"
    assert got["-gpgpu_kernel_launch_latency"] == "3000"


def test_gddr_memory_clock_is_halved_like_the_tuner_does():
    got = options(with_figures(device__memory_bus_width_bits=384, device__memory_clock_mhz=10501.0))
    assert got["-gpgpu_clock_domains"].endswith(":5250.5")   # 10501 x 2 / 4


def test_tensor_unit_interval_never_exceeds_its_latency():
    table = fixture()
    hmma = next(i for i in table["instructions"] if i["atom"] == "SM80_16x8x16_F32F16F16F32_TN")
    hmma["latency_cycles"], hmma["issue_interval_cycles"] = 5.2, 8.6
    got = options(table)
    assert got["-trace_opcode_latency_initiation_spec_op_3"] == "9,9"
    assert got["-specialized_unit_3"] == "1,4,9,4,4,TENSOR"


def test_the_tensor_reference_is_the_native_dense_f16_f32_hmma():
    reference = accel_sim.hmma_reference(fixture()["instructions"])
    assert reference["atom"] == "SM80_16x8x16_F32F16F16F32_TN"
    assert reference["sass_opcodes"] == ["HMMA.16816.F32"]


def test_a_missing_figure_leaves_its_option_to_the_tested_config():
    table = with_figures(movement__levels__l2__latency_cycles=None)
    got = options(table)
    assert "-gpgpu_l2_rop_latency" not in got and "-dram_latency" not in got
    assert got["-gpgpu_l1_latency"] == "32"
    text = accel_sim.render(table)["gpgpusim.config"]
    assert "# -gpgpu_l2_rop_latency: left to the tested config, not measured" in text


def test_figures_without_an_option_are_listed():
    files = accel_sim.render(fixture())
    trace, gpgpusim = files["trace.config"], files["gpgpusim.config"]
    assert "IMMA.16832.S8.S8: latency 24.0013, interval 6.01283" in trace
    assert "DMMA.16x8x16: latency 81.9961, interval 64.2011" in trace
    assert "HMMA.SP.16816.F32: latency 16.625, interval 6.00105" in trace   # median of SEL0, SEL1
    assert "HGMMA dense SS m64n256: latency 194.406, interval 128" in trace
    assert "256:194.406/128" in trace
    assert "tma.bulk.latency [source=l2;copy=cp.async.bulk]: latency 553.049 cycles" in gpgpusim
    assert "dsmem.load [target=remote]: latency 174.656 cycles" in gpgpusim
    assert "l2_far: latency 334.333 cycles" in gpgpusim
    assert "stream_launch_overhead_us 4.27775 us" in gpgpusim


def test_emulated_atoms_are_not_listed_as_tensor_opcodes():
    # e4m3 mma.sync runs as a sequence of HMMA.16816.F32 on sm_90 (native false): not an opcode figure.
    assert "42.125" not in accel_sim.render(fixture())["trace.config"]


def shuffled(table: dict, seed: int) -> dict:
    table = copy.deepcopy(table)
    rng = random.Random(seed)
    for items in (table["instructions"], table["movement"]["paths"], table["energy"]["paths"]):
        rng.shuffle(items)
    table["movement"]["levels"] = dict(reversed(list(table["movement"]["levels"].items())))
    return table


def test_output_is_deterministic_and_independent_of_input_order():
    first = accel_sim.render(fixture())
    assert accel_sim.render(fixture()) == first
    for seed in range(3):
        assert accel_sim.render(shuffled(fixture(), seed)) == first


@pytest.mark.parametrize("name", accel_sim.FILES)
def test_output_is_the_committed_one(name):
    assert accel_sim.render(fixture())[name] == (EXPECTED / name).read_text()


def extractor():
    spec = importlib.util.spec_from_file_location("extract_options", DATA / "extract_options.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extractor_reads_literals_loops_and_skips_other_parsers():
    source = """
      option_parser_register(opp, "-gpgpu_a", OPT_UINT32, &a, "x", "1");
      option_parser_register(
          opp, "-gpgpu_b", OPT_CSTR, &b, "x", "1");
      option_parser_register(dram_opp, "CCD", OPT_UINT32, &c, "x", "1");
      for (unsigned j = 0; j < SPECIALIZED_UNIT_NUM; ++j) {
        std::stringstream ss;
        ss << "-unit_" << j + 1;
        option_parser_register(opp, ss.str().c_str(), OPT_CSTR, &u[j], "x", "0");
      }
      #ifdef UNIT_TEST
      option_parser_register(opp, "-idata", OPT_INT32, &i, "x", "1");
      #endif
    """
    assert extractor().registered_in("t.cc", source, 2) == {"-gpgpu_a", "-gpgpu_b", "-unit_1", "-unit_2"}


def test_extractor_refuses_a_name_it_cannot_read():
    with pytest.raises(SystemExit):
        extractor().registered_in("t.cc", 'option_parser_register(opp, make_name(), OPT_BOOL, &x, "", "0");', 8)


if __name__ == "__main__":
    EXPECTED.mkdir(exist_ok=True)
    for file_name, file_text in accel_sim.render(fixture()).items():
        (EXPECTED / file_name).write_text(file_text)
        print(EXPECTED / file_name)
