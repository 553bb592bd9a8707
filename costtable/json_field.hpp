// Checked reads of one JSON document, each naming the value's place (a JSON pointer) when it
// fails: the layer under cost_table_parse.cpp, so that the parser reads like the schema
// (`device.sm_count = fields.required("sm_count").integer(1)`). Not installed: consumers see
// only <tcbench/cost_table.hpp>, which knows no JSON library.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace tcbench::detail {

// "a", "b": names as JSON strings, for "expected one of ...".
template <class Names>
std::string quoted_list(const Names& names) {
  std::string out;
  for (std::string_view name : names) out += (out.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  return out;
}

// Ordered: an unknown key is reported in document order, as the Python loader does.
using Json = nlohmann::ordered_json;

// "a string", "a number", ... : what a value is, for "expected X, got Y".
std::string kind_of(const Json& value);

// One value and where it is. fail() throws CostTableError naming the source and the pointer.
class Field {
 public:
  Field(const Json& value, std::string pointer, const std::string& source)
      : value_(value), pointer_(std::move(pointer)), source_(source) {}

  const Json& json() const { return value_; }
  const std::string& pointer() const { return pointer_; }
  Field child(const Json& value, std::string_view key_or_index) const;
  [[noreturn]] void fail(const std::string& problem) const;
  [[noreturn]] void fail_type(std::string_view expected) const;  // "expected <expected>, got <kind>"

  std::string string() const;
  std::optional<std::string> string_or_null() const;
  std::string matching(const char* pattern) const;  // the schema's "pattern" (ECMAScript regex)
  std::string exactly(std::string_view expected) const;  // the schema's "const"
  std::string one_of(std::initializer_list<std::string_view> allowed) const;
  // An enum that lists null among its values.
  std::optional<std::string> one_of_or_null(std::initializer_list<std::string_view> allowed) const;
  double number() const;
  std::optional<double> number_or_null() const;
  int integer(std::int64_t minimum = INT32_MIN) const;
  std::optional<int> integer_or_null() const;
  std::int64_t integer64(std::int64_t minimum = INT64_MIN) const;
  std::optional<std::int64_t> integer64_or_null() const;
  bool boolean() const;
  std::optional<bool> boolean_or_null() const;
  std::vector<std::string> strings() const;
  std::map<std::string, std::string> string_map() const;  // an object whose values are strings

  // An array, each element read by read(const Field&); fewer than min_items fails.
  template <class Read>
  auto array_of(Read read, std::size_t min_items = 0) const {
    std::vector<std::invoke_result_t<Read, const Field&>> out;
    const std::size_t size = array_size(min_items);
    for (std::size_t i = 0; i < size; ++i) out.push_back(read(child(value_[i], std::to_string(i))));
    return out;
  }
  // The schema's oneOf [object, null].
  template <class Read>
  auto object_or_null(Read read) const -> std::optional<std::invoke_result_t<Read, const Field&>> {
    if (value_.is_null()) return std::nullopt;
    if (!value_.is_object()) fail_type("an object or null");
    return read(*this);
  }

 private:
  std::size_t array_size(std::size_t min_items) const;  // checks it is an array of enough items
  std::int64_t whole_number(std::string_view expected, std::int64_t minimum) const;
  std::string enum_problem(std::initializer_list<std::string_view> allowed, bool null_allowed) const;

  const Json& value_;
  std::string pointer_;
  const std::string& source_;
};

// The keys of one JSON object (the schema's "required", "properties" and
// "additionalProperties": false). Every key read is remembered; refuse_unknown_keys() fails on
// the first other key, in document order.
class ObjectFields {
 public:
  explicit ObjectFields(const Field& object);  // fails unless the value is an object
  Field required(std::string_view key);
  std::optional<Field> optional(std::string_view key);  // absent: nullopt
  void refuse_unknown_keys() const;
  // Each key/value pair (the schema's additionalProperties with a schema). Marks every key as known.
  template <class Read>
  auto map_of(Read read) {
    std::map<std::string, std::invoke_result_t<Read, const Field&>> out;
    for (const auto& [key, value] : object_.json().items()) {
      out.emplace(key, read(object_.child(value, key)));
      known_.push_back(key);
    }
    return out;
  }
  // The same where the keys must be among allowed_keys (the schema's propertyNames enum).
  template <class Read, class Names>
  auto map_of(Read read, const Names& allowed_keys) {
    for (const auto& [key, value] : object_.json().items())
      if (std::find(std::begin(allowed_keys), std::end(allowed_keys), key) == std::end(allowed_keys))
        object_.child(value, key).fail("unknown field (expected one of " + quoted_list(allowed_keys) + ")");
    return map_of(read);
  }

 private:
  Field object_;
  std::vector<std::string> known_;
};

}  // namespace tcbench::detail
