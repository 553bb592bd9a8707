// The text format of `tcbench model`: one dot product per input line,
//   a0 .. a(k-1) b0 .. b(k-1) c
// whitespace-separated hex bit patterns, each exactly its format's width in hex digits (f16 4,
// e4m3 2, tf32/f32 8, f64 16, s4 1 ...; an optional 0x prefix). Blank lines and lines starting
// with # are skipped. Output: one hex d per line, zero-padded to the output format's width.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>

#include "model/tc_model.hpp"

namespace tcb::model {

struct BatchError {
  long line = 0;     // 1-based input line
  std::string what;  // what is wrong with it
};

// Hex field -> bits of `f`. false with *why when it is not exactly one pattern of `f`.
bool parse_hex_field(const std::string& field, Fmt f, uint64_t* bits, std::string* why);
std::string format_hex(Fmt f, uint64_t bits);

// The largest k (products per dot product) a batch takes: a line then holds 2k+1 patterns, up to
// ~36 MB of text. The bound keeps 2k+1 and the buffers far from overflow and exhaustion.
constexpr int kMaxK = 1 << 20;

// Runs every line of `in` through dot(params, ..., k, ...) and writes the results to `out`.
// Stops at the first bad line: false, *err set, and `out` holds only the lines before it.
// Memory follows the input, one line at a time: nothing is reserved for k up front.
// Throws std::invalid_argument when k is not in [1, kMaxK].
bool run_batch(const PathParams& params, int k, std::istream& in, std::ostream& out, BatchError* err);

}  // namespace tcb::model
