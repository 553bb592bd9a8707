#include "harness/core/data_mode.hpp"

namespace tcb {

const char* data_mode_name(DataMode m) {
  switch (m) {
    case DataMode::random: return "random";
    case DataMode::exact: return "exact";
    case DataMode::zeros: return "zeros";
  }
  return "?";
}

bool parse_data_mode(const std::string& s, DataMode* out) {
  for (DataMode m : {DataMode::random, DataMode::exact, DataMode::zeros}) {
    if (s == data_mode_name(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

}  // namespace tcb
