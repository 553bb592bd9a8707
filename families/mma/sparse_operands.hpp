// Host-side operands for the sparse mma.sp atoms (ptx/mma_sp.hpp): structured-sparse A, its
// compressed fragment registers and the per-lane metadata register, plus the chain reference.
//
// Layouts (PTX ISA 9.7.14.6 "Matrix multiply-accumulate operation using mma.sp"):
//  - Sparsity: every chunk of a row of A keeps `kept` of `chunk` consecutive elements:
//    2:4 for f16/bf16/s8/u8/e4m3/e5m2, 1:2 for tf32, and 4:8 in aligned pairs for s4/u4.
//  - Compressed A (m x k/2, kept values in ascending column order) sits in the registers exactly
//    like the A fragment of a dense m16n8(k/2) mma of the same type (ISA figures "Sparse MMA
//    .m16n8kK fragment layout for matrix A": row groupID / groupID+8, a run of columns per thread).
//  - B (k x n) and C/D (m x n) use the dense m16n8kK fragment layouts.
//  - Metadata: one 4-bit code per chunk. 2:4 and 4:8: bits [1:0] = index of the first kept element
//    (of the kept pair, for 4-bit), bits [3:2] = index of the second; indices ascending (required
//    by ::ordered_metadata, allowed by plain mma.sp). tf32 1:2: 0b0100 keeps element 0, 0b1110
//    keeps element 1. A row has k/chunk codes (16 or 32 bits), 8 codes fit a register, so a quad
//    (lanes 4g..4g+3, rows g and g+8) spreads its two rows over meta_threads = chunks_per_row / 4
//    lanes; the selector picks them: metadata thread j is lane 4g + selector * meta_threads + j,
//    and the other lanes' registers are ignored. Within the metadata threads (checked on an H100,
//    one nibble at a time; the ISA gives this only as figures):
//      f16/bf16/tf32: thread j holds chunks 4j..4j+3 of both rows: chunk 4j+q of row g at bits
//                     4q, of row g+8 at bits 16+4q (the MLIR sparse-mma-2-4-f16 test agrees);
//      8- and 4-bit:  thread j holds chunks 8(j/2)..8(j/2)+7 of one row, g + 8 (j % 2): chunk
//                     8(j/2)+q at bits 4q.
#pragma once
#include <cstdint>
#include <vector>
#include "families/mma/operands.hpp"

namespace tcb {

// Sparsity structure of one sparse atom, from its A type and K.
struct SparseGeometry {
  int chunk;           // dense elements per chunk: 4, 2 (tf32) or 8 (s4/u4)
  int kept;            // kept elements per chunk: 2, 1 or 4
  int group;           // elements one metadata index selects: 1, or 2 (s4/u4 pairs); tf32: 1
  int chunks_per_row;  // k / chunk
  int meta_threads;    // lanes per quad holding metadata: 1, 2 or 4
  int selectors;       // legal sparsity selectors: 0 .. selectors-1 (4 / meta_threads)
};
SparseGeometry sparse_geometry(const AtomInfo& atom);
bool sparse_selector_valid(const AtomInfo& atom, int selector);

// The selector a table atom (ptx/mma_sp_table.hpp) was compiled with; -1 for non-table atoms.
int sparse_selector(const AtomInfo& atom);
// True for the mma.sp::ordered_metadata rows of the table.
bool sparse_ordered_metadata(const AtomInfo& atom);

// 4-bit metadata code of one chunk. For 2:4 and 4:8, i0 < i1 are the kept element (pair) indices
// 0..3; for tf32 1:2, i0 in {0, 1} is the kept element and i1 is ignored. Throws on bad indices.
uint32_t sparse_chunk_code(const AtomInfo& atom, int i0, int i1);
// Inverse: false for codes the ISA calls invalid (equal indices; tf32 codes other than 4 / 14).
// Descending 2:4 / 4:8 codes are accepted and returned as given (plain mma.sp allows them).
bool decode_sparse_chunk_code(const AtomInfo& atom, uint32_t code, int* i0, int* i1);

// Where compressed A element (reg, elem) of `lane` lives: row and compressed column (< k/2).
ElemPos sparse_a_position(const AtomInfo& atom, int lane, int reg, int elem);
// Which lane and bit offset hold the metadata code of (row, chunk) for `selector`.
struct MetaPos { int lane, shift; };
MetaPos sparse_meta_position(const AtomInfo& atom, int selector, int row, int chunk);
bool sparse_meta_lane_used(const AtomInfo& atom, int selector, int lane);

// The dense mma.sync-style AtomInfo with A's fragment of k columns (k = atom.k for the whole
// structured matrix, atom.k / 2 for the compressed one); layouts and data plans come from it.
AtomInfo sparse_dense_equivalent(const AtomInfo& atom, int k);

struct SparseOperandSet : OperandSet {
  // OperandSet::a is the dense m x k A (zeros included), so verify_chain works on it unchanged;
  // a_regs holds the compressed A in the sparse fragment layout.
  std::vector<uint8_t> e_regs;     // 32 lanes x 1 uint32 metadata register (raw bytes)
  std::vector<uint64_t> a_dense;   // m x k dense A with the zeros, as element bits (== a)
  std::vector<uint64_t> a_kept;    // m x k/2 compressed A, row-major, as element bits
  std::vector<uint16_t> a_col;     // m x k/2: the dense column of each compressed element
  int selector = 0;
};

// Random sparsity patterns (every chunk a uniformly chosen legal pattern, indices ascending) and
// values drawn by make_operands() on the dense m16n8kK equivalent: random = full significands,
// exact = short significands (every partial sum exact), integers bounded for max_steps steps;
// kept values are never zero except in DataMode::zeros. Lanes that the selector does not read
// get random metadata garbage. Throws std::invalid_argument for an illegal selector.
SparseOperandSet make_sparse_operands(const AtomInfo& atom, DataMode mode, uint64_t seed, long max_steps,
                                      int selector);

// What the tensor core sees: the m x k dense A rebuilt from a_regs and e_regs alone (the
// metadata lanes of ops.selector). Throws std::runtime_error on an invalid metadata code.
std::vector<uint64_t> sparse_decompress(const AtomInfo& atom, const SparseOperandSet& ops);

// D = C + s * A_dense * B after `steps` chain steps (s = steps % 2 for floats, steps for
// integers), checked by verify_chain's rules: bit-exact for integers / exact / zeros data,
// otherwise within its documented tolerance.
Verdict verify_sparse_chain(const AtomInfo& atom, const SparseOperandSet& ops, DataMode mode, long steps,
                            const uint8_t* d_regs);

}  // namespace tcb
