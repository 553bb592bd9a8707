// Reading a results table (<table>.csv, RFC 4180) back in the tests: one map per row, column name
// to field.
#pragma once
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "harness/io/csv_reader.hpp"

namespace tcb::test {

using CsvRow = std::map<std::string, std::string>;

// Every record after the header whose field count matches it (a row cut by an interrupted
// write, or otherwise damaged, is left out).
inline std::vector<CsvRow> read_csv_rows(const std::string& text) {
  CsvReader reader(text);
  CsvRecord header, record;
  if (!reader.next(&header)) return {};
  std::vector<CsvRow> rows;
  while (reader.next(&record)) {
    if (!record.problem.empty() || record.fields.size() != header.fields.size()) continue;
    CsvRow r;
    for (size_t i = 0; i < header.fields.size(); ++i) r[header.fields[i]] = record.fields[i];
    rows.push_back(r);
  }
  return rows;
}

inline double csv_number(const CsvRow& r, const char* column) { return std::atof(r.at(column).c_str()); }

}  // namespace tcb::test
