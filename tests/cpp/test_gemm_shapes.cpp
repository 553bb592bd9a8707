// The shapes file of `tcbench gemm-algos` without a GPU: the RFC 4180 reader under it
// (harness/io/csv_reader.hpp), every malformed input named file:line: field: problem
// (harness/cli/gemm_shapes.hpp), the shipped configs/gemm_algos.csv, and the command line's exit
// codes for bad input (docs/exporters/infinitensor.md).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <tuple>

#include "harness/cli/gemm_shapes.hpp"
#include "harness/device/device_info.hpp"
#include "harness/io/csv_reader.hpp"
#include "tests/cpp/run_tcbench.hpp"
#include "tests/cpp/test_support.hpp"

namespace tcb {
namespace {

const std::string kHeader = std::string(kGemmShapeColumns) + "\n";

std::vector<CsvRecord> records(const std::string& text) {
  CsvReader reader(text);
  std::vector<CsvRecord> out;
  for (CsvRecord r; reader.next(&r);) out.push_back(r);
  return out;
}

// The message parse_gemm_shapes gives for `text` (named x.csv), "" when it parses.
std::string shapes_error(const std::string& text) {
  try {
    parse_gemm_shapes(text, "x.csv");
  } catch (const GemmShapesError& e) {
    return e.what();
  }
  return "";
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const auto r = records("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\nlast,");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].fields, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"two\nlines", "x"}));
  EXPECT_EQ(r[2].fields, (std::vector<std::string>{"last", ""}));
  EXPECT_EQ(r[0].line, 1);
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[2].line, 4);  // the quoted line break counts
  for (const auto& x : r) EXPECT_EQ(x.problem, "");
}

TEST(CsvReader, NamesWhatBreaksRfc4180) {
  EXPECT_EQ(records("a,b\"c\n")[0].problem, "a quote inside an unquoted field (field 2)");
  EXPECT_EQ(records("\"a\"b,c\n")[0].problem, "text after the closing quote (field 1)");
  EXPECT_EQ(records("a,\"b\n")[0].problem, "a quoted field is never closed (field 2)");
  EXPECT_EQ(records("a,\"b\"\"")[0].problem, "a quoted field is never closed (field 2)");
  EXPECT_TRUE(records("").empty());
}

TEST(GemmShapes, ParsesEveryColumn) {
  const auto s = parse_gemm_shapes(kHeader + "\"attn, qk\",f16,32,2048,2048,128,0,1\r\n\nmlp,f32,1,3,5,7,1,0\n", "x.csv");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].name, "attn, qk");
  EXPECT_EQ(s[0].dtype, GemmDType::f16);
  EXPECT_EQ(std::make_tuple(s[0].b, s[0].m, s[0].n, s[0].k, s[0].trans_a, s[0].trans_b),
            std::make_tuple(32, 2048, 2048, 128, false, true));
  EXPECT_EQ(s[0].line, 2);
  EXPECT_EQ(s[1].dtype, GemmDType::f32);
  EXPECT_EQ(std::make_tuple(s[1].b, s[1].m, s[1].n, s[1].k, s[1].trans_a, s[1].trans_b),
            std::make_tuple(1, 3, 5, 7, true, false));
  EXPECT_EQ(s[1].line, 4);  // the blank line 3 is skipped, and counted
}

TEST(GemmShapes, EveryProblemNamesFileLineAndField) {
  const std::string ok = "x,f16,1,2,3,4,0,0\n";
  EXPECT_EQ(shapes_error(""), "x.csv:1: header: the file is empty (expected name,dtype,b,m,n,k,trans_a,trans_b)");
  EXPECT_EQ(shapes_error("name,dtype,b,m,n,k,ta,tb\n" + ok),
            "x.csv:1: header: expected the columns name,dtype,b,m,n,k,trans_a,trans_b, found "
            "name,dtype,b,m,n,k,ta,tb");
  EXPECT_EQ(shapes_error(kHeader), "x.csv: no shapes after the header");
  EXPECT_EQ(shapes_error(kHeader + ok + "y,bf16,1,2,3,4,0,0\n"),
            "x.csv:3: dtype: 'bf16' is not one of f16, f32 (the types InfiniTensor's cuBLAS MatMul takes)");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,1,0,3,4,0,0\n"), "x.csv:2: m: '0' is not a whole number from 1 to 2147483647");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,1,2,-3,4,0,0\n"), "x.csv:2: n: '-3' is not a whole number from 1 to 2147483647");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,1,2,3, 4,0,0\n"), "x.csv:2: k: ' 4' is not a whole number from 1 to 2147483647");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,2147483648,2,3,4,0,0\n"),
            "x.csv:2: b: '2147483648' is not a whole number from 1 to 2147483647");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,1,2,3,4,2,0\n"), "x.csv:2: trans_a: '2' is not 0 or 1");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,1,2,3,4,0,T\n"), "x.csv:2: trans_b: 'T' is not 0 or 1");
  EXPECT_EQ(shapes_error(kHeader + ",f16,1,2,3,4,0,0\n"), "x.csv:2: name: empty");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,1,2,3,4,0\n"),
            "x.csv:2: row: 7 fields, expected 8 (name,dtype,b,m,n,k,trans_a,trans_b)");
  EXPECT_EQ(shapes_error(kHeader + "\"y\nz,f16,1,2,3,4,0,0\n"),
            "x.csv:2: row: not RFC 4180 CSV: a quoted field is never closed (field 1)");
  EXPECT_EQ(shapes_error(kHeader + "\"two\nlines\",f16,1,2,3,4,0,0\ny,f32,1,2,3,4,9,0\n"),
            "x.csv:4: trans_a: '9' is not 0 or 1");
  EXPECT_EQ(shapes_error(kHeader + ok + ok), "x.csv:3: name: 'x' is already the name of line 2");
  EXPECT_EQ(shapes_error(kHeader + ok + "y,f16,1,2,3,4,0,0\n"), "x.csv:3: row: the same dtype and shape as line 2");
  EXPECT_EQ(shapes_error(kHeader + "y,f16,2,65536,32768,2,0,0\n"),
            "x.csv:2: m x n: 2147483648 elements per matrix; InfiniTensor's batch strides are int (at most "
            "2147483647)");
  EXPECT_EQ(shapes_error(kHeader + ok + "y,f32,1,2,3,4,0,0\n"), "");  // one shape in two dtypes: measurable
}

TEST(GemmShapes, UnreadableFileIsNamed) {
  try {
    read_gemm_shapes("/nonexistent/shapes.csv");
    FAIL() << "no error";
  } catch (const GemmShapesError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/shapes.csv: cannot read the shapes file");
  }
}

// The shipped shapes parse, and no InfiniTensor key (which has no dtype) is measured in two dtypes:
// `tcbench export infinitensor` refuses such a folder.
TEST(GemmShapes, ShippedShapesParseWithOneDtypePerKey) {
  const auto shapes = read_gemm_shapes(std::string(TCB_SOURCE_DIR) + "/configs/gemm_algos.csv");
  EXPECT_GE(shapes.size(), 30u);
  std::set<std::tuple<int, int, int, int, bool, bool>> keys;
  int batched = 0, f32 = 0;
  for (const auto& s : shapes) {
    EXPECT_TRUE(keys.emplace(s.b, s.m, s.n, s.k, s.trans_a, s.trans_b).second) << s.name;
    batched += s.b > 1;
    f32 += s.dtype == GemmDType::f32;
  }
  EXPECT_GE(batched, 5);
  EXPECT_GE(f32, 2);
}

// ---- the command line (no GPU needed for any of these) ----------------------------------------

TEST(GemmAlgosCli, MalformedShapesExitWithTheConfigCodeNamingFileLineField) {
  test::TempDir tmp;
  const std::string shapes = (tmp.path / "shapes.csv").string();
  std::ofstream(shapes) << kHeader << "a,f16,1,2,3,4,0,0\nb,f64,1,2,3,4,0,0\n";
  const CliResult r = run_tcbench("gemm-algos --shapes " + shapes + " --out " + (tmp.path / "out").string());
  EXPECT_EQ(r.code, kExitConfig) << r.out;
  EXPECT_NE(r.out.find(shapes + ":3: dtype: 'f64'"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(tmp.path / "out"));
}

TEST(GemmAlgosCli, UsageErrors) {
  EXPECT_EQ(run_tcbench("gemm-algos").code, kExitUsage);  // --out is required
  EXPECT_EQ(run_tcbench("gemm-algos --out x --reps 0").code, kExitUsage);
  EXPECT_EQ(run_tcbench("gemm-algos --out x --device -1").code, kExitUsage);
}

TEST(GemmAlgosCli, ExistingResultsAreRefusedBeforeTheGpu) {
  test::TempDir tmp;
  std::ofstream(tmp.path / "gemm_algos_run.json") << "{}\n";
  const CliResult r = run_tcbench("gemm-algos --shapes " + std::string(TCB_SOURCE_DIR) + "/configs/gemm_algos.csv --out " +
                                  tmp.path.string());
  EXPECT_EQ(r.code, kExitExists) << r.out;
  EXPECT_NE(r.out.find("already holds gemm-algos results"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tcb
