// The cost-table loader (include/tcbench/cost_table.hpp, issue #13 item 2): the fixture
// tests/data/cost_table/minimal.json through every accessor; the error cases shared with the
// Python loader (malformed JSON, a missing field, a wrong type, a future version, an unknown key,
// ...: tests/data/cost_table/error_cases.json), each with its message; and cases derived from
// analysis/cost_table.schema.json itself: every required key removed, every field given a wrong
// type and every closed object given an unknown key must each fail naming that field.
// Built as its own executable (tcbench_cost_table_tests) against the loader alone: it must not
// need the harness, as an optimizer linking it will not have it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tcbench/cost_table.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

const fs::path kRepo = fs::path(TCB_TEST_DATA_DIR).parent_path().parent_path();
const fs::path kFixture = fs::path(TCB_TEST_DATA_DIR) / "cost_table" / "minimal.json";

const Json& fixture() {
  static const Json doc = Json::parse(tcb::test::read_text(kFixture));
  return doc;
}

const Json& schema() {
  static const Json doc = Json::parse(tcb::test::read_text(kRepo / "analysis" / "cost_table.schema.json"));
  return doc;
}

// The loader's message for a text, or "" when it loads.
std::string load_error_of_text(const std::string& text) {
  try {
    tcbench::parse_cost_table(text, "t.json");
  } catch (const tcbench::CostTableError& e) {
    return e.what();
  }
  return "";
}

std::string load_error(const Json& doc) { return load_error_of_text(doc.dump()); }

// The fixture with one change.
Json fixture_with(const std::function<void(Json&)>& change) {
  Json doc = fixture();
  change(doc);
  return doc;
}

// ---- the schema, walked beside a document --------------------------------------------------------
// An object of the document and the schema object that describes it.
struct SchemaObject {
  std::string pointer;
  const Json* schema;
  const Json* instance;
};

std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

const Json& resolved(const Json& s) {
  if (!s.contains("$ref")) return s;
  const std::string ref = s["$ref"].get<std::string>();  // "#/$defs/name": the schema's only kind
  return resolved(schema().at(nlohmann::ordered_json::json_pointer(ref.substr(1))));
}

// The schema of one key of an object: its property, else additionalProperties when that is a schema.
const Json* property_schema(const Json& object_schema, const std::string& key) {
  if (object_schema.contains("properties") && object_schema["properties"].contains(key))
    return &object_schema["properties"][key];
  if (object_schema.contains("additionalProperties") && object_schema["additionalProperties"].is_object())
    return &object_schema["additionalProperties"];
  return nullptr;
}

void walk(const Json& schema_in, const Json& instance, const std::string& pointer, std::vector<SchemaObject>& out) {
  const Json& s = resolved(schema_in);
  if (s.contains("oneOf")) {  // [X, null]: X where the instance is not null
    for (const Json& branch : s["oneOf"])
      if (resolved(branch).value("type", Json()) != "null" && !instance.is_null()) walk(branch, instance, pointer, out);
    return;
  }
  if (instance.is_object()) {
    out.push_back({pointer, &s, &instance});
    for (const auto& [key, value] : instance.items())
      if (const Json* sub = property_schema(s, key)) walk(*sub, value, pointer + "/" + pointer_token(key), out);
  }
  if (instance.is_array() && s.contains("items"))
    for (std::size_t i = 0; i < instance.size(); ++i)
      walk(s["items"], instance[i], pointer + "/" + std::to_string(i), out);
}

std::vector<SchemaObject> fixture_objects() {
  std::vector<SchemaObject> out;
  walk(schema(), fixture(), "", out);
  return out;
}

void collect_required_schemas(const Json& node, const std::string& where, std::map<const Json*, std::string>& out) {
  if (node.is_object() && node.contains("required")) out[&node] = where;
  if (node.is_structured())
    for (const auto& [key, value] : node.items()) collect_required_schemas(value, where + "/" + key, out);
}

// Whether a property's schema (type, const, enum or oneOf) lets a string through.
bool allows_string(const Json& property) {
  const Json& s = resolved(property);
  if (s.contains("oneOf"))
    return std::any_of(s["oneOf"].begin(), s["oneOf"].end(), [](const Json& branch) { return allows_string(branch); });
  if (s.contains("const")) return s["const"].is_string();
  if (s.contains("enum"))
    return std::any_of(s["enum"].begin(), s["enum"].end(), [](const Json& v) { return v.is_string(); });
  const Json type = s.value("type", Json());
  return type == "string" || (type.is_array() && std::find(type.begin(), type.end(), "string") != type.end());
}

// A value of a type the property's schema does not allow.
Json wrong_type_value(const Json& property) { return allows_string(property) ? Json(true) : Json("x"); }

}  // namespace

// ---- the fixture and the accessors -----------------------------------------------------------
TEST(CostTable, FixtureLoadsEveryField) {
  const tcbench::CostTable t = tcbench::load_cost_table(kFixture.string());
  EXPECT_EQ(t.schema_version, 1);
  EXPECT_EQ(t.kind, "tcbench-cost-table");
  EXPECT_EQ(t.provenance.sources.at(0).git_dirty, false);
  EXPECT_EQ(t.provenance.data_files.at(0).file, "instructions.csv");
  EXPECT_EQ(t.device.name, "NVIDIA H200");
  EXPECT_EQ(t.device.sm_count, 132);
  EXPECT_EQ(t.device.memory_bytes, 150754820096LL);  // past 32 bits
  EXPECT_EQ(t.device.memory_bus_width_bits, 6144);
  EXPECT_DOUBLE_EQ(t.device.sm_clock_mhz_under_load.min, 1965.0);
  EXPECT_EQ(t.device.sm_clock_mhz_under_load.samples, 120);
  EXPECT_EQ(t.device.datasheet_dram_gbs, 4800.0);
  EXPECT_EQ(t.conditions.clock_event_reasons.at("run.json"), "none");
  EXPECT_EQ(t.conditions.cuda_runtime_version, 12080);
  ASSERT_EQ(t.instructions.size(), 3u);
  const tcbench::Instruction& mma = t.instructions[0];
  EXPECT_EQ(mma.shape.k, 16);
  EXPECT_EQ(mma.types.d, "f32");
  EXPECT_FALSE(mma.operand_source.has_value());
  EXPECT_EQ(mma.peak_at->warps_per_sm, 16);
  EXPECT_EQ(mma.reach_90->ilp, 2);
  EXPECT_EQ(mma.energy->pj_per_fma, 0.9);
  EXPECT_EQ(mma.sass_opcodes, std::vector<std::string>{"HMMA.16816.F32"});
  const tcbench::Instruction& sparse = t.instructions[2];
  EXPECT_FALSE(sparse.latency_cycles.has_value());
  EXPECT_FALSE(sparse.native.has_value());
  EXPECT_FALSE(sparse.peak_at.has_value());
  EXPECT_FALSE(sparse.energy.has_value());
  EXPECT_EQ(t.instructions[1].operand_source, "SS");
  EXPECT_EQ(t.instructions[1].issue_interval_source, "measured");
  EXPECT_EQ(t.movement.levels.size(), 2u);
  EXPECT_FALSE(t.movement.levels.at("shared").datasheet_gbs.has_value());  // optional key, absent
  EXPECT_EQ(t.movement.paths.at(0).bound_unit, "GB/s");
  EXPECT_EQ(t.movement.chase.at(0).largest_bytes, 1073741824LL);
  EXPECT_EQ(t.movement.launch.graph_kernel_time_us, 0.9);
  EXPECT_EQ(t.numerics.source, "numerics.csv");
  EXPECT_EQ(t.numerics.paths.at(0).types.at("c"), "f32");
  EXPECT_EQ(t.numerics.paths.at(0).measured.at("rounding"), "truncate|rz");
  EXPECT_EQ(t.numerics.paths.at(0).validation->cases, 1000);
  EXPECT_EQ(t.energy.idle_power_w, 75.0);
  EXPECT_EQ(t.energy.paths.at(0).pj_per_byte, 7.5);
  EXPECT_FALSE(t.calibration_json.has_value());
  // A merged table (tcbench merge, #16): the chips and each figure's spread across them.
  ASSERT_TRUE(t.chips.has_value());
  EXPECT_EQ(t.chips->count, 3);
  EXPECT_EQ(t.chips->members.at(2).host, "node2");
  EXPECT_EQ(t.instructions[0].across_chips.at("ops_per_clk_sm").min, 1020.5);
  EXPECT_EQ(t.instructions[0].across_chips.at("latency_cycles").chips, 3);
  EXPECT_TRUE(t.instructions[1].across_chips.empty());
  EXPECT_EQ(t.movement.levels.at("dram").across_chips.at("bandwidth_gbs").cv, 0.01);
}

TEST(CostTable, Accessors) {
  const tcbench::CostTable t = tcbench::load_cost_table(kFixture.string());
  ASSERT_NE(t.find_instruction("SM90_64x256x16_F32F16F16_SS"), nullptr);
  EXPECT_EQ(t.find_instruction("SM90_64x256x16_F32F16F16_SS")->family, "wgmma");
  EXPECT_EQ(t.find_instruction("no such atom"), nullptr);
  EXPECT_EQ(t.find_instructions().size(), 3u);
  EXPECT_EQ(t.find_instructions("wgmma").size(), 1u);
  EXPECT_EQ(t.find_instructions("", "f16").size(), 3u);
  EXPECT_EQ(t.find_instructions("mma.sync", "f16").size(), 1u);
  EXPECT_TRUE(t.find_instructions("wmma").empty());
  EXPECT_EQ(t.best_dense_tflops("f16"), 1070.5);  // the sparse 2000 is not dense
  EXPECT_FALSE(t.best_dense_tflops("bf16").has_value());
  ASSERT_NE(t.level("dram"), nullptr);
  EXPECT_EQ(t.level("dram")->bandwidth_gbs, 4200.5);
  EXPECT_EQ(t.level("l2"), nullptr);
  EXPECT_THROW(t.level("DRAM"), std::invalid_argument);
}

TEST(CostTable, CalibrationKeptAsJsonText) {
  const Json doc = fixture_with([](Json& d) { d["calibration"] = {{"scale", 1.5}}; });
  const auto t = tcbench::parse_cost_table(doc.dump(), "t.json");
  EXPECT_EQ(t.calibration_json, R"({"scale":1.5})");
}

TEST(CostTable, IntegralNumberIsAnInteger) {  // JSON Schema: 132.0 is an integer
  const Json doc = fixture_with([](Json& d) { d["device"]["sm_count"] = 132.0; });
  const auto t = tcbench::parse_cost_table(doc.dump(), "t.json");
  EXPECT_EQ(t.device.sm_count, 132);
}

// ---- the error cases both loaders share (tests/data/cost_table/error_cases.json) ---------------
// Malformed JSON, missing fields, wrong types, future and older versions, unknown keys, const,
// enum, pattern, minimum: each case's message word for word, the same the Python loader gives.
const Json& error_cases() {
  static const Json doc = Json::parse(tcb::test::read_text(kFixture.parent_path() / "error_cases.json"));
  return doc.at("cases");
}

// The case's text: its own, or minimal.json with its set and remove applied.
std::string case_text(const Json& c) {
  if (c.contains("text")) return c["text"].get<std::string>();
  Json doc = fixture();
  const Json set = c.value("set", Json::object()), remove = c.value("remove", Json::array());
  for (const auto& [pointer, value] : set.items()) doc[Json::json_pointer(pointer)] = value;
  for (const Json& pointer : remove) {
    const Json::json_pointer p(pointer.get<std::string>());
    doc[p.parent_pointer()].erase(p.back());
  }
  return doc.dump();
}

class CostTableErrorCase : public testing::TestWithParam<std::size_t> {};

TEST_P(CostTableErrorCase, MessageAsSpecified) {
  const Json& c = error_cases().at(GetParam());
  const std::string message = load_error_of_text(case_text(c));
  if (c.contains("message_prefix")) EXPECT_EQ(message.rfind(c["message_prefix"].get<std::string>(), 0), 0u) << message;
  else EXPECT_EQ(message, c.at("message").get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Shared, CostTableErrorCase, testing::Range<std::size_t>(0, error_cases().size()),
                         [](const testing::TestParamInfo<std::size_t>& info) {
                           return error_cases().at(info.param).at("id").get<std::string>();
                         });

TEST(CostTable, MalformedJsonDetailIsTheParsers) {
  EXPECT_EQ(load_error_of_text("{\n  \"schema_version\": 1,\n  \"kind\": \"x\",}\n"),
            "t.json: line 3, column 15: malformed JSON: "
            "syntax error while parsing object key - unexpected '}'; expected string literal");
}

TEST(CostTable, ErrorParts) {
  try {
    tcbench::parse_cost_table(fixture_with([](Json& d) { d["device"].erase("sm_count"); }).dump(), "cost_table.json");
    FAIL() << "loaded";
  } catch (const tcbench::CostTableError& e) {
    EXPECT_STREQ(e.what(), "cost_table.json: /device/sm_count: required field is missing");
    EXPECT_EQ(e.source(), "cost_table.json");
    EXPECT_EQ(e.field(), "/device/sm_count");
    EXPECT_EQ(e.problem(), "required field is missing");
  }
}

TEST(CostTable, FileErrorsNameTheFile) {
  EXPECT_THROW(
      {
        try {
          tcbench::load_cost_table("/nonexistent/cost_table.json");
        } catch (const tcbench::CostTableError& e) {
          EXPECT_STREQ(e.what(), "/nonexistent/cost_table.json: cannot open the file (No such file or directory)");
          EXPECT_EQ(e.source(), "/nonexistent/cost_table.json");
          EXPECT_EQ(e.field(), "");
          throw;
        }
      },
      tcbench::CostTableError);
}

// ---- cases derived from the schema -----------------------------------------------------------
TEST(CostTableSchema, FixtureHasEveryObjectTheSchemaDefines) {
  // Otherwise the derived tests below would skip the objects the fixture lacks.
  std::map<const Json*, std::string> required_schemas;
  collect_required_schemas(schema(), "", required_schemas);
  for (const SchemaObject& o : fixture_objects()) required_schemas.erase(o.schema);
  for (const auto& [node, where] : required_schemas) ADD_FAILURE() << "the fixture has no object of schema " << where;
}

TEST(CostTableSchema, EveryRequiredKeyRemovedIsNamed) {
  int cases = 0;
  for (const SchemaObject& o : fixture_objects()) {
    for (const Json& key : o.schema->value("required", Json::array())) {
      Json doc = fixture();
      doc[Json::json_pointer(o.pointer)].erase(key.get<std::string>());
      EXPECT_EQ(load_error(doc), "t.json: " + o.pointer + "/" + key.get<std::string>() + ": required field is missing");
      ++cases;
    }
  }
  EXPECT_GT(cases, 150);
}

TEST(CostTableSchema, EveryFieldOfAWrongTypeIsNamed) {
  int cases = 0;
  for (const SchemaObject& o : fixture_objects()) {
    for (const auto& [key, value] : o.instance->items()) {
      const Json* property = property_schema(*o.schema, key);
      ASSERT_NE(property, nullptr) << o.pointer << "/" << key << " is not in the schema";
      const std::string field = o.pointer + "/" + pointer_token(key);
      Json doc = fixture();
      doc[Json::json_pointer(field)] = wrong_type_value(*property);
      try {
        tcbench::parse_cost_table(doc.dump(), "t.json");
        ADD_FAILURE() << field << " = " << wrong_type_value(*property).dump() << " loaded";
      } catch (const tcbench::CostTableError& e) {
        EXPECT_EQ(e.field(), field) << e.what();
        EXPECT_EQ(e.problem().rfind("expected ", 0), 0u) << e.what();
      }
      ++cases;
    }
  }
  EXPECT_GT(cases, 200);
}

TEST(CostTableSchema, EveryClosedObjectRefusesAnUnknownKey) {
  int cases = 0;
  for (const SchemaObject& o : fixture_objects()) {
    if (o.schema->value("additionalProperties", Json(true)) != Json(false)) continue;
    Json doc = fixture();
    doc[Json::json_pointer(o.pointer)]["unexpected"] = 1;
    EXPECT_EQ(load_error(doc), "t.json: " + o.pointer + "/unexpected: unknown field (not in schema version 1)");
    ++cases;
  }
  EXPECT_GT(cases, 20);
}

// ---- committed tables ------------------------------------------------------------------------
TEST(CostTable, CommittedTablesLoad) {
  int tables = 0;
  for (const auto& gpu : fs::directory_iterator(kRepo / "results")) {
    const fs::path table = gpu.path() / "cost_table.json";
    if (!fs::is_regular_file(table)) continue;
    EXPECT_NO_THROW(tcbench::load_cost_table(table.string())) << table;
    ++tables;
  }
  if (tables == 0) GTEST_SKIP() << "no results/*/cost_table.json committed yet";
}
