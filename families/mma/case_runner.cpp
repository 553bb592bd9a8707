#include "families/mma/case_runner.hpp"

#include <algorithm>
#include <stdexcept>

#include "families/mma/operands.hpp"

namespace tcb {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
}

int diagonal(const AtomInfo& a) { return std::min(a.m, a.n); }

}  // namespace

CaseRunner::CaseRunner(const Benchmark& bench, const Watchdog* watchdog) : bench_(bench), watchdog_(watchdog) {
  if (is_sparse(bench.info)) throw std::invalid_argument("CaseRunner: sparse atoms are not supported");
  if (bench.work != Work::mma) throw std::invalid_argument("CaseRunner: only mma work computes dot products");
  if (std::find(bench.ilps.begin(), bench.ilps.end(), 1) == bench.ilps.end())
    throw std::invalid_argument("CaseRunner: the benchmark has no ILP-1 kernel");
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
}

CaseRunner::~CaseRunner() { cudaStreamDestroy(stream_); }

int CaseRunner::cases_per_launch() const { return diagonal(bench_.info) * bench_.info.mmas_per_warp; }

std::vector<uint64_t> CaseRunner::run(const std::vector<DotCase>& cases) {
  std::vector<uint64_t> d;
  d.reserve(cases.size());
  const size_t per_launch = size_t(cases_per_launch()) * kBlocksPerLaunch;
  for (size_t i = 0; i < cases.size(); i += per_launch) {
    auto part = run_batch(cases.data() + i, std::min(per_launch, cases.size() - i));
    d.insert(d.end(), part.begin(), part.end());
  }
  return d;
}

// One block's operand set: `count` cases on the diagonals of its mma blocks.
OperandSet CaseRunner::pack_block(const DotCase* cases, int count) const {
  const AtomInfo& at = bench_.info;
  const int diag = diagonal(at);
  OperandSet ops;
  ops.a.assign(operand_elements(at, 'A'), 0);
  ops.b.assign(operand_elements(at, 'B'), 0);
  ops.c.assign(operand_elements(at, 'C'), 0);
  for (int t = 0; t < count; ++t) {
    const DotCase& cs = cases[t];
    if (cs.a.size() > size_t(at.k) || cs.b.size() > size_t(at.k))
      throw std::invalid_argument(fmt::format("a case has more than k = {} terms for {}", at.k, at.name));
    const size_t mma = t / diag, i = t % diag;
    for (size_t kk = 0; kk < cs.a.size(); ++kk) ops.a[mma * at.m * at.k + i * at.k + kk] = cs.a[kk];
    for (size_t kk = 0; kk < cs.b.size(); ++kk) ops.b[mma * at.k * at.n + kk * at.n + i] = cs.b[kk];
    ops.c[mma * at.m * at.n + i * at.n + i] = cs.c;
  }
  pack_operands(at, false, &ops);  // one step uses B only
  return ops;
}

std::vector<uint64_t> CaseRunner::run_batch(const DotCase* cases, size_t count) {
  const AtomInfo& at = bench_.info;
  const int diag = diagonal(at), per_block = cases_per_launch();
  const int blocks = int((count + per_block - 1) / per_block);
  const bool matrices = bench_.form == OperandForm::matrices;
  std::vector<uint8_t> a, b, c;
  size_t sa = 0, sb = 0, sc = 0;
  for (int blk = 0; blk < blocks; ++blk) {
    const int n = int(std::min<size_t>(per_block, count - size_t(blk) * per_block));
    const OperandSet ops = pack_block(cases + size_t(blk) * per_block, n);
    const auto& oa = matrices ? ops.a_mat : ops.a_regs;
    const auto& ob = matrices ? ops.b_mat : ops.b_regs;
    const auto& oc = matrices ? ops.c_mat : ops.c_regs;
    sa = oa.size(); sb = ob.size(); sc = oc.size();
    a.insert(a.end(), oa.begin(), oa.end());
    b.insert(b.end(), ob.begin(), ob.end());
    c.insert(c.end(), oc.begin(), oc.end());
  }
  a_.upload(a);
  b_.upload(b);
  c_.upload(c);
  const size_t chain_bytes = matrices ? size_t(at.mmas_per_warp) * at.m * at.n * dtype_bits(at.d) / 8
                                      : size_t(32) * at.d_regs * at.cd_reg_bytes;
  d_.reserve(chain_bytes * blocks);
  timing_.reserve(size_t(blocks) * kTimingWords * sizeof(unsigned long long));

  ChainLaunch p;
  p.blocks = blocks;
  p.warps_per_block = bench_.threads_per_unit / 32;
  p.steps = 1;
  p.ilp = 1;
  p.block_stride_a = sa;
  p.block_stride_b = sb;
  p.block_stride_c = sc;
  (matrices ? p.a_mat : p.a_regs) = a_.get();
  (matrices ? p.b_mat : p.b_regs) = b_.get();
  (matrices ? p.b_neg_mat : p.b_neg_regs) = b_.get();
  (matrices ? p.c_mat : p.c_regs) = c_.get();
  p.d_out = d_.get();
  p.timing = static_cast<unsigned long long*>(timing_.get());
  check(bench_.launch(p, stream_), "kernel launch");
  if (watchdog_) watchdog_->wait(stream_, "kernel execution");
  else check(cudaStreamSynchronize(stream_), "kernel execution");
  const std::vector<uint8_t> out = d_.download(chain_bytes * blocks);

  std::vector<uint64_t> d(count);
  const int bits = dtype_bits(at.d);
  for (int blk = 0; blk < blocks; ++blk) {
    const uint8_t* chain = out.data() + size_t(blk) * chain_bytes;
    const size_t first = size_t(blk) * per_block;
    const int n = int(std::min<size_t>(per_block, count - first));
    if (matrices) {
      for (int t = 0; t < n; ++t) {
        const size_t mma = t / diag, i = t % diag;
        d[first + t] = packed_element(chain, mma * at.m * at.n + i * at.n + i, bits);
      }
      continue;
    }
    // Lane registers: find each diagonal element through the fragment layout.
    const int per_reg = elements_per_register(at, 'D');
    for (int lane = 0; lane < 32; ++lane)
      for (int r = 0; r < at.d_regs; ++r)
        for (int e = 0; e < per_reg; ++e) {
          const ElemPos pos = fragment_position(at, 'D', lane, r, e);
          if (pos.row != pos.col || pos.row >= diag) continue;
          const int t = pos.mma * diag + pos.row;
          if (t >= n) continue;
          const size_t byte = (size_t(lane) * at.d_regs + r) * at.cd_reg_bytes;
          uint64_t w = 0;
          for (int j = 0; j < at.cd_reg_bytes; ++j) w |= uint64_t(chain[byte + j]) << (8 * j);
          d[first + t] = bits >= 64 ? w : (w >> (e * bits)) & ((uint64_t(1) << bits) - 1);
        }
  }
  return d;
}

}  // namespace tcb
