#include "harness/cli/gemm_shapes.hpp"

#include <fmt/format.h>

#include <climits>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "harness/io/csv_reader.hpp"

namespace tcb {
namespace {

constexpr int kColumns = 8;

// InfiniTensor computes m*k, n*k and m*n (the batch strides) in int: a matrix must fit in one.
constexpr long long kMaxMatrixElements = INT_MAX;

std::string columns_text(const std::vector<std::string>& fields) {
  std::string s;
  for (const auto& f : fields) s += (s.empty() ? "" : ",") + f;
  return s;
}

class RowParser {
 public:
  RowParser(const std::string& file, const CsvRecord& r) : file_(file), r_(r) {}

  GemmShapesError error(const std::string& field, const std::string& problem) const {
    return GemmShapesError(fmt::format("{}:{}: {}: {}", file_, r_.line, field, problem));
  }

  int dimension(int column, const char* field) const {
    const std::string& v = r_.fields[column];
    const bool digits = !v.empty() && v.size() <= 10 && v.find_first_not_of("0123456789") == std::string::npos;
    const long long x = digits ? std::stoll(v) : 0;
    if (x < 1 || x > INT_MAX)
      throw error(field, fmt::format("'{}' is not a whole number from 1 to {}", v, INT_MAX));
    return int(x);
  }

  bool flag(int column, const char* field) const {
    const std::string& v = r_.fields[column];
    if (v != "0" && v != "1") throw error(field, fmt::format("'{}' is not 0 or 1", v));
    return v == "1";
  }

  GemmDType dtype(int column) const {
    const std::string& v = r_.fields[column];
    if (v == "f16") return GemmDType::f16;
    if (v == "f32") return GemmDType::f32;
    throw error("dtype", fmt::format("'{}' is not one of f16, f32 (the types InfiniTensor's cuBLAS MatMul takes)", v));
  }

  GemmShape shape() const {
    GemmShape s;
    s.line = r_.line;
    s.name = r_.fields[0];
    if (s.name.empty()) throw error("name", "empty");
    s.dtype = dtype(1);
    s.b = dimension(2, "b");
    s.m = dimension(3, "m");
    s.n = dimension(4, "n");
    s.k = dimension(5, "k");
    s.trans_a = flag(6, "trans_a");
    s.trans_b = flag(7, "trans_b");
    check_matrix_size("m x k", 1LL * s.m * s.k);
    check_matrix_size("k x n", 1LL * s.k * s.n);
    check_matrix_size("m x n", 1LL * s.m * s.n);
    return s;
  }

 private:
  void check_matrix_size(const char* which, long long elements) const {
    if (elements > kMaxMatrixElements)
      throw error(which, fmt::format("{} elements per matrix; InfiniTensor's batch strides are int (at most {})",
                                     elements, kMaxMatrixElements));
  }
  const std::string& file_;
  const CsvRecord& r_;
};

void check_header(const std::string& file, const CsvRecord& h) {
  if (columns_text(h.fields) != kGemmShapeColumns || !h.problem.empty())
    throw GemmShapesError(fmt::format("{}:{}: header: expected the columns {}, found {}", file, h.line,
                                      kGemmShapeColumns, columns_text(h.fields)));
}

bool blank(const CsvRecord& r) { return r.fields.size() == 1 && r.fields[0].empty() && r.problem.empty(); }

}  // namespace

const char* gemm_dtype_name(GemmDType t) { return t == GemmDType::f16 ? "f16" : "f32"; }
int gemm_dtype_bytes(GemmDType t) { return t == GemmDType::f16 ? 2 : 4; }

std::vector<GemmShape> parse_gemm_shapes(const std::string& text, const std::string& file) {
  CsvReader reader(text);
  CsvRecord record;
  if (!reader.next(&record)) throw GemmShapesError(file + ":1: header: the file is empty (expected " +
                                                   std::string(kGemmShapeColumns) + ")");
  check_header(file, record);
  std::vector<GemmShape> shapes;
  std::map<std::string, int> name_line;
  std::map<std::tuple<GemmDType, int, int, int, int, bool, bool>, int> shape_line;
  while (reader.next(&record)) {
    if (blank(record)) continue;
    const RowParser row(file, record);
    if (!record.problem.empty()) throw row.error("row", "not RFC 4180 CSV: " + record.problem);
    if (int(record.fields.size()) != kColumns)
      throw row.error("row", fmt::format("{} fields, expected {} ({})", record.fields.size(), kColumns,
                                         kGemmShapeColumns));
    const GemmShape s = row.shape();
    if (!name_line.emplace(s.name, s.line).second)
      throw row.error("name", fmt::format("'{}' is already the name of line {}", s.name, name_line[s.name]));
    const auto key = std::make_tuple(s.dtype, s.b, s.m, s.n, s.k, s.trans_a, s.trans_b);
    if (!shape_line.emplace(key, s.line).second)
      throw row.error("row", fmt::format("the same dtype and shape as line {}", shape_line[key]));
    shapes.push_back(s);
  }
  if (shapes.empty()) throw GemmShapesError(file + ": no shapes after the header");
  return shapes;
}

std::vector<GemmShape> read_gemm_shapes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw GemmShapesError(path + ": cannot read the shapes file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_gemm_shapes(ss.str(), path);
}

}  // namespace tcb
