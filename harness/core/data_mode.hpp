// The data a sweep feeds its benchmarks (config key `data`): every family reads the same choice.
#pragma once
#include <cstdint>
#include <string>

namespace tcb {

enum class DataMode : uint8_t {
  random,  // random non-zero values, full significands (realistic power); tolerance-verified
  exact,   // random non-zero values with short significands: every result exact, bit-verified
  zeros,   // all zero
};
const char* data_mode_name(DataMode);
bool parse_data_mode(const std::string&, DataMode* out);

}  // namespace tcb
