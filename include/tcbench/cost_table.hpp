// tcbench cost table loader: what every measured tensor-core instruction and data-movement path
// of one GPU costs, read from the cost_table.json that `tcbench export cost-table` writes.
//
//   #include <tcbench/cost_table.hpp>
//   tcbench::CostTable t = tcbench::load_cost_table("results/nvidia-h200/cost_table.json");
//   if (const tcbench::MemoryLevel* dram = t.level("dram")) use(dram->bandwidth_gbs);
//
// The structs mirror analysis/cost_table.schema.json (the contract; docs/cost_table.md explains
// every field) one to one: same names, same units (in the names), std::optional where the schema
// allows null or leaves the field out. The loader is the C++ side's validation: every field the
// schema requires is read and checked against the schema's type, enum, const, minimum and
// pattern; a key the schema does not know is refused (the schema forbids additional properties),
// and so is a schema_version other than the one below. Nothing is guessed or defaulted: any
// problem throws CostTableError naming the file, the field (a JSON pointer) and what is wrong.
//
// Standard C++17 only: a consumer needs no JSON library and no CUDA (find_package(tcbench),
// target tcbench::cost_table; docs/cost_table.md, "Loading the table").
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tcbench {

// The schema version this loader reads; a table with another one is refused.
inline constexpr int kCostTableSchemaVersion = 1;

// what(): "<source>: <field>: <problem>", e.g.
//   "cost_table.json: /device/sm_count: required field is missing";
// field is a JSON pointer (RFC 6901), or "line L, column C" for malformed JSON, or empty when the
// problem is the whole file (then what() is "<source>: <problem>").
class CostTableError : public std::runtime_error {
 public:
  CostTableError(std::string source, std::string field, std::string problem);
  const std::string& source() const { return source_; }
  const std::string& field() const { return field_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string source_, field_, problem_;
};

// ---- shared pieces ------------------------------------------------------------------------------
struct Range {  // a measured quantity over many samples
  double median = 0, min = 0, max = 0;
  int samples = 0;
};

// One figure over the chips of a merged table (tcbench merge): the median, min and max of the
// figure each chip's own table gives, and CV = sample standard deviation / mean (0 for one chip).
struct ChipSpread {
  double median = 0, min = 0, max = 0, cv = 0;
  int chips = 0;
};
// Merged tables only: the spread of an entry's figures, keyed by the figure's field name
// ("latency_cycles", "ops_per_clk_sm", ...); empty in a one-chip table.
using AcrossChips = std::map<std::string, ChipSpread>;

struct LaunchPoint {  // schema "point": a launch configuration of a throughput sweep
  int warps_per_sm = 0;
  int ilp = 0;  // independent instructions in flight per warp
};

struct Shape {
  int m = 0, n = 0, k = 0;
};

struct OperandTypes {  // PTX type names of the A, B, C and D operands
  std::string a, b, c, d;
};

// ---- provenance, device, conditions ----------------------------------------------------------
struct SourceFile {
  std::string file;  // relative to the results folder
  std::string sha256;
  std::string git_sha;
  std::optional<bool> git_dirty;
  std::string command;
  std::string date_utc;
  std::string status;
};

struct DataFile {
  std::string file;
  std::string sha256;
};

struct Provenance {
  std::string tool;  // always "tcbench"
  std::string tool_version;
  std::string exported_with_git_sha;
  std::string results_folder;
  std::string measured_from_utc;
  std::string measured_to_utc;
  std::vector<SourceFile> sources;  // at least one
  std::vector<DataFile> data_files;
};

struct Device {
  std::string name;
  std::string uuid;
  std::string arch;                // "sm_90a"
  std::string compute_capability;  // "9.0"
  int sm_count = 0;
  std::int64_t l2_bytes = 0;
  std::int64_t memory_bytes = 0;
  std::optional<int> memory_bus_width_bits;
  std::optional<std::int64_t> shared_memory_per_sm_bytes;
  Range sm_clock_mhz_under_load;
  std::optional<double> sm_clock_mhz_max;
  std::optional<double> memory_clock_mhz;
  std::optional<double> datasheet_dram_gbs;
};

struct Conditions {
  std::string driver_version;
  int cuda_runtime_version = 0;
  int cuda_driver_api_version = 0;
  std::optional<double> power_limit_w;
  std::map<std::string, std::string> clock_event_reasons;  // per source run
  std::string data_pattern;  // random, exact or zeros
  std::string l2_state;
  int repetitions = 0;
  double clock_tolerance = 0;
  std::string sweep_config;
};

// ---- instructions ----------------------------------------------------------------------------
struct InstructionNoise {
  std::optional<double> run_to_run;
  int runs = 0;
  std::optional<double> within_run_cv;
};

struct InstructionEnergy {
  double pj_per_fma = 0;
  std::optional<double> pj_per_fma_above_idle;
  std::optional<double> power_w;
  std::optional<double> sm_clock_mhz;
  std::optional<double> ops_per_clk_sm;
};

struct Instruction {
  std::string atom;  // unique in the table
  std::string ptx;
  std::string family;  // "mma.sync", "mma.sp", "wmma", "wgmma" or "cuda_core" (FFMA, HFMA2, DFMA)
  std::string arch;
  Shape shape;
  OperandTypes types;
  bool sparse = false;
  std::optional<std::string> operand_source;  // wgmma only: "SS" or "RS"
  std::optional<bool> native;                 // null: SASS not inspected
  std::vector<std::string> sass_opcodes;
  bool verified = false;
  std::optional<double> latency_cycles;
  std::optional<double> issue_interval_cycles;
  std::optional<std::string> issue_interval_source;  // "measured" or "from_peak_rate"
  std::optional<double> ops_per_clk_sm;               // dense-equivalent for sparse
  std::optional<LaunchPoint> peak_at;
  std::optional<LaunchPoint> reach_90;
  std::optional<LaunchPoint> reach_100;
  std::optional<double> tflops;  // TOPS for integer types
  std::optional<double> tflops_sm_clock_mhz;
  std::optional<double> datasheet_ops_per_clk_sm;
  InstructionNoise noise;
  std::optional<InstructionEnergy> energy;
  AcrossChips across_chips;
};

// ---- data movement ---------------------------------------------------------------------------
struct MemoryLevel {  // schema "level"
  std::optional<double> latency_cycles;
  std::optional<double> latency_ns;
  std::optional<double> bandwidth_gbs;  // whole GPU
  std::optional<double> bytes_per_clk_sm;
  std::optional<double> datasheet_gbs;
  std::vector<std::string> sources;
  AcrossChips across_chips;
};

struct MovementPath {  // schema "path"
  std::string atom;
  std::string ptx;
  std::string variant;
  std::optional<double> latency_cycles;
  std::optional<double> latency_ns;
  std::optional<double> latency_cycles_max;
  std::optional<double> bytes_per_clk_sm;
  std::optional<double> bandwidth_gbs;
  std::optional<double> bound;
  std::optional<std::string> bound_unit;
  std::optional<double> fraction_of_bound;
  std::optional<double> datasheet_gbs;
  std::string best_at;
  std::vector<std::string> sass_opcodes;
};

struct ChaseLevel {
  std::string series;
  std::string level;
  std::int64_t smallest_bytes = 0;
  std::int64_t largest_bytes = 0;
  int points = 0;
  std::optional<double> latency_cycles;
  std::optional<double> latency_ns;
};

struct LaunchCost {  // schema "movement.launch"
  std::optional<double> stream_launch_overhead_us;
  std::optional<double> graph_kernel_time_us;
};

// The names movement.levels may use (the schema's propertyNames).
inline constexpr std::array<std::string_view, 6> kMemoryLevelNames = {"shared", "l1", "l2", "l2_far", "dram", "dsmem"};

struct Movement {
  std::map<std::string, MemoryLevel> levels;  // keys: some of kMemoryLevelNames
  std::vector<MovementPath> paths;
  std::vector<ChaseLevel> chase;
  LaunchCost launch;
};

// ---- numerics and energy ---------------------------------------------------------------------
struct NumericsValidation {
  int cases = 0;
  int mismatches = 0;
};

struct NumericsPath {
  std::string atom;
  std::string ptx;
  std::string family;
  std::map<std::string, std::string> types;  // a, b, c, d always; the schema allows more
  std::string model_preset;
  std::map<std::string, std::string> parameters;  // the model's parameter per property
  std::map<std::string, std::string> measured;    // what the probes left possible ("a|b")
  std::vector<std::string> undetermined;
  std::optional<NumericsValidation> validation;
};

struct Numerics {
  std::optional<std::string> source;
  std::vector<NumericsPath> paths;
};

struct EnergyPath {  // pJ per byte of one movement path
  std::string atom;
  std::string ptx;
  double pj_per_byte = 0;
  std::optional<double> pj_per_byte_above_idle;
  std::optional<double> power_w;
  std::optional<double> sm_clock_mhz;
};

struct Energy {
  std::optional<double> idle_power_w;
  std::optional<std::string> method;
  std::vector<EnergyPath> paths;
};

// ---- the table -------------------------------------------------------------------------------
struct ChipMember {  // one chip of a merged table
  std::string label, uuid, host, date_utc, git_sha;
};

struct Chips {  // schema "chips": merged tables only
  int count = 0;
  std::string model;
  std::vector<ChipMember> members;
};

struct CostTable {
  int schema_version = kCostTableSchemaVersion;
  std::string kind;  // always "tcbench-cost-table"
  Provenance provenance;
  Device device;
  Conditions conditions;
  std::vector<Instruction> instructions;
  Movement movement;
  Numerics numerics;
  Energy energy;
  std::optional<std::string> calibration_json;  // `tcbench calibrate`'s object, as JSON text
  std::optional<Chips> chips;                    // a table merged from several chips (tcbench merge)

  // The instruction with this atom name, or nullptr.
  const Instruction* find_instruction(std::string_view atom) const;
  // The instructions of a family ("wgmma") and A type ("f16"); an empty filter matches all.
  std::vector<const Instruction*> find_instructions(std::string_view family = {},
                                                    std::string_view a_type = {}) const;
  // The highest measured TFLOP/s (TOPS) of a dense instruction with this A type; nullopt when
  // no dense instruction of that type has one.
  std::optional<double> best_dense_tflops(std::string_view a_type) const;
  // The summary of a memory level, or nullptr when the table has none. A name outside
  // kMemoryLevelNames throws std::invalid_argument: a typo is not "absent".
  const MemoryLevel* level(std::string_view name) const;
};

// Reads and validates a table; throws CostTableError (source = path).
CostTable load_cost_table(const std::string& path);
// The same from JSON text; source_name names it in errors.
CostTable parse_cost_table(std::string_view json_text, const std::string& source_name);

}  // namespace tcbench
