// The energy family (docs/energy.md): board energy from NVML during seconds of steady load at
// the saturating point of a representative instruction per MMA family and type, and of the
// movement paths, with the idle power measured in the same run. Its rows go to energy.csv.
#pragma once
#include <nlohmann/json.hpp>

namespace tcb::energy {

// How this run read energy, for run.json: the source (total-energy counter or power samples,
// or why neither), the time constants (ramp discarded, steady window, tail, parts, poll period),
// the counter's observed update interval, the driver's power sampling period, and the idle
// baseline with how it was measured. Describes what was measured so far in this process.
nlohmann::json energy_method_json();

}  // namespace tcb::energy
