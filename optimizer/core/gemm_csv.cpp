#include "optimizer/core/gemm_csv.hpp"

#include <fmt/format.h>

#include <climits>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "harness/io/csv_reader.hpp"
#include "optimizer/core/calibration_fit.hpp"

namespace tcb::opt {

namespace {

const char* const kRequired[] = {"dtype", "batch", "M", "N", "K"};
const char* const kOutputs[] = {"predicted_us", "predicted_us_uncalibrated"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + csv_escape(x);
  return s;
}

class RowReader {
 public:
  RowReader(const GemmCsv& csv, const CsvRecord& r) : csv_(csv), r_(r) {}

  GemmCsvError error(const std::string& field, const std::string& problem) const {
    return GemmCsvError(fmt::format("{}:{}: {}: {}", csv_.file, r_.line, field, problem));
  }
  const std::string& field(const std::string& name) const { return r_.fields[csv_.column(name)]; }

  std::int64_t dimension(const char* name) const {
    const std::string& v = field(name);
    const bool digits = !v.empty() && v.size() <= 10 && v.find_first_not_of("0123456789") == std::string::npos;
    const long long x = digits ? std::stoll(v) : 0;
    if (x < 1 || x > INT_MAX) throw error(name, fmt::format("'{}' is not a whole number from 1 to {}", v, INT_MAX));
    return x;
  }

  GemmProblem problem() const {
    GemmProblem p;
    if (!parse_dtype(field("dtype"), &p.dtype))
      throw error("dtype", fmt::format("'{}' is not one of {}", field("dtype"), dtype_choices()));
    p.batch = dimension("batch");
    p.m = dimension("M");
    p.n = dimension("N");
    p.k = dimension("K");
    if (csv_.column("b_layout") >= 0) {
      const std::string& lay = field("b_layout");
      if (lay != "" && lay != "kn" && lay != "nk")
        throw error("b_layout", fmt::format("'{}' is not kn (B[b,K,N], the default) or nk (B[b,N,K])", lay));
      p.b_nk = lay == "nk";
    }
    if (p.dtype == Dtype::e4m3 && (!p.b_nk || p.batch != 1))
      throw error(p.b_nk ? "batch" : "b_layout",
                  "e4m3 is torch._scaled_mm: one product (batch 1) with B column-major (b_layout nk)");
    return p;
  }

 private:
  const GemmCsv& csv_;
  const CsvRecord& r_;
};

}  // namespace

int GemmCsv::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return int(i);
  return -1;
}

GemmCsv parse_gemm_csv(const std::string& text, const std::string& file) {
  GemmCsv csv;
  csv.file = file;
  CsvReader reader(text);
  CsvRecord rec;
  if (!reader.next(&rec) || (rec.fields.size() == 1 && rec.fields[0].empty()))
    throw GemmCsvError(file + ":1: header: the file is empty (required columns: dtype,batch,M,N,K)");
  if (!rec.problem.empty()) throw GemmCsvError(fmt::format("{}:{}: header: not RFC 4180 CSV: {}", file, rec.line, rec.problem));
  csv.header = rec.fields;
  std::map<std::string, int> seen;
  for (const std::string& h : csv.header)
    if (++seen[h] > 1) throw GemmCsvError(fmt::format("{}:{}: header: column '{}' appears twice", file, rec.line, h));
  for (const char* req : kRequired)
    if (csv.column(req) < 0)
      throw GemmCsvError(fmt::format("{}:{}: header: required column '{}' is missing (required: dtype,batch,M,N,K; "
                                     "names are case-sensitive)", file, rec.line, req));
  while (reader.next(&rec)) {
    if (rec.fields.size() == 1 && rec.fields[0].empty() && rec.problem.empty()) continue;  // blank line
    const RowReader row(csv, rec);
    if (!rec.problem.empty()) throw row.error("row", "not RFC 4180 CSV: " + rec.problem);
    if (rec.fields.size() != csv.header.size())
      throw row.error("row", fmt::format("{} fields, the header has {}", rec.fields.size(), csv.header.size()));
    csv.rows.push_back({row.problem(), rec.fields, rec.line});
  }
  if (csv.rows.empty()) throw GemmCsvError(file + ": no rows after the header");
  return csv;
}

GemmCsv read_gemm_csv(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw GemmCsvError(path + ": cannot read the file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_gemm_csv(ss.str(), path);
}

std::string predict_csv(const GemmCsv& in, const GemmModel& model, const GemmModel& uncalibrated) {
  for (const char* out : kOutputs)
    if (in.column(out) >= 0)
      throw GemmCsvError(fmt::format("{}:1: header: the input already has a column '{}', which the output adds",
                                     in.file, out));
  std::vector<std::string> header = in.header;
  header.insert(header.end(), std::begin(kOutputs), std::end(kOutputs));
  std::string out = join(header) + "\n";
  for (const GemmCsvRow& row : in.rows) {
    double us = 0, us_uncal = 0;
    try {
      us = model.predict(row.problem).us;
      us_uncal = uncalibrated.predict(row.problem).us;
    } catch (const ModelError& e) {
      throw GemmCsvError(fmt::format("{}:{}: dtype: {}", in.file, row.line, e.what()));
    }
    std::vector<std::string> fields = row.fields;
    fields.push_back(fmt::format("{:.6g}", us));
    fields.push_back(fmt::format("{:.6g}", us_uncal));
    out += join(fields) + "\n";
  }
  return out;
}

std::vector<MeasuredGemm> measured_rows(const GemmCsv& in) {
  const int median = in.column("median_us"), status = in.column("status");
  if (median < 0) throw GemmCsvError(in.file + ":1: header: required column 'median_us' is missing (a gemm_timing.py CSV)");
  std::vector<MeasuredGemm> out;
  for (const GemmCsvRow& row : in.rows) {
    if (status >= 0 && row.fields[status] != "ok") continue;
    char* end = nullptr;
    const double us = std::strtod(row.fields[median].c_str(), &end);
    if (row.fields[median].empty() || *end != '\0' || !std::isfinite(us) || us <= 0)
      throw GemmCsvError(fmt::format("{}:{}: median_us: '{}' is not a positive time in microseconds", in.file,
                                     row.line, row.fields[median]));
    out.push_back({row.problem, us});
  }
  if (out.empty()) throw GemmCsvError(in.file + ": no row with status ok");
  return out;
}

}  // namespace tcb::opt
