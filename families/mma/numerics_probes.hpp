// Designed probes of one tensor-core path's numeric behaviour. Each property (block size, extra
// alignment bits, rounding, subnormals, ...) comes with competing hypotheses: variants of the
// model preset, each of which predicts a result bit pattern. A probe is an input on which the
// hypotheses disagree; running it on the hardware keeps the hypotheses that predicted the bits
// it gave (Fasi et al. 2021: choose values that only one hypothesis can explain).
#pragma once
#include <functional>
#include <string>
#include <vector>
#include "families/mma/case_runner.hpp"
#include "model/tc_model.hpp"
#include "ptx/atom_info.hpp"

namespace tcb {

struct Hypothesis {
  std::string label;
  std::function<uint64_t(const DotCase&)> predict;
};

struct Property {
  std::string name;
  std::string preset_label;          // the hypothesis the model preset uses
  std::vector<Hypothesis> hypotheses;
};

struct Probe {
  const Property* property;
  DotCase input;
  std::vector<uint64_t> predictions;  // one per hypothesis
};

// The properties that can be probed on this path (its preset's parameters varied one by one).
std::vector<Property> path_properties(const AtomInfo& atom, const model::PathParams& preset);

// Designed candidate inputs for the path (values chosen around 1.0, tiny addends, carries,
// ties, subnormals, specials), followed by `random` cases from numerics_cases.
std::vector<DotCase> probe_candidates(const AtomInfo& atom, uint64_t seed, int random);

// Up to `per_property` candidates on which the hypotheses of each property disagree, the ones
// where the preset's prediction stands apart first.
std::vector<Probe> select_probes(const std::vector<Property>& props, const std::vector<DotCase>& candidates,
                                 int per_property);

}  // namespace tcb
