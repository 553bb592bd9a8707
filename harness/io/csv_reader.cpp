#include "harness/io/csv_reader.hpp"

namespace tcb {

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string q = "\"";
  for (char c : field) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + '"';
}

// A quoted field, from its opening quote up to and including the closing one; false when the
// text ends before the quote closes.
bool CsvReader::read_quoted(std::string* field) {
  for (++pos_; pos_ < text_.size(); ++pos_) {
    const char c = text_[pos_];
    if (c == '"' && next_is('"')) {
      *field += '"';
      ++pos_;
    } else if (c == '"') {
      ++pos_;
      return true;
    } else {
      line_ += c == '\n';
      *field += c;
    }
  }
  return false;
}

bool CsvReader::next(CsvRecord* out) {
  if (pos_ >= text_.size()) return false;
  *out = CsvRecord{{std::string()}, line_, ""};
  auto flag = [&](const std::string& what) {
    if (out->problem.empty()) out->problem = what + " (field " + std::to_string(out->fields.size()) + ")";
  };
  bool after_quote = false;  // the current field was quoted and its quote has closed
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    std::string& field = out->fields.back();
    if (c == ',') {
      out->fields.emplace_back();
      after_quote = false;
    } else if (c == '\n' || (c == '\r' && next_is('\n'))) {
      pos_ += c == '\r' ? 2 : 1;
      ++line_;
      return true;
    } else if (c == '"' && field.empty() && !after_quote) {
      if (!read_quoted(&field)) flag("a quoted field is never closed");
      after_quote = true;
      continue;
    } else {
      if (after_quote) flag("text after the closing quote");
      else if (c == '"') flag("a quote inside an unquoted field");
      field += c;
    }
    ++pos_;
  }
  return true;
}

}  // namespace tcb
