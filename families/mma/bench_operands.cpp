#include "families/mma/bench_operands.hpp"

#include "families/mma/sparse_operands.hpp"

namespace tcb {

struct BenchOperands::Host {
  OperandSet dense;
  SparseOperandSet sparse;
  bool is_sparse = false;
};

BenchOperands::BenchOperands(const Benchmark& bench, DataMode mode, uint64_t seed, long max_steps)
    : bench_(bench), mode_(mode), host_(std::make_unique<Host>()) {
  const AtomInfo& a = bench.info;
  if (a.family == Family::mma_sp) {
    host_->is_sparse = true;
    host_->sparse = make_sparse_operands(a, mode, seed, max_steps, sparse_selector(a));
    const OperandSet& s = host_->sparse;
    a_.upload(s.a_regs); b_.upload(s.b_regs); bneg_.upload(s.b_neg_regs); c_.upload(s.c_regs);
    e_.upload(host_->sparse.e_regs);
  } else {
    host_->dense = make_operands(a, mode, seed, max_steps);
    upload_dense();
  }
}

BenchOperands::BenchOperands(const Benchmark& bench, OperandSet given)
    : bench_(bench), mode_(DataMode::random), host_(std::make_unique<Host>()) {
  host_->dense = std::move(given);
  upload_dense();
}

void BenchOperands::upload_dense() {
  const OperandSet& s = host_->dense;
  sums_ready_ = std::async(std::launch::async, [this] { sums_ = product_sums(bench_.info, host_->dense); });
  if (bench_.form == OperandForm::matrices) {
    a_.upload(s.a_mat); b_.upload(s.b_mat); bneg_.upload(s.b_neg_mat); c_.upload(s.c_mat);
  } else {
    a_.upload(s.a_regs); b_.upload(s.b_regs); bneg_.upload(s.b_neg_regs); c_.upload(s.c_regs);
  }
}

BenchOperands::~BenchOperands() {  // the tasks read host_ and write sums_ and model_
  for (auto* f : {&sums_ready_, &model_ready_})
    if (f->valid()) f->wait();
}

void BenchOperands::wait_prepared() const {
  for (auto* f : {&sums_ready_, &model_ready_})
    if (f->valid()) f->get();  // rethrows what the task threw, once
}

void BenchOperands::use_model(const model::PathParams& params, const std::string& preset,
                              std::vector<long> verified_steps) {
  wait_prepared();
  model_ = std::make_unique<ModelReference>();
  model_->params = params;
  model_->preset = preset;
  const AtomInfo& a = bench_.info;
  if (host_->is_sparse || mode_ != DataMode::random || !dtype_is_float(a.d) || verified_steps.empty()) return;
  for (long& s : verified_steps) s = chain_steps(s);
  model_ready_ = std::async(std::launch::async, [this, verified_steps] {
    model_->prepare(bench_.info, host_->dense, verified_steps);
  });
}

void BenchOperands::fill(ChainLaunch* p) const {
  if (bench_.form == OperandForm::matrices) {
    p->a_mat = a_.get(); p->b_mat = b_.get(); p->b_neg_mat = bneg_.get(); p->c_mat = c_.get();
  } else {
    p->a_regs = a_.get(); p->b_regs = b_.get(); p->b_neg_regs = bneg_.get(); p->c_regs = c_.get();
  }
  p->e_regs = host_->is_sparse ? e_.get() : nullptr;
}

size_t BenchOperands::chain_bytes() const {
  const AtomInfo& a = bench_.info;
  if (bench_.form == OperandForm::matrices) return size_t(a.m) * a.n * dtype_bits(a.d) / 8;
  return size_t(32) * a.d_regs * a.cd_reg_bytes;
}

long BenchOperands::chain_steps(long launched) const {
  switch (bench_.work) {  // what d_out holds for loads and stores: families/mma/kernels/wmma_chain.cuh
    case Work::load_a: case Work::load_b: return 1;
    case Work::load_c: case Work::store_d: return 0;
    case Work::mma: break;
  }
  return launched;
}

Verdict BenchOperands::verify(long steps, const uint8_t* chain) const {
  auto key = std::make_pair(steps, std::string(reinterpret_cast<const char*>(chain), chain_bytes()));
  auto it = verdicts_.find(key);
  if (it != verdicts_.end()) return it->second;
  Verdict v = check(steps, chain);
  if (verdicts_.size() < 16) verdicts_.emplace(std::move(key), v);
  return v;
}

Verdict BenchOperands::check(long steps, const uint8_t* chain) const {
  wait_prepared();
  const AtomInfo& a = bench_.info;
  steps = chain_steps(steps);
  if (host_->is_sparse) return verify_sparse_chain(a, host_->sparse, mode_, steps, chain);
  if (bench_.form == OperandForm::matrices)
    return verify_matrix_chain(a, host_->dense, mode_, steps, chain, model_.get(), &sums_);
  return verify_chain(a, host_->dense, mode_, steps, chain, model_.get(), &sums_);
}

}  // namespace tcb
