// Reading a results table (<table>.csv, RFC 4180) back in the tests: one map per row, column name
// to field.
#pragma once
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace tcb::test {

using CsvRow = std::map<std::string, std::string>;

// The fields of one CSV record starting at *pos (quoted fields may hold commas, quotes, newlines).
inline std::vector<std::string> csv_record(const std::string& text, size_t* pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (; *pos < text.size(); ++*pos) {
    const char c = text[*pos];
    if (quoted) {
      if (c == '"' && *pos + 1 < text.size() && text[*pos + 1] == '"') fields.back() += '"', ++*pos;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      ++*pos;
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

// Every record after the header whose field count matches it.
inline std::vector<CsvRow> read_csv_rows(const std::string& text) {
  size_t pos = 0;
  const std::vector<std::string> header = csv_record(text, &pos);
  std::vector<CsvRow> rows;
  while (pos < text.size()) {
    const auto fields = csv_record(text, &pos);
    if (fields.size() != header.size()) continue;
    CsvRow r;
    for (size_t i = 0; i < header.size(); ++i) r[header[i]] = fields[i];
    rows.push_back(r);
  }
  return rows;
}

inline double csv_number(const CsvRow& r, const char* column) { return std::atof(r.at(column).c_str()); }

}  // namespace tcb::test
