#!/usr/bin/env python3
"""Generates ptx/wgmma_atoms.hpp: one CuTe-style struct per Hopper wgmma.mma_async{.sp} variant.

DENSE and SPARSE below are the declaration of the instructions (PTX ISA 9.7.15.5.2
"wgmma.mma_async", 9.7.15.6 "wgmma.mma_async.sp", and the matrix-shape table); everything else
is derived from them. No dependencies; runs from any folder:

    python3 scripts/gen_wgmma.py            # rewrites ptx/wgmma_atoms.hpp if its content changed
    python3 scripts/gen_wgmma.py --check    # exits 1 if the header is out of date (tests run this)
"""
import argparse
import os
import sys

# N lists of the PTX ISA matrix-shape table. Floating-point types: every multiple of 8 up to 256.
# Integer and b1: 8, 16, 24, 32, then multiples of 16 (the syntax block of the dense integer
# variant stops at 224; the shape table, the .sp syntax and ptxas accept 240 and 256).
N_FLOAT = tuple(range(8, 257, 8))
N_INT = (8, 16, 24) + tuple(range(32, 257, 16))
FP8 = ("e4m3", "e5m2")
S8U8 = ("s8", "u8")

# Immediates after scale-d: f16/bf16 take imm-scale-a, imm-scale-b, imm-trans-a, imm-trans-b
# (RS: no imm-trans-a); tf32 and fp8 take imm-scale-a, imm-scale-b; integers and b1 none.
# Scales 1 (no negation), transposes 0 (K-major A and B).
IMM_F16 = ("1, 1, 0, 0", "1, 1, 0")  # (SS, RS)
IMM_SCALE = ("1, 1", "1, 1")
IMM_NONE = ("", "")

# (group, dtype, atype, btype, k, N list, bit op, immediates). group: the translation unit
# families/mma/kernels/wgmma_<group>.cu that registers the atom. k is one instruction's K: always 32 bytes
# of A and B per row for dense instructions.
DENSE = (
    [("f16", "f16", "f16", "f16", 16, N_FLOAT, None, IMM_F16),
     ("f16", "f32", "f16", "f16", 16, N_FLOAT, None, IMM_F16),
     ("f16", "f32", "bf16", "bf16", 16, N_FLOAT, None, IMM_F16),
     ("tf32", "f32", "tf32", "tf32", 8, N_FLOAT, None, IMM_SCALE)]
    + [("fp8", d, a, b, 32, N_FLOAT, None, IMM_SCALE) for d in ("f16", "f32") for a in FP8 for b in FP8]
    + [("int", "s32", a, b, 32, N_INT, None, IMM_NONE) for a in S8U8 for b in S8U8]
    + [("int", "s32", "b1", "b1", 256, N_INT, "and", IMM_NONE)]
)
# wgmma.mma_async.sp: A is 2:4 structured sparse (stored compressed, 64 x K/2), K doubles, the
# same types except b1, which has no sparse form.
SPARSE = [(g, d, a, b, 2 * k, ns, bitop, imms) for (g, d, a, b, k, ns, bitop, imms) in DENSE if a != "b1"]

# The N values a default build registers benchmarks for (every atom is declared either way; a
# build with -DTCB_WGMMA_ALL_N=1 registers all of them). Cost grows linearly with N from N = 64
# on; the small N show the fixed issue overhead. Compile cost (nvcc 13.0, sm_80 + sm_90a, CPU
# time of the four families/mma/kernels/wgmma_*.cu): these sets, 474 atoms / 899 kernels, 3.3 minutes;
# every N of the dense atoms alone (948 atoms / 1753 kernels) 7.9 minutes, about 15 with the
# sparse ones too.
DEFAULT_N = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256)
DEFAULT_N_SPARSE = (8, 64, 128, 256)
SOURCES = ("ss", "rs")  # the ISA allows A from registers for every type (K-major A only)
GROUPS = ("f16", "tf32", "fp8", "int")

CUTE_TYPE = {"f16": "F16", "bf16": "BF16", "tf32": "TF32", "f32": "F32", "e4m3": "E4M3",
             "e5m2": "E5M2", "s8": "S8", "u8": "U8", "s32": "S32", "b1": "U1"}
# Expected SASS opcode (read off cuobjdump -sass, nvcc 13.0, sm_90a): HGMMA.64xNx16.F16 / .F32
# for f16 inputs, HGMMA...F32.BF16, HGMMA.64xNx8.F32.TF32, QGMMA.64xNx32.<D>.<A>.<B> for fp8,
# IGMMA.64xNx32.<A>.<B> for 8-bit integers, BGMMA.64xNx256.AND.POPC for b1; the sparse forms
# add .SP after the mnemonic (HGMMA.SP.64xNx32.F32 ...).
SASS_TYPE = {"f16": "", "bf16": r"\\.BF16", "tf32": r"\\.TF32", "e4m3": r"\\.E4M3", "e5m2": r"\\.E5M2",
             "s8": r"\\.S8", "u8": r"\\.U8"}


def sass_regex(d, a, b, k, n, sparse):
    shape = (r"SP\\." if sparse else "") + rf"64x{n}x{k}"
    if a == "b1":
        return rf"^BGMMA\\.{shape}\\.AND\\.POPC$"
    if a in S8U8:
        return rf"^IGMMA\\.{shape}{SASS_TYPE[a]}{SASS_TYPE[b]}$"
    if a in FP8:
        return rf"^QGMMA\\.{shape}\\.{d.upper()}{SASS_TYPE[a]}{SASS_TYPE[b]}$"
    return rf"^HGMMA\\.{shape}\\.{d.upper()}{SASS_TYPE[a]}$"


def ilp2_fits(dregs):
    """Two accumulator sets fit when they leave ~40 of the 255 registers for everything else."""
    return 2 * dregs <= 192


def tail(src, base, chain, sparse, imms):
    """Operand text after D. Inputs are numbered from `base` in the order the struct passes them:
    A (a-desc, or 4 registers), b-desc, [second b-desc for chains], [sp-meta], [scale-d for fma].
    Returns (text for b-desc, text for the second b-desc or None, scale-d operand or None)."""
    if src == "ss":
        aops, nxt = f"%{base}", base + 1
    else:
        aops, nxt = "{" + ", ".join(f"%{base + i}" for i in range(4)) + "}", base + 4
    b0, nxt = nxt, nxt + 1
    b1 = None
    if chain:
        b1, nxt = nxt, nxt + 1
    sp = ""
    if sparse:
        sp, nxt = f", %{nxt}, 0", nxt + 1  # sp-meta register, sp-sel 0
    scale = "1" if chain else "p"
    texts = [f", {aops}, %{bb}{sp}, {scale}{imms};" for bb in (b0, b1) if bb is not None]
    return texts, (None if chain else f"%{nxt}")


def atoms():
    out = []
    for sparse, table in ((False, DENSE), (True, SPARSE)):
        for group, d, a, b, k, ns, bitop, imm_pair in table:
            for n in ns:
                for src in SOURCES:
                    dregs = 64 * n // 128 // (2 if d == "f16" else 1)
                    name = (f"SM90_{'SPARSE_' if sparse else ''}64x{n}x{k}_"
                            f"{CUTE_TYPE[d]}{CUTE_TYPE[a]}{CUTE_TYPE[b]}_{src.upper()}")
                    if bitop:
                        name += "_ANDPOPC"
                    ptx = (f"wgmma.mma_async{'.sp' if sparse else ''}.sync.aligned.m64n{n}k{k}.{d}.{a}.{b}"
                           + (f".{bitop}.popc" if bitop else ""))
                    imms = imm_pair[0 if src == "ss" else 1]
                    imms = f", {imms}" if imms else ""
                    (t1,), pred = tail(src, dregs, False, sparse, imms)
                    t8, _ = tail(src, dregs, True, sparse, imms)
                    x2 = ilp2_fits(dregs)
                    t16 = tail(src, 2 * dregs, True, sparse, imms)[0] if x2 else ["", ""]
                    in_default = n in (DEFAULT_N_SPARSE if sparse else DEFAULT_N)
                    out.append(dict(group=group, sparse=sparse, name=name, default=int(in_default), ptx=ptx,
                                    n=n, k=k, d=d, a=a, b=b, dregs=dregs, src=src, x2=int(x2), pred=pred,
                                    t1=t1, t8=t8, t16=t16, sass=sass_regex(d, a, b, k, n, sparse),
                                    bitop="and_popc" if bitop else "none"))
    return out


HEADER = """\
// GENERATED by scripts/gen_wgmma.py from its instruction tables -- do not edit; rerun the script.
//
// Hopper wgmma.mma_async atoms (sm_90a), CuTe style: SM90_64xNxK_<D><A><B>_SS (A and B from
// shared memory through matrix descriptors) and _RS (A from registers); the structured-sparse
// wgmma.mma_async.sp forms are SM90_SPARSE_64xNxK_<D><A><B>_SS/_RS (K = the dense-equivalent K
// of the PTX shape; A is stored compressed, 64 x K/2). Each struct holds the register-array
// typedefs, the run-time traits (`info`) and static functions wrapping the PTX (A is
// `uint64_t desc_a` for SS, `ARegs const& a` for RS; sparse atoms take `uint32_t meta`, the
// sp-meta register, after the b-descriptors, with sp-sel 0):
//   fma(DRegs& d, A, uint64_t desc_b, [meta,] int scale_d): one instruction; D = A*B + D
//     (scale_d != 0) or D = A*B (scale_d == 0). No commit: the caller groups instructions.
//   chain8(DRegs& d, A, uint64_t desc_b, uint64_t desc_b1 [, meta]): eight dependent
//     D = A*B + D steps in one asm statement, b-desc alternating desc_b, desc_b1, desc_b, ...,
//     wgmma.commit_group after each; nothing the compiler generates can land between them (the
//     chain kernels' inner loop).
//   chain8x2(DRegs& d0, DRegs& d1, A, desc_b, desc_b1 [, meta]): the same for two independent
//     chains, issued round-robin (d0, d1, d0, ...); only where two accumulator sets fit in
//     registers (`static constexpr bool has_chain8x2`).
// A and B are K-major (transpose immediates 0), scale-a/scale-b immediates 1, integers without
// .satfinite. The caller owns wgmma.fence and wgmma.wait_group (ptx/wgmma.hpp).
//
// Traits: m = 64, n = N, k = K per warpgroup instruction; d_regs = c_regs = accumulator
// registers per thread (N/2 for f32/s32, N/4 packed f16x2), a_regs = 4 for RS (0 for SS),
// b_regs = 0. mmas_per_warp = 1, so for wgmma ops_per_instr() = 2*64*N*K is per WARPGROUP
// instruction (4 warps), not per warp; for sparse atoms it counts the dense-equivalent work
// (the convention by which sparse peaks are twice the dense ones). `layout` is unused.
// `static constexpr bool sparse` tells the two kinds apart.
//
// The PTX is emitted only in the sm_90a device pass (__CUDA_ARCH_FEAT_SM90_ALL); other device
// passes trap, and the host never launches the kernels elsewhere (AtomInfo::exists_on).
#pragma once
#include <cstdint>
#include "atom_info.hpp"

#ifndef __CUDACC__
#ifndef __device__
#define __device__
#endif
#ifndef __forceinline__
#define __forceinline__ inline
#endif
#endif

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define TCB_WGMMA_EMIT(...) asm volatile(__VA_ARGS__)
#elif defined(__CUDA_ARCH__)
#define TCB_WGMMA_EMIT(...) __trap()
#else
#define TCB_WGMMA_EMIT(...) ((void)0)
#endif

"""

DEFINE = r"""
namespace tcb::atoms {

namespace wgmma_detail {
template <class DT, int ND, bool Sparse>
struct SS {
  using DReg = DT;
  using DRegs = DT[ND];
  using CRegs = DT[ND];
  static constexpr bool a_in_regs = false;
  static constexpr bool sparse = Sparse;
};
template <class DT, int ND, bool Sparse>
struct RS {
  using DReg = DT;
  using DRegs = DT[ND];
  using CRegs = DT[ND];
  using ARegs = uint32_t[4];
  static constexpr bool a_in_regs = true;
  static constexpr bool sparse = Sparse;
};
}  // namespace wgmma_detail

#define TCB_WGMMA_A_SS [[maybe_unused]] uint64_t desc_a
#define TCB_WGMMA_A_RS [[maybe_unused]] ARegs const& a
#define TCB_WGMMA_INPUTS_SS "l"(desc_a), "l"(desc_b)
#define TCB_WGMMA_INPUTS_RS "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b)
#define TCB_WGMMA_A_REGS_SS 0
#define TCB_WGMMA_A_REGS_RS 4
#define TCB_WGMMA_META_PARAM_0
#define TCB_WGMMA_META_PARAM_1 , [[maybe_unused]] uint32_t meta
#define TCB_WGMMA_META_IN_0
#define TCB_WGMMA_META_IN_1 , "r"(meta)
#define TCB_WGMMA_STEP(PTX, DSTR, TAIL) PTX " " DSTR TAIL "\nwgmma.commit_group.sync.aligned;\n"
#define TCB_WGMMA_STEPS8(PTX, DSTR, T0, T1)                                                     \
  TCB_WGMMA_STEP(PTX, DSTR, T0) TCB_WGMMA_STEP(PTX, DSTR, T1) TCB_WGMMA_STEP(PTX, DSTR, T0)      \
  TCB_WGMMA_STEP(PTX, DSTR, T1) TCB_WGMMA_STEP(PTX, DSTR, T0) TCB_WGMMA_STEP(PTX, DSTR, T1)      \
  TCB_WGMMA_STEP(PTX, DSTR, T0) TCB_WGMMA_STEP(PTX, DSTR, T1)
#define TCB_WGMMA_STEPS2X2(PTX, ND, T0, T1, U0, U1)                                   \
  TCB_WGMMA_STEP(PTX, TCB_WGMMA_D##ND, T0) TCB_WGMMA_STEP(PTX, TCB_WGMMA_D##ND##_HI, U0) \
  TCB_WGMMA_STEP(PTX, TCB_WGMMA_D##ND, T1) TCB_WGMMA_STEP(PTX, TCB_WGMMA_D##ND##_HI, U1)
#define TCB_WGMMA_STEPS8X2(PTX, ND, T0, T1, U0, U1)                                                   \
  TCB_WGMMA_STEPS2X2(PTX, ND, T0, T1, U0, U1) TCB_WGMMA_STEPS2X2(PTX, ND, T0, T1, U0, U1)             \
  TCB_WGMMA_STEPS2X2(PTX, ND, T0, T1, U0, U1) TCB_WGMMA_STEPS2X2(PTX, ND, T0, T1, U0, U1)

#define TCB_WGMMA_CHAIN8X2_0(PTX, ND, DT, DC, SRC, SP, T0, T1) static constexpr bool has_chain8x2 = false;
#define TCB_WGMMA_CHAIN8X2_1(PTX, ND, DT, DC, SRC, SP, T0, T1)                                     \
  static constexpr bool has_chain8x2 = true;                                                      \
  __device__ static __forceinline__ void chain8x2([[maybe_unused]] DT (&d0)[ND],                  \
                                                  [[maybe_unused]] DT (&d1)[ND], TCB_WGMMA_A_##SRC, \
                                                  [[maybe_unused]] uint64_t desc_b,                \
                                                  [[maybe_unused]] uint64_t desc_b1                \
                                                      TCB_WGMMA_META_PARAM_##SP) {                 \
    TCB_WGMMA_EMIT(TCB_WGMMA_STEPS8X2(PTX, ND, T0, T1, T0, T1)                                    \
                   : TCB_WGMMA_DOUT##ND(DC, d0), TCB_WGMMA_DOUT##ND(DC, d1)                       \
                   : TCB_WGMMA_INPUTS_##SRC, "l"(desc_b1) TCB_WGMMA_META_IN_##SP);                \
  }

#define TCB_DEFINE_WGMMA_ATOM(NAME, DEFAULT, SP, PTX, N, K, D, A, B, ND, DT, DC, SRC, SASS, BITOP, PRED, \
                              T1, T8B0, T8B1, X2, T16B0, T16B1)                                    \
  struct NAME : wgmma_detail::SRC<DT, ND, SP == 1> {                                              \
    static constexpr AtomInfo info{#NAME, PTX, Family::wgmma, 64, N, K, DType::D, DType::A, DType::B, \
                                   DType::D, ND, TCB_WGMMA_A_REGS_##SRC, 0, ND, 4, 4, 90, 90, SASS,   \
                                   FragLayout::m16n8, 1, BitOp::BITOP};                               \
    __device__ static __forceinline__ void fma([[maybe_unused]] DT (&d)[ND], TCB_WGMMA_A_##SRC,       \
                                               [[maybe_unused]] uint64_t desc_b                       \
                                                   TCB_WGMMA_META_PARAM_##SP,                         \
                                               [[maybe_unused]] int scale_d) {                        \
      TCB_WGMMA_EMIT("{\n.reg .pred p;\nsetp.ne.b32 p, " PRED ", 0;\n" PTX " " TCB_WGMMA_D##ND T1      \
                     "\n}\n"                                                                          \
                     : TCB_WGMMA_DOUT##ND(DC, d)                                                      \
                     : TCB_WGMMA_INPUTS_##SRC TCB_WGMMA_META_IN_##SP, "r"(scale_d));                  \
    }                                                                                                \
    __device__ static __forceinline__ void chain8([[maybe_unused]] DT (&d)[ND], TCB_WGMMA_A_##SRC,    \
                                                  [[maybe_unused]] uint64_t desc_b,                   \
                                                  [[maybe_unused]] uint64_t desc_b1                   \
                                                      TCB_WGMMA_META_PARAM_##SP) {                    \
      TCB_WGMMA_EMIT(TCB_WGMMA_STEPS8(PTX, TCB_WGMMA_D##ND, T8B0, T8B1)                               \
                     : TCB_WGMMA_DOUT##ND(DC, d)                                                      \
                     : TCB_WGMMA_INPUTS_##SRC, "l"(desc_b1) TCB_WGMMA_META_IN_##SP);                  \
    }                                                                                                \
    TCB_WGMMA_CHAIN8X2_##X2(PTX, ND, DT, DC, SRC, SP, T16B0, T16B1)                                   \
  };

// A translation unit that needs one family only defines TCB_WGMMA_GROUP_<G> before including
// this header (the structs of all families cost ~3 s of compile time per TU); with none
// defined, every family is defined.
#if !defined(TCB_WGMMA_GROUP_F16) && !defined(TCB_WGMMA_GROUP_TF32) && !defined(TCB_WGMMA_GROUP_FP8) && \
    !defined(TCB_WGMMA_GROUP_INT)
#define TCB_WGMMA_GROUP_F16
#define TCB_WGMMA_GROUP_TF32
#define TCB_WGMMA_GROUP_FP8
#define TCB_WGMMA_GROUP_INT
#endif
#ifdef TCB_WGMMA_GROUP_F16
TCB_WGMMA_ATOMS_F16(TCB_DEFINE_WGMMA_ATOM)
TCB_WGMMA_SPARSE_ATOMS_F16(TCB_DEFINE_WGMMA_ATOM)
#endif
#ifdef TCB_WGMMA_GROUP_TF32
TCB_WGMMA_ATOMS_TF32(TCB_DEFINE_WGMMA_ATOM)
TCB_WGMMA_SPARSE_ATOMS_TF32(TCB_DEFINE_WGMMA_ATOM)
#endif
#ifdef TCB_WGMMA_GROUP_FP8
TCB_WGMMA_ATOMS_FP8(TCB_DEFINE_WGMMA_ATOM)
TCB_WGMMA_SPARSE_ATOMS_FP8(TCB_DEFINE_WGMMA_ATOM)
#endif
#ifdef TCB_WGMMA_GROUP_INT
TCB_WGMMA_ATOMS_INT(TCB_DEFINE_WGMMA_ATOM)
TCB_WGMMA_SPARSE_ATOMS_INT(TCB_DEFINE_WGMMA_ATOM)
#endif
#undef TCB_DEFINE_WGMMA_ATOM

}  // namespace tcb::atoms
"""


def row(x):
    dt, dc = ("float", '"f"') if x["d"] == "f32" else ("uint32_t", '"r"')
    return (f'  X({x["name"]}, {x["default"]}, {int(x["sparse"])}, "{x["ptx"]}", {x["n"]}, {x["k"]}, '
            f'{x["d"]}, {x["a"]}, {x["b"]}, {x["dregs"]}, {dt}, {dc}, {x["src"].upper()}, "{x["sass"]}", '
            f'{x["bitop"]}, "{x["pred"]}", "{x["t1"]}", "{x["t8"][0]}", "{x["t8"][1]}", '
            f'{x["x2"]}, "{x["t16"][0]}", "{x["t16"][1]}")')


def render():
    all_atoms = atoms()
    lines = [HEADER]
    counts = sorted({x["dregs"] for x in all_atoms})
    hi = sorted({x["dregs"] for x in all_atoms if x["x2"]})
    lines.append("// Accumulator operand lists: TCB_WGMMA_D<n> is \"{%0, ..., %n-1}\", TCB_WGMMA_D<n>_HI the next n\n"
                 "// operands (second chain of chain8x2), TCB_WGMMA_DOUT<n>(C, V) the \"+C\"(V[i]) outputs\n"
                 "// (C = \"f\" for f32, \"r\" for f16x2 and s32).")
    for n in counts:
        lines.append(f"#define TCB_WGMMA_D{n} \"{{" + ", ".join(f"%{i}" for i in range(n)) + "}\"")
        if n in hi:
            lines.append(f"#define TCB_WGMMA_D{n}_HI \"{{" + ", ".join(f"%{i}" for i in range(n, 2 * n)) + "}\"")
        outs = ", ".join(f"\"+\" C(V[{i}])" for i in range(n))
        lines.append(f"#define TCB_WGMMA_DOUT{n}(C, V) {outs}")
    lines.append("")
    lines.append("// X(NAME, in the default benchmark set (0/1), sparse (0/1), PTX, N, K, D, A, B, D regs,\n"
                 "//   D register type, constraint, SS|RS, SASS regex, bit op, then operand text: fma's\n"
                 "//   scale-d operand and operands after D, chain8's operands after D (b-desc, second\n"
                 "//   b-desc), chain8x2 present (0/1) and its operands after D).\n"
                 "// One row per instruction; TCB_WGMMA_[SPARSE_]ATOMS_<G> are the rows that\n"
                 "// families/mma/kernels/wgmma_<g>.cu registers.")
    for sparse in (False, True):
        kind = "SPARSE_" if sparse else ""
        for g in GROUPS:
            rows = [x for x in all_atoms if x["group"] == g and x["sparse"] == sparse]
            if not rows:
                lines.append(f"#define TCB_WGMMA_{kind}ATOMS_{g.upper()}(X)")
                continue
            lines.append(f"#define TCB_WGMMA_{kind}ATOMS_{g.upper()}(X) \\")
            lines.append(" \\\n".join(row(x) for x in rows))
            lines.append("")
        lines.append(f"#define TCB_WGMMA_{kind}ATOMS(X) " +
                     " ".join(f"TCB_WGMMA_{kind}ATOMS_{g.upper()}(X)" for g in GROUPS))
        lines.append(f"#define TCB_WGMMA_{kind}ATOM_COUNT {sum(1 for x in all_atoms if x['sparse'] == sparse)}")
        lines.append("")
    lines.append(DEFINE)
    return "\n".join(lines)


def parse_args(argv, default_path):
    parser = argparse.ArgumentParser(
        description="Generate ptx/wgmma_atoms.hpp (the Hopper wgmma atoms) from this script's "
                    "instruction tables. Without --check, the file is written only when its content "
                    "changes.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the file differs from what the tables generate")
    parser.add_argument("--output", default=default_path, metavar="FILE",
                        help="the header to write or check (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv=None):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = parse_args(argv, os.path.join(root, "ptx", "wgmma_atoms.hpp"))
    path = args.output
    text = render()
    try:
        with open(path) as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    if args.check:
        if current != text:
            why = "does not exist" if current is None else "is out of date"
            print(f"{path} {why}: run python3 scripts/gen_wgmma.py", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    if current == text:
        print(f"{path} unchanged (already up to date)")
        return 0
    with open(path, "w") as f:
        f.write(text)
    n = atoms()
    print(f"wrote {path}: {sum(not x['sparse'] for x in n)} dense and {sum(x['sparse'] for x in n)} sparse atoms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
