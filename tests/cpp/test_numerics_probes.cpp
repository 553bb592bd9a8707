// The probe framework: every property gets inputs that separate its hypotheses, and a
// "hardware" that behaves like one hypothesis is recognised as that hypothesis.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "families/mma/numerics_probes.hpp"
#include "model/presets.hpp"
#include "ptx/mma_sync.hpp"

namespace tcb {
namespace {

std::map<std::string, int> probes_per_property(const AtomInfo& a, const model::PathParams& p) {
  const auto props = path_properties(a, p);
  const auto probes = select_probes(props, probe_candidates(a, 11, 2000), 4);
  std::map<std::string, int> n;
  for (const Probe& pr : probes) {
    ++n[pr.property->name];
    // Every probe separates the hypotheses.
    bool differ = false;
    for (uint64_t v : pr.predictions) differ |= v != pr.predictions[0];
    EXPECT_TRUE(differ) << pr.property->name;
  }
  return n;
}

TEST(NumericsProbes, F16PathHasSeparatingProbesForTheKeyProperties) {
  const AtomInfo& a = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  const auto p = model::resolve("h100", a.ptx).params;
  const auto n = probes_per_property(a, p);
  for (const char* prop : {"block", "extra_align_bits", "align_round", "in_subnormals", "product_exact",
                           "out_round", "carry_bits", "c_mode", "nan"})
    EXPECT_GT(n.count(prop) ? n.at(prop) : 0, 0) << prop;
}

TEST(NumericsProbes, AHardwareThatIsOneHypothesisIsRecognisedAsIt) {
  const AtomInfo& a = atoms::SM80_16x8x16_F32F16F16F32_TN::info;
  model::PathParams truth = model::resolve("h100", a.ptx).params;
  truth.block = 8;  // pretend the hardware fuses 8 products, not the preset's 16
  const model::PathParams preset = model::resolve("h100", a.ptx).params;
  const auto props = path_properties(a, preset);
  const auto probes = select_probes(props, probe_candidates(a, 3, 2000), 4);
  std::set<std::string> consistent = {"1", "2", "4", "8", "16"};
  int n = 0;
  for (const Probe& pr : probes) {
    if (pr.property->name != "block") continue;
    ++n;
    std::vector<uint64_t> x(pr.input.a), y(pr.input.b);
    x.resize(a.k, 0);
    y.resize(a.k, 0);
    const uint64_t hw = model::dot(truth, x.data(), y.data(), a.k, pr.input.c);
    std::set<std::string> keep;
    for (size_t h = 0; h < pr.predictions.size(); ++h)
      if (pr.predictions[h] == hw && consistent.count(pr.property->hypotheses[h].label))
        keep.insert(pr.property->hypotheses[h].label);
    consistent = keep;
  }
  ASSERT_GT(n, 0);
  EXPECT_EQ(consistent, std::set<std::string>{"8"});
}

TEST(NumericsProbes, APresetBlockWiderThanTheInstructionIsTheWholeInstruction) {
  const AtomInfo& a = atoms::SM75_16x8x8_F32F16F16F32_TN::info;  // k = 8, h100 preset block 16
  const auto p = model::resolve("h100", a.ptx).params;
  ASSERT_GT(p.block, a.k);
  for (const Property& prop : path_properties(a, p)) {
    if (prop.name != "block") continue;
    EXPECT_EQ(prop.preset_label, "8");
    bool listed = false;
    for (const auto& h : prop.hypotheses) listed |= h.label == prop.preset_label;
    EXPECT_TRUE(listed);
    return;
  }
  FAIL() << "no block property";
}

TEST(NumericsProbes, IntegerPathProbesWrapAgainstSaturation) {
  const AtomInfo& a = atoms::SM80_16x8x32_S32S8S8S32_TN_SATFINITE::info;
  const auto p = model::resolve("h100", a.ptx).params;
  EXPECT_TRUE(p.satfinite);
  const auto n = probes_per_property(a, p);
  EXPECT_GT(n.count("satfinite") ? n.at("satfinite") : 0, 0);
}

}  // namespace
}  // namespace tcb
