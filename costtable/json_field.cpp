#include "costtable/json_field.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <regex>

#include "tcbench/cost_table.hpp"

namespace tcbench::detail {
namespace {

// RFC 6901: '~' and '/' inside a key are escaped so the pointer stays unambiguous.
std::string escape_pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// How a value is quoted in "expected one of ..., got X": scalars as JSON, containers by kind
// (their text could be long). The Python loader renders values the same way.
std::string shown(const Json& value) {
  return value.is_structured() ? kind_of(value) : value.dump();
}

}  // namespace

std::string kind_of(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

// ---- Field -------------------------------------------------------------------------------------
Field Field::child(const Json& value, std::string_view key_or_index) const {
  return Field(value, pointer_ + "/" + escape_pointer_token(key_or_index), source_);
}

void Field::fail(const std::string& problem) const { throw CostTableError(source_, pointer_, problem); }

void Field::fail_type(std::string_view expected) const {
  fail("expected " + std::string(expected) + ", got " + kind_of(value_));
}

std::string Field::string() const {
  if (!value_.is_string()) fail_type("a string");
  return value_.get<std::string>();
}

std::optional<std::string> Field::string_or_null() const {
  if (value_.is_null()) return std::nullopt;
  if (!value_.is_string()) fail_type("a string or null");
  return value_.get<std::string>();
}

std::string Field::matching(const char* pattern) const {
  std::string text = string();
  // std::regex_search, like JSON Schema's "pattern": the schema's patterns carry their own anchors.
  if (!std::regex_search(text, std::regex(pattern, std::regex::ECMAScript)))
    fail("expected a string matching " + std::string(pattern) + ", got " + shown(value_));
  return text;
}

std::string Field::exactly(std::string_view expected) const {
  if (!value_.is_string() || value_.get<std::string>() != expected)
    fail("expected " + Json(expected).dump() + ", got " + shown(value_));
  return value_.get<std::string>();
}

std::string Field::enum_problem(std::initializer_list<std::string_view> allowed, bool null_allowed) const {
  return "expected one of " + quoted_list(allowed) + (null_allowed ? ", null" : "") + ", got " + shown(value_);
}

std::string Field::one_of(std::initializer_list<std::string_view> allowed) const {
  if (!value_.is_string() || std::find(allowed.begin(), allowed.end(), value_.get<std::string>()) == allowed.end())
    fail(enum_problem(allowed, false));
  return value_.get<std::string>();
}

std::optional<std::string> Field::one_of_or_null(std::initializer_list<std::string_view> allowed) const {
  if (value_.is_null()) return std::nullopt;
  if (!value_.is_string() || std::find(allowed.begin(), allowed.end(), value_.get<std::string>()) == allowed.end())
    fail(enum_problem(allowed, true));
  return value_.get<std::string>();
}

double Field::number() const {
  if (!value_.is_number()) fail_type("a number");
  return value_.get<double>();
}

std::optional<double> Field::number_or_null() const {
  if (value_.is_null()) return std::nullopt;
  if (!value_.is_number()) fail_type("a number or null");
  return value_.get<double>();
}

// JSON Schema counts 3.0 as an integer (as Python's jsonschema does), so integral floats pass.
std::int64_t Field::whole_number(std::string_view expected, std::int64_t minimum) const {
  std::int64_t whole = 0;
  if (value_.is_number_unsigned()) {
    if (value_.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      fail("expected at most " + std::to_string(INT64_MAX) + ", got " + shown(value_));
    whole = value_.get<std::int64_t>();
  } else if (value_.is_number_integer()) {
    whole = value_.get<std::int64_t>();
  } else if (value_.is_number_float() && std::trunc(value_.get<double>()) == value_.get<double>() &&
             std::fabs(value_.get<double>()) < 9.2e18) {
    whole = static_cast<std::int64_t>(value_.get<double>());
  } else {
    fail_type(expected);
  }
  if (whole < minimum) fail("expected at least " + std::to_string(minimum) + ", got " + shown(value_));
  return whole;
}

int Field::integer(std::int64_t minimum) const {
  std::int64_t whole = whole_number("an integer", minimum);
  if (whole > INT_MAX || whole < INT_MIN) fail("expected an integer that fits 32 bits, got " + shown(value_));
  return static_cast<int>(whole);
}

std::optional<int> Field::integer_or_null() const {
  if (value_.is_null()) return std::nullopt;
  std::int64_t whole = whole_number("an integer or null", INT64_MIN);
  if (whole > INT_MAX || whole < INT_MIN) fail("expected an integer that fits 32 bits, got " + shown(value_));
  return static_cast<int>(whole);
}

std::int64_t Field::integer64(std::int64_t minimum) const { return whole_number("an integer", minimum); }

std::optional<std::int64_t> Field::integer64_or_null() const {
  if (value_.is_null()) return std::nullopt;
  return whole_number("an integer or null", INT64_MIN);
}

bool Field::boolean() const {
  if (!value_.is_boolean()) fail_type("a boolean");
  return value_.get<bool>();
}

std::optional<bool> Field::boolean_or_null() const {
  if (value_.is_null()) return std::nullopt;
  if (!value_.is_boolean()) fail_type("a boolean or null");
  return value_.get<bool>();
}

std::size_t Field::array_size(std::size_t min_items) const {
  if (!value_.is_array()) fail_type("an array");
  if (value_.size() < min_items)
    fail("expected at least " + std::to_string(min_items) + (min_items == 1 ? " item" : " items") + ", got " +
         std::to_string(value_.size()));
  return value_.size();
}

std::vector<std::string> Field::strings() const {
  return array_of([](const Field& f) { return f.string(); });
}

std::map<std::string, std::string> Field::string_map() const {
  ObjectFields fields(*this);
  return fields.map_of([](const Field& f) { return f.string(); });
}

// ---- ObjectFields ------------------------------------------------------------------------------
ObjectFields::ObjectFields(const Field& object) : object_(object) {
  if (!object.json().is_object()) object.fail_type("an object");
}

Field ObjectFields::required(std::string_view key) {
  auto it = object_.json().find(key);
  if (it == object_.json().end()) object_.child(object_.json(), key).fail("required field is missing");
  known_.emplace_back(key);
  return object_.child(*it, key);
}

std::optional<Field> ObjectFields::optional(std::string_view key) {
  known_.emplace_back(key);
  auto it = object_.json().find(key);
  if (it == object_.json().end()) return std::nullopt;
  return object_.child(*it, key);
}

void ObjectFields::refuse_unknown_keys() const {
  for (const auto& [key, value] : object_.json().items())
    if (std::find(known_.begin(), known_.end(), key) == known_.end())
      object_.child(value, key).fail("unknown field (not in schema version " +
                                     std::to_string(kCostTableSchemaVersion) + ")");
}

}  // namespace tcbench::detail
