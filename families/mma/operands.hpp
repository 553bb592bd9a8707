// Host-side operand data for one atom: matrices, their packing into per-lane fragment
// registers (PTX ISA "matrix fragments"), and the CPU reference that verifies a chain.
//
// Chain semantics (shared with families/mma/kernels/mma_chain.cuh): a chain of T steps starts from C
// and applies D <- A*B_t + D, where B_t = B for even t and B_t = Bneg for odd t. For float
// types Bneg is B with every sign flipped, so after T steps D = C + (T mod 2)*A*B; for
// integer and b1 types Bneg == B, so D = C + T*A*B (data are bounded so nothing overflows).
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include <map>
#include <tuple>
#include "model/tc_model.hpp"
#include "harness/core/data_mode.hpp"
#include "ptx/atom_info.hpp"

namespace tcb {



// Element bits <-> value for every DType (f16, bf16, tf32 stored in f32 bits, e4m3, e5m2, ...).
double decode_value(DType t, uint64_t bits);
// Round-to-nearest-even encode; saturates to the largest finite value where the format has no inf.
uint64_t encode_value(DType t, double v);

// Where element `elem` of register `reg` of `lane` lives. `operand` is 'A', 'B', 'C' or 'D'
// (C and D share a layout). `mma` is the product index (0..mmas_per_warp-1; only the f16
// m8n8k4 quad-pair layout has more than one).
struct ElemPos { int row, col, mma; };
ElemPos fragment_position(const AtomInfo& atom, char operand, int lane, int reg, int elem);
int elements_per_register(const AtomInfo& atom, char operand);

struct OperandSet {
  // Matrices as element bit patterns, one block per mma: A is m x k row-major,
  // B is k x n (B[kk*n + col]), C is m x n row-major.
  std::vector<uint64_t> a, b, c;
  // Per-lane registers, lane-major, raw bytes: [lane][reg] of the atom's register width.
  // Built for mma.sync / mma.sp only; empty for wmma and wgmma (their fragments are opaque).
  std::vector<uint8_t> a_regs, b_regs, b_neg_regs, c_regs;
  // Packed matrices (OperandForm::matrices), built for every atom: element i of the sequence
  // sits at bit offset i * dtype_bits, little-endian within bytes; one block per mma.
  //   a_mat: A, m x k row-major (row r starts at byte r*k*bits/8)
  //   b_mat: B stored n x k (column j of B, its k elements contiguous); b_neg_mat likewise for
  //          Bneg (signs flipped for float types, == b_mat for integer/b1 and in zeros mode)
  //   c_mat: C, m x n row-major in the accumulator element width (16, 32 or 64 bits)
  std::vector<uint8_t> a_mat, b_mat, b_neg_mat, c_mat;
};

// max_steps: the longest chain the data must survive without overflow (integers) or inexact
// results (DataMode::exact).
OperandSet make_operands(const AtomInfo& atom, DataMode mode, uint64_t seed, long max_steps);

// Fills the packed and per-lane forms of `ops` from its element matrices a, b, c (sized by
// operand_elements); b_neg holds -B when `negate_b`, else B.
void pack_operands(const AtomInfo& atom, bool negate_b, OperandSet* ops);
// Elements of one operand's matrices ('A', 'B' or 'C'), all mma blocks together.
size_t operand_elements(const AtomInfo& atom, char operand);

// Element `index` of a packed matrix (the a_mat / c_mat layout) of `bits`-wide elements.
uint64_t packed_element(const uint8_t* packed, size_t index, int bits);

struct Verdict {
  bool ok = false;
  bool bit_exact = false;  // compared bit for bit (else: against a tolerance)
  long model_elements = 0; // elements also compared bit for bit with the CPU model's chain
  long mismatches = 0;
  double max_abs_err = 0, tolerance = 0;
  std::string detail;      // first mismatch, human-readable
};

// The bit-accurate reference for random data: the CPU model of the path (model/), run through
// the same chain (D <- A*B_t + D) element by element, its results cached per (steps, element).
// Up to kModelElements elements of a chain are compared (all of them for mma.sync and wmma
// shapes; for the larger wgmma tiles every stride-th element in row-major order, see
// model_sampled).
struct ModelReference {
  model::PathParams params;
  std::string preset;
  std::map<std::tuple<long, int, int, int>, uint64_t> cache;  // (steps, mma, row, col) -> D bits
  static constexpr int kModelElements = 256;

  // Fills the cache for every sampled element at each of `steps`, in one pass per element up
  // to the longest chain, the elements spread over the CPU's threads.
  void prepare(const AtomInfo& atom, const OperandSet& ops, std::vector<long> steps);
};

// Whether D element `index` (row-major over mma, row, col) is one the model checks.
bool model_sampled(const AtomInfo& atom, size_t index);

// The model's D after each of `steps` (ascending) steps of the chain at (mma, row, col). The
// map from D_t to D_{t+1} alternates B and -B, so the chain repeats with period 2 once
// D_t == D_{t-2}; the remaining steps then follow from the parity.
std::vector<uint64_t> model_chain(const model::PathParams& p, const AtomInfo& atom, const OperandSet& ops, int mma,
                                  int row, int col, const std::vector<long>& steps);

// Σ a·b and Σ |a·b| per D element (mma, row, col), which do not depend on the chain length:
// filled by the first check that uses them (or by product_sums), reused by every later one.
struct ProductSums {
  std::vector<long double> ab, abs_ab;
};
// Every D element's sums, the rows spread over the CPU's threads.
ProductSums product_sums(const AtomInfo& atom, const OperandSet& ops);

// Verify one chain's output: `d_regs` holds 32 lanes x d_regs registers (raw bytes, lane-major)
// after `steps` steps. Exact for integer/b1 and for DataMode::exact/zeros; otherwise each element
// must lie within the stated tolerance of a double-precision reference and, with a model,
// equal the model's chain bit for bit.
Verdict verify_chain(const AtomInfo& atom, const OperandSet& ops, DataMode mode, long steps,
                     const uint8_t* d_regs, ModelReference* model = nullptr, ProductSums* sums = nullptr);

// Same rules for a D given as a matrix (OperandForm::matrices): `d_mat` holds mmas_per_warp
// blocks of m x n row-major elements of the accumulator width, packed like c_mat.
Verdict verify_matrix_chain(const AtomInfo& atom, const OperandSet& ops, DataMode mode, long steps,
                            const uint8_t* d_mat, ModelReference* model = nullptr, ProductSums* sums = nullptr);

}  // namespace tcb
