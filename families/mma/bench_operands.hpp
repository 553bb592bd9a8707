// One benchmark's operands in the form its kernel takes (lane registers or whole matrices,
// dense or sparse), on host and device, and the check of one chain's output.
#pragma once
#include <future>
#include <map>
#include <memory>
#include <string>
#include "harness/device/device_buffer.hpp"
#include "families/mma/operands.hpp"
#include "families/mma/registry.hpp"

namespace tcb {

class BenchOperands {
 public:
  BenchOperands(const Benchmark& bench, DataMode mode, uint64_t seed, long max_steps);
  // Given operands (dense atoms only): the numeric probes' hand-made matrices.
  BenchOperands(const Benchmark& bench, OperandSet given);
  ~BenchOperands();
  void fill(ChainLaunch* p) const;  // operand pointers of the launch
  size_t chain_bytes() const;       // bytes one chain's D occupies in d_out
  // `steps` as launched; loads and stores map it to what their d_out holds (see wmma_chain.cuh).
  Verdict verify(long steps, const uint8_t* chain) const;
  DataMode mode() const { return mode_; }
  // Random-data outputs are then also compared bit for bit with the CPU model (dense paths).
  // The model's chains for `verified_steps` (the chain lengths whose outputs will be checked)
  // are computed in the background meanwhile, like the product sums from construction on:
  // the GPU runs while the CPU prepares the reference.
  void use_model(const model::PathParams& params, const std::string& preset, std::vector<long> verified_steps = {});

 private:
  void upload_dense();
  void wait_prepared() const;
  long chain_steps(long launched) const;  // the chain length d_out holds after `launched` steps
  Verdict check(long steps, const uint8_t* chain) const;  // verify() without the verdict cache
  const Benchmark& bench_;
  DataMode mode_;
  struct Host;
  std::unique_ptr<Host> host_;
  std::unique_ptr<ModelReference> model_;
  mutable ProductSums sums_;
  // Verdicts by (steps, chain 0's bytes): the points of a sweep share operands and chain lengths,
  // so a correct kernel gives the same chain 0 again and again; it is checked once.
  mutable std::map<std::pair<long, std::string>, Verdict> verdicts_;
  DeviceBuffer a_, b_, bneg_, c_, e_;
  mutable std::future<void> sums_ready_, model_ready_;  // background preparation (see use_model)
};

}  // namespace tcb
