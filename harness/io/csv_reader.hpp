// Reading and quoting CSV (RFC 4180): fields may be quoted, and a quoted field may hold commas, doubled quotes
// and line breaks; records end in LF or CRLF. Each record knows the line it starts on, so an
// input file's problems can be named file:line.
#pragma once
#include <string>
#include <vector>

namespace tcb {

// A field as RFC 4180 writes it: quoted (quotes doubled) only when it holds a comma, quote or
// line break.
std::string csv_escape(const std::string& field);

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;         // 1-based line of the text on which the record starts
  std::string problem;  // "" when the record keeps RFC 4180; else what breaks it
};

class CsvReader {
 public:
  explicit CsvReader(std::string text) : text_(std::move(text)) {}
  // The next record into *out; false once the text is used up. A record breaking RFC 4180 (a
  // quote inside an unquoted field, text after a closing quote, a quote never closed) is still
  // returned, with `problem` set: strict readers refuse it, tolerant ones skip it.
  bool next(CsvRecord* out);

 private:
  bool next_is(char c) const { return pos_ + 1 < text_.size() && text_[pos_ + 1] == c; }
  bool read_quoted(std::string* field);
  std::string text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace tcb
