// JSON text -> CostTable: one read_* function per object of analysis/cost_table.schema.json
// ($defs and the inline objects), reading its fields in the schema's order with the schema's
// checks. tests/cpp/test_cost_table.cpp derives cases from the schema file itself, so a field
// added there and forgotten here fails a test.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "costtable/json_field.hpp"
#include "tcbench/cost_table.hpp"

namespace tcbench {
namespace {

using detail::Field;
using detail::Json;
using detail::ObjectFields;

constexpr const char* kSha256Pattern = "^[0-9a-f]{64}$";

// Reads an object with read_fields(ObjectFields&) -> T, then refuses keys it did not read.
template <class ReadFields>
auto read_object(const Field& field, ReadFields read_fields) {
  ObjectFields fields(field);
  auto value = read_fields(fields);
  fields.refuse_unknown_keys();
  return value;
}

Range read_range(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Range r;
    r.median = o.required("median").number();
    r.min = o.required("min").number();
    r.max = o.required("max").number();
    r.samples = o.required("samples").integer(1);
    return r;
  });
}

LaunchPoint read_point(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    LaunchPoint p;
    p.warps_per_sm = o.required("warps_per_sm").integer(1);
    p.ilp = o.required("ilp").integer(1);
    return p;
  });
}

Shape read_shape(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Shape s;
    s.m = o.required("m").integer(1);
    s.n = o.required("n").integer(1);
    s.k = o.required("k").integer(1);
    return s;
  });
}

OperandTypes read_operand_types(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    OperandTypes t;
    t.a = o.required("a").string();
    t.b = o.required("b").string();
    t.c = o.required("c").string();
    t.d = o.required("d").string();
    return t;
  });
}

// ---- provenance, device, conditions ----------------------------------------------------------
SourceFile read_source_file(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    SourceFile s;
    s.file = o.required("file").string();
    s.sha256 = o.required("sha256").matching(kSha256Pattern);
    s.git_sha = o.required("git_sha").string();
    if (auto dirty = o.optional("git_dirty")) s.git_dirty = dirty->boolean_or_null();
    s.command = o.required("command").string();
    s.date_utc = o.required("date_utc").string();
    s.status = o.required("status").string();
    return s;
  });
}

DataFile read_data_file(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    DataFile d;
    d.file = o.required("file").string();
    d.sha256 = o.required("sha256").matching(kSha256Pattern);
    return d;
  });
}

Provenance read_provenance(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Provenance p;
    p.tool = o.required("tool").exactly("tcbench");
    p.tool_version = o.required("tool_version").string();
    p.exported_with_git_sha = o.required("exported_with_git_sha").string();
    p.results_folder = o.required("results_folder").string();
    p.measured_from_utc = o.required("measured_from_utc").string();
    p.measured_to_utc = o.required("measured_to_utc").string();
    p.sources = o.required("sources").array_of(read_source_file, 1);
    p.data_files = o.required("data_files").array_of(read_data_file);
    return p;
  });
}

Device read_device(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Device d;
    d.name = o.required("name").string();
    d.uuid = o.required("uuid").string();
    d.arch = o.required("arch").matching("^sm_[0-9]+[a-z]?$");
    d.compute_capability = o.required("compute_capability").matching("^[0-9]+\\.[0-9]+$");
    d.sm_count = o.required("sm_count").integer(1);
    d.l2_bytes = o.required("l2_bytes").integer64(0);
    d.memory_bytes = o.required("memory_bytes").integer64(0);
    d.memory_bus_width_bits = o.required("memory_bus_width_bits").integer_or_null();
    d.shared_memory_per_sm_bytes = o.required("shared_memory_per_sm_bytes").integer64_or_null();
    d.sm_clock_mhz_under_load = read_range(o.required("sm_clock_mhz_under_load"));
    d.sm_clock_mhz_max = o.required("sm_clock_mhz_max").number_or_null();
    d.memory_clock_mhz = o.required("memory_clock_mhz").number_or_null();
    d.datasheet_dram_gbs = o.required("datasheet_dram_gbs").number_or_null();
    return d;
  });
}

Conditions read_conditions(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Conditions c;
    c.driver_version = o.required("driver_version").string();
    c.cuda_runtime_version = o.required("cuda_runtime_version").integer();
    c.cuda_driver_api_version = o.required("cuda_driver_api_version").integer();
    c.power_limit_w = o.required("power_limit_w").number_or_null();
    c.clock_event_reasons = o.required("clock_event_reasons").string_map();
    c.data_pattern = o.required("data_pattern").string();
    c.l2_state = o.required("l2_state").string();
    c.repetitions = o.required("repetitions").integer();
    c.clock_tolerance = o.required("clock_tolerance").number();
    c.sweep_config = o.required("sweep_config").string();
    return c;
  });
}

// ---- instructions ----------------------------------------------------------------------------
InstructionEnergy read_instruction_energy(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    InstructionEnergy e;
    e.pj_per_fma = o.required("pj_per_fma").number();
    e.pj_per_fma_above_idle = o.required("pj_per_fma_above_idle").number_or_null();
    e.power_w = o.required("power_w").number_or_null();
    e.sm_clock_mhz = o.required("sm_clock_mhz").number_or_null();
    e.ops_per_clk_sm = o.required("ops_per_clk_sm").number_or_null();
    return e;
  });
}

ChipSpread read_chip_spread(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    ChipSpread s;
    s.median = o.required("median").number();
    s.min = o.required("min").number();
    s.max = o.required("max").number();
    s.cv = o.required("cv").number();
    s.chips = o.required("chips").integer(1);
    return s;
  });
}

// Absent in a one-chip table.
AcrossChips read_across_chips(ObjectFields& o) {
  auto field = o.optional("across_chips");
  if (!field) return {};
  ObjectFields figures(*field);
  return figures.map_of(read_chip_spread);
}

Chips read_chips(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Chips c;
    c.count = o.required("count").integer(1);
    c.model = o.required("model").string();
    c.members = o.required("members").array_of([](const Field& m) {
      return read_object(m, [](ObjectFields& f) {
        return ChipMember{f.required("label").string(), f.required("uuid").string(), f.required("host").string(),
                          f.required("date_utc").string(), f.required("git_sha").string()};
      });
    });
    return c;
  });
}

InstructionNoise read_noise(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    InstructionNoise n;
    n.run_to_run = o.required("run_to_run").number_or_null();
    n.runs = o.required("runs").integer(0);
    n.within_run_cv = o.required("within_run_cv").number_or_null();
    return n;
  });
}

Instruction read_instruction(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Instruction i;
    i.atom = o.required("atom").string();
    i.ptx = o.required("ptx").string();
    i.family = o.required("family").one_of({"mma.sync", "mma.sp", "wmma", "wgmma", "cuda_core"});
    i.arch = o.required("arch").string();
    i.shape = read_shape(o.required("shape"));
    i.types = read_operand_types(o.required("types"));
    i.sparse = o.required("sparse").boolean();
    i.operand_source = o.required("operand_source").one_of_or_null({"SS", "RS"});
    i.native = o.required("native").boolean_or_null();
    i.sass_opcodes = o.required("sass_opcodes").strings();
    i.verified = o.required("verified").boolean();
    i.latency_cycles = o.required("latency_cycles").number_or_null();
    i.issue_interval_cycles = o.required("issue_interval_cycles").number_or_null();
    i.issue_interval_source = o.required("issue_interval_source").one_of_or_null({"measured", "from_peak_rate"});
    i.ops_per_clk_sm = o.required("ops_per_clk_sm").number_or_null();
    i.peak_at = o.required("peak_at").object_or_null(read_point);
    i.reach_90 = o.required("reach_90").object_or_null(read_point);
    i.reach_100 = o.required("reach_100").object_or_null(read_point);
    i.tflops = o.required("tflops").number_or_null();
    i.tflops_sm_clock_mhz = o.required("tflops_sm_clock_mhz").number_or_null();
    i.datasheet_ops_per_clk_sm = o.required("datasheet_ops_per_clk_sm").number_or_null();
    i.noise = read_noise(o.required("noise"));
    i.energy = o.required("energy").object_or_null(read_instruction_energy);
    i.across_chips = read_across_chips(o);
    return i;
  });
}

// ---- data movement ---------------------------------------------------------------------------
MemoryLevel read_level(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    MemoryLevel l;
    l.latency_cycles = o.required("latency_cycles").number_or_null();
    l.latency_ns = o.required("latency_ns").number_or_null();
    l.bandwidth_gbs = o.required("bandwidth_gbs").number_or_null();
    l.bytes_per_clk_sm = o.required("bytes_per_clk_sm").number_or_null();
    if (auto datasheet = o.optional("datasheet_gbs")) l.datasheet_gbs = datasheet->number_or_null();
    l.sources = o.required("sources").strings();
    l.across_chips = read_across_chips(o);
    return l;
  });
}

MovementPath read_path(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    MovementPath p;
    p.atom = o.required("atom").string();
    p.ptx = o.required("ptx").string();
    p.variant = o.required("variant").string();
    p.latency_cycles = o.required("latency_cycles").number_or_null();
    p.latency_ns = o.required("latency_ns").number_or_null();
    p.latency_cycles_max = o.required("latency_cycles_max").number_or_null();
    p.bytes_per_clk_sm = o.required("bytes_per_clk_sm").number_or_null();
    p.bandwidth_gbs = o.required("bandwidth_gbs").number_or_null();
    p.bound = o.required("bound").number_or_null();
    p.bound_unit = o.required("bound_unit").string_or_null();
    p.fraction_of_bound = o.required("fraction_of_bound").number_or_null();
    p.datasheet_gbs = o.required("datasheet_gbs").number_or_null();
    p.best_at = o.required("best_at").string();
    p.sass_opcodes = o.required("sass_opcodes").strings();
    return p;
  });
}

ChaseLevel read_chase_level(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    ChaseLevel c;
    c.series = o.required("series").string();
    c.level = o.required("level").string();
    c.smallest_bytes = o.required("smallest_bytes").integer64();
    c.largest_bytes = o.required("largest_bytes").integer64();
    c.points = o.required("points").integer();
    c.latency_cycles = o.required("latency_cycles").number_or_null();
    c.latency_ns = o.required("latency_ns").number_or_null();
    return c;
  });
}

LaunchCost read_launch(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    LaunchCost l;
    l.stream_launch_overhead_us = o.required("stream_launch_overhead_us").number_or_null();
    l.graph_kernel_time_us = o.required("graph_kernel_time_us").number_or_null();
    return l;
  });
}

std::map<std::string, MemoryLevel> read_levels(const Field& field) {
  ObjectFields levels(field);
  return levels.map_of(read_level, kMemoryLevelNames);
}

Movement read_movement(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Movement m;
    m.levels = read_levels(o.required("levels"));
    m.paths = o.required("paths").array_of(read_path);
    m.chase = o.required("chase").array_of(read_chase_level);
    m.launch = read_launch(o.required("launch"));
    return m;
  });
}

// ---- numerics and energy ---------------------------------------------------------------------
NumericsValidation read_validation(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    NumericsValidation v;
    v.cases = o.required("cases").integer();
    v.mismatches = o.required("mismatches").integer();
    return v;
  });
}

// The schema's numerics "types" is open (additionalProperties: string) but needs a, b, c and d.
std::map<std::string, std::string> read_numerics_types(const Field& field) {
  ObjectFields fields(field);
  for (const char* operand : {"a", "b", "c", "d"}) fields.required(operand);
  return fields.map_of([](const Field& f) { return f.string(); });
}

NumericsPath read_numerics_path(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    NumericsPath p;
    p.atom = o.required("atom").string();
    p.ptx = o.required("ptx").string();
    p.family = o.required("family").string();
    p.types = read_numerics_types(o.required("types"));
    p.model_preset = o.required("model_preset").string();
    p.parameters = o.required("parameters").string_map();
    p.measured = o.required("measured").string_map();
    p.undetermined = o.required("undetermined").strings();
    p.validation = o.required("validation").object_or_null(read_validation);
    return p;
  });
}

Numerics read_numerics(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Numerics n;
    n.source = o.required("source").string_or_null();
    n.paths = o.required("paths").array_of(read_numerics_path);
    return n;
  });
}

EnergyPath read_energy_path(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    EnergyPath p;
    p.atom = o.required("atom").string();
    p.ptx = o.required("ptx").string();
    p.pj_per_byte = o.required("pj_per_byte").number();
    p.pj_per_byte_above_idle = o.required("pj_per_byte_above_idle").number_or_null();
    p.power_w = o.required("power_w").number_or_null();
    p.sm_clock_mhz = o.required("sm_clock_mhz").number_or_null();
    return p;
  });
}

Energy read_energy(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    Energy e;
    e.idle_power_w = o.required("idle_power_w").number_or_null();
    e.method = o.required("method").string_or_null();
    e.paths = o.required("paths").array_of(read_energy_path);
    return e;
  });
}

// ---- the table -------------------------------------------------------------------------------
// Checked before anything else: a newer table may have changed any other field, and its reader
// should hear "update tcbench", not a list of field problems.
int read_schema_version(const Field& field) {
  const Json& v = field.json();
  if (!v.is_number_integer()) field.fail_type("an integer");
  const std::int64_t version = v.get<std::int64_t>();
  const std::string reads = " (reads " + std::to_string(kCostTableSchemaVersion) + ")";
  if (version > kCostTableSchemaVersion)
    field.fail("version " + v.dump() + " is newer than this loader" + reads + "; update tcbench");
  if (version != kCostTableSchemaVersion) field.fail("version " + v.dump() + " is not one this loader reads" + reads);
  return kCostTableSchemaVersion;
}

CostTable read_cost_table(const Field& field) {
  return read_object(field, [](ObjectFields& o) {
    CostTable t;
    t.schema_version = read_schema_version(o.required("schema_version"));
    t.kind = o.required("kind").exactly("tcbench-cost-table");
    t.provenance = read_provenance(o.required("provenance"));
    t.device = read_device(o.required("device"));
    t.conditions = read_conditions(o.required("conditions"));
    t.instructions = o.required("instructions").array_of(read_instruction);
    t.movement = read_movement(o.required("movement"));
    t.numerics = read_numerics(o.required("numerics"));
    t.energy = read_energy(o.required("energy"));
    if (auto calibration = o.optional("calibration")) {
      // The schema says only "an object": its content is the calibrator's to define.
      if (!calibration->json().is_object()) calibration->fail_type("an object");
      t.calibration_json = calibration->json().dump();
    }
    if (auto chips = o.optional("chips")) t.chips = read_chips(*chips);
    return t;
  });
}

// "line L, column C" of the byte nlohmann stopped at (1-based, as the Python loader reports).
std::string line_and_column(std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(byte, text.size() + 1);
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i + 1 < end; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(end - line_start);
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
// column 9: " prefix (the position is reported separately, computed the Python loader's way).
std::string parse_error_detail(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  const std::size_t column = what.find("column ");
  const std::size_t colon = column == std::string::npos ? column : what.find(": ", column);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

CostTable parse_cost_table(std::string_view json_text, const std::string& source_name) {
  Json document;
  try {
    document = Json::parse(json_text.begin(), json_text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw CostTableError(source_name, line_and_column(json_text, e.byte), "malformed JSON: " + parse_error_detail(e));
  }
  return read_cost_table(Field(document, "", source_name));
}

CostTable load_cost_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CostTableError(path, "", "cannot open the file (" + std::string(std::strerror(errno)) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw CostTableError(path, "", "cannot read the file");
  return parse_cost_table(text.str(), path);
}

}  // namespace tcbench
