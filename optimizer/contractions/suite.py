"""The contraction suite of issue #14: multi-operand einsum expressions with sizes and dtypes, and
an ideal-roofline estimate of a contraction path's time on an H200.

    python3 -m optimizer.contractions.suite --out suite.json      # the suite for `tcbench lower`
    python3 -m optimizer.contractions.suite --table               # names, shapes, estimates

Pure standard library: the tests, baselines.py and run_suite.py (GPU machine) all import it.
Every expression has an explicit '->', no ellipsis and no index repeated within one operand (no
traces or diagonals), so each pairwise step is a (batched) GEMM, a sum or an outer product.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass

from .files import write_json

DTYPES = ("f16", "bf16", "tf32", "f32")
ELEM_BYTES = {"f16": 2, "bf16": 2, "tf32": 4, "f32": 4}

# The planning roofline of the brief (H200, dense): tensor-core peaks for f16/bf16 and tf32, CUDA
# cores for strict f32, HBM3e bandwidth, and the floor of one kernel launched inside a graph.
PEAK_FLOPS = {"f16": 800e12, "bf16": 800e12, "tf32": 400e12, "f32": 50e12}
HBM_BYTES_PER_S = 4.6e12
LAUNCH_S = 2e-6
# The window every baseline plan's estimate must fall in, and the memory cap of the naive plan.
MIN_PLAN_US, MAX_PLAN_US = 50.0, 50_000.0
MAX_NAIVE_BYTES = 20e9


@dataclass(frozen=True)
class Expression:
    name: str
    category: str
    expression: str        # opt_einsum subscripts, explicit '->'
    sizes: dict            # index letter -> extent
    dtype: str
    source: str            # where the expression comes from
    note: str = ""         # why it is in the suite (what makes FLOPs a poor proxy, if anything)

    @property
    def inputs(self):
        return self.expression.split("->")[0].split(",")

    @property
    def output(self):
        return self.expression.split("->")[1]

    @property
    def shapes(self):
        return [tuple(self.sizes[c] for c in term) for term in self.inputs]

    @property
    def output_shape(self):
        return tuple(self.sizes[c] for c in self.output)

    def as_json(self):
        return {"name": self.name, "category": self.category, "expression": self.expression,
                "shapes": [list(s) for s in self.shapes], "output_shape": list(self.output_shape),
                "dtype": self.dtype, "source": self.source, "note": self.note}


def _sizes(letters, extent):
    return {c: extent for c in letters}


OE_TESTS = "opt_einsum 3.4.0 opt_einsum/tests/test_contract.py `tests` list"
# opt_einsum.testing's default index sizes (a=2, b=3, ...), which its tests use for build_views.
OE_DIMS = dict(zip("abcdefghijklmnopqrs", [2, 3, 4, 5, 4, 3, 2, 6, 5, 4, 3, 2, 5, 7, 4, 3, 2, 3, 4]))


def _scaled_oe(letters, factor):
    return {c: OE_DIMS[c] * factor for c in letters}


def _reordered(original, section, factor):
    """The source line of an opt_einsum test expression used with its operands reordered: its
    own order would make the left-to-right plan need far over 20 GB or 50 ms."""
    return (f"{OE_TESTS} ({section}: '{original}', implicit output made explicit), operands "
            f"reordered so that left to right stays under 20 GB; sizes {factor}x "
            f"opt_einsum.testing's defaults")


SUITE = (
    # ---- MLP chains ------------------------------------------------------------------------------
    Expression("mlp3_decode", "mlp", "bi,ij,jk,kl->bl",
               {"b": 16, "i": 4096, "j": 14336, "k": 4096, "l": 4096}, "f16",
               "Llama-3-8B sized MLP weights (4096 x 14336) applied to 16 decode tokens",
               "skinny M = 16: every GEMM is bound by reading the weights; left to right is optimal"),
    Expression("mlp3_lowrank", "mlp", "bi,ij,jk,kl->bl",
               {"b": 16384, "i": 4096, "j": 64, "k": 4096, "l": 4096}, "bf16",
               "LoRA-style rank-64 bottleneck inside an MLP chain (x W_down W_up W_out)",
               "the bottleneck makes W_up W_out first far cheaper than left to right"),
    Expression("mlp5_wide_skinny", "mlp", "bi,ij,jk,kl,lm->bm",
               {"b": 512, "i": 1024, "j": 8192, "k": 8192, "l": 1024, "m": 32}, "tf32",
               "5-layer MLP: wide hidden layers, 32-way classifier head",
               "the narrow head lets W3 W4 shrink early; the steps are skinny GEMMs"),
    Expression("mlp2_experts", "mlp", "ebi,eij,ejk->ebk",
               {"e": 8, "b": 256, "i": 4096, "j": 14336, "k": 4096}, "bf16",
               "Mixtral-8x7B sized experts, 256 tokens each (batched over experts)",
               "batched GEMM chain; W1 W2 first would cost 14x the FLOPs"),
    Expression("mlp3_f32", "mlp", "bi,ij,jk,kl->bl",
               {"b": 2048, "i": 1024, "j": 4096, "k": 256, "l": 1024}, "f32",
               "strict-fp32 MLP with a 256 bottleneck (DLRM-style top MLP widths)",
               "f32 on CUDA cores: compute-bound at 1/16 of the f16 rate"),
    Expression("mlp2_skinny_reassoc", "mlp", "ij,jk,bi->bk",
               {"b": 16, "i": 16384, "j": 16384, "k": 64}, "f16",
               "two-layer projection 16384 -> 16384 -> 64 applied to 16 tokens, weights listed first",
               "left to right (W1 W2 first) costs 4x the FLOPs of x W1 first, yet both orders "
               "are bound by reading the same 512 MB of W1"),
    # ---- attention-like products (no softmax: the product QK^T V itself) ------------------------
    Expression("attn_prefill", "attention", "bhqd,bhkd,bhkv->bhqv",
               {"b": 4, "h": 32, "q": 2048, "k": 2048, "d": 128, "v": 128}, "f16",
               "attention scores times values, heads as batch (Llama-style prefill, 2048 tokens)",
               "K^T V first (linear attention order) needs 16x fewer FLOPs than QK^T first"),
    Expression("attn_decode", "attention", "bhqd,bhkd,bhkv->bhqv",
               {"b": 32, "h": 32, "q": 4, "k": 4096, "d": 128, "v": 128}, "bf16",
               "speculative decoding: 4 query tokens against a 4096-token KV cache, batch 32",
               "M = 4 batched GEMMs: bound by reading K and V"),
    Expression("attn_gqa", "attention", "bgrqd,bgkd,bgkv->bgrqv",
               {"b": 4, "g": 8, "r": 4, "q": 4096, "k": 4096, "d": 128, "v": 128}, "f16",
               "grouped-query attention product: 8 KV heads, 4 query heads per group",
               "the query-group index r is free in Q only: it merges into M"),
    Expression("attn_tiny_heads", "attention", "bhqd,bhkd,bhkv->bhqv",
               {"b": 4096, "h": 16, "q": 64, "k": 64, "d": 8, "v": 8}, "bf16",
               "65536 tiny heads (64 tokens, head dim 8): a batched product of 64 x 8 matrices",
               "many tiny batched GEMMs; QK^T first writes a score tensor 8x the size of Q"),
    Expression("attn_block", "attention", "bsi,iha,jha,btj,btk,khv,hvo->bso",
               {"b": 8, "s": 1024, "t": 1024, "i": 1024, "j": 1024, "k": 1024, "o": 1024,
                "h": 16, "a": 64, "v": 64}, "f16",
               "attention block without softmax: X Wq (X Wk)^T X Wv Wo, heads h a hyperedge",
               "7 operands; orders differ by reassociating through the head dimension"),
    # ---- tensor networks ---------------------------------------------------------------------------
    Expression("mps_overlap", "tensor_network", "pa,aqb,brc,csd,dt,pe,eqf,frg,gsh,ht->",
               {**_sizes("abcdefgh", 2048), **_sizes("pqrst", 4)}, "f32",
               "<phi|psi> of two 5-site open-boundary MPS, bond 2048, physical 4 (ket then bra)",
               "10 operands; the zipper order is optimal, left to right builds the ket first"),
    Expression("mpo_expectation", "tensor_network",
               "axc,apb,bqd,dre,xpsy,yqtz,zruw,csf,ftg,guh,ewh->",
               {**_sizes("abcdefgh", 512), **_sizes("pqrstu", 4), **_sizes("xyzw", 8)}, "f16",
               "<psi|H|psi> over 3 sites of an MPS (bond 512, physical 4) and an MPO (bond 8), "
               "between DMRG left and right environments",
               "11 operands; the sweep order (site by site through bra, MPO, ket) is optimal"),
    Expression("mps_batched_tiny", "tensor_network", "zab,zbc,zcd,zde,zef->zaf",
               {"z": 1 << 20, "a": 2, "b": 16, "c": 2, "d": 16, "e": 2, "f": 16}, "bf16",
               "a million independent 5-site MPS products with bond dims 2/16 (batched small bonds)",
               "many tiny batched GEMMs: bound by memory and per-matrix overheads, not FLOPs"),
    Expression("tt_layer", "tensor_network", "zijk,iax,xjby,ykc->zabc",
               {"z": 8192, "i": 16, "j": 16, "k": 16, "a": 16, "b": 16, "c": 16, "x": 8, "y": 8},
               "bf16", "tensor-train (TT-matrix) linear layer 4096 -> 4096, TT ranks 8, batch 8192",
               "the batch index z rides along every step: large, low-intensity intermediates"),
    Expression("tensor_ring", "tensor_network", "aib,bjc,ckd,dla->ijkl",
               {**_sizes("abcd", 32), **_sizes("ijkl", 96)}, "f16",
               "tensor-ring reconstruction of a 96^4 tensor from 4 cores of ring rank 32",
               "the ring closes on the last step: two 3-index bonds stay open until then"),
    Expression("ttn_classifier", "tensor_network", "zp,zq,pqa,zr,zs,rsb,abo->zo",
               {"z": 65536, "p": 32, "q": 32, "r": 32, "s": 32, "a": 64, "b": 64, "o": 16}, "f16",
               "tree tensor network classifier (Stoudenmire-style): 4 feature maps, 2 leaves, a root",
               "the batch z is a hyperedge of 5 operands: Hadamard-like steps vs outer products"),
    Expression("peps_3x3", "tensor_network", "ag,abi,bk,cgh,cdijp,dkl,eh,efj,fl->p",
               {**_sizes("abcdefghijkl", 48), "p": 8}, "bf16",
               "3x3 PEPS-like grid (bond 48) with one open physical index at the centre",
               "9 operands; exact grid contraction: the cut through the middle sets the cost"),
    Expression("peps_4x4", "tensor_network",
               "am,abn,bco,cp,dmq,denr,efos,fpt,gqu,ghrv,hisw,itx,ju,jkv,klw,lx->",
               _sizes("abcdefghijklmnopqrstuvwx", 32), "tf32",
               "4x4 PEPS-like grid, bond 32, closed (a partition-function-like scalar)",
               "16 operands: 15 mid-sized steps, so launches and shapes matter as much as FLOPs"),
    # ---- Tucker and CP reconstruction -----------------------------------------------------------
    Expression("tucker3", "tucker", "ia,jb,abc,kc->ijk",
               {**_sizes("ijk", 512), **_sizes("abc", 64)}, "f16",
               "Tucker reconstruction of a 512^3 tensor from a 64^3 core (factors listed first)",
               "left to right forms the 2 GB outer product of two factors: memory-bound"),
    Expression("tucker4", "tucker", "abcd,ia,jb,kc,ld->ijkl",
               {**_sizes("ijkl", 96), **_sizes("abcd", 32)}, "bf16",
               "Tucker reconstruction of a 96^4 tensor from a 32^4 core",
               "sequential mode products; the last one writes the 96^4 output"),
    Expression("cp3", "cp", "ir,jr,kr->ijk", {**_sizes("ijk", 768), "r": 128}, "f16",
               "CP (CANDECOMP/PARAFAC) reconstruction of a 768^3 tensor, rank 128",
               "the rank r is a hyperedge: a batched outer product, then one GEMM with K = 128"),
    Expression("cp4", "cp", "ir,jr,kr,lr->ijkl", {**_sizes("ijkl", 96), "r": 64}, "tf32",
               "CP reconstruction of a 96^4 tensor, rank 64",
               "pairing (i,j) and (k,l) gives one square GEMM; left to right grows an ijkr intermediate"),
    # ---- bilinear forms -------------------------------------------------------------------------
    Expression("bilinear_shared", "bilinear", "bi,ij,bj->b",
               {"b": 8192, "i": 4096, "j": 4096}, "f16",
               "x_b^T A y_b for 8192 vector pairs and one matrix",
               "x A as one GEMM, then a row-wise dot; left to right is optimal"),
    Expression("bilinear_batched", "bilinear", "bi,bij,bj->b",
               {"b": 256, "i": 2048, "j": 2048}, "bf16",
               "x_b^T A_b y_b with a matrix per batch entry",
               "batched GEMV: reading the 2 GB of A_b is the whole cost, in every order"),
    Expression("bilinear_layer", "bilinear", "bi,oij,bj->bo",
               {"b": 4096, "i": 512, "j": 512, "o": 256}, "f16",
               "torch.nn.Bilinear forward: 512 x 512 inputs, 256 outputs, batch 4096",
               "(x W) then y costs about as many FLOPs as the outer product x y^T then W, "
               "but the intermediates differ in size"),
    # ---- from opt_einsum's tests ------------------------------------------------------------------
    Expression("oe_index_transform", "opt_einsum", "ea,fb,abcd,gc,hd->efgh",
               _sizes("abcdefgh", 80), "f32", OE_TESTS + " ('Test index-transformations')",
               "the 4-index (AO -> MO integral) transformation; left to right forms an outer "
               "product and then a 96^6 GEMM"),
    Expression("oe_index_transform_f16", "opt_einsum", "abcd,ea,fb,gc,hd->efgh",
               {**_sizes("abcd", 160), **_sizes("efgh", 128)}, "f16",
               OE_TESTS + " ('Test index-transformations')",
               "core first: left to right is the sequence of mode products"),
    Expression("oe_complex5", "opt_einsum", "hiab,abhe,hidj,jgba,gab->de",
               _scaled_oe("abdeghij", 12), "bf16",
               _reordered("abhe,hidj,jgba,hiab,gab", "'Test complex contractions'", 12),
               "a, b are hyperedges of 4 operands, h and i of 3: batched GEMMs"),
    Expression("oe_complex7a", "opt_einsum", "hiac,hica,agdb,hgicd,ibd,bde,cdh->e",
               _scaled_oe("abcdeghi", 8), "f16",
               _reordered("bde,cdh,agdb,hica,ibd,hgicd,hiac", "'Test complex contractions'", 8),
               "d is shared by 5 operands; the FLOP-optimal path builds large intermediates, so "
               "it is not the fastest on the roofline"),
    Expression("oe_complex7b", "opt_einsum", "agbc,cgh,chd,hiad,agdb,bdi,bde->e",
               _scaled_oe("abcdeghi", 14), "bf16",
               _reordered("chd,bde,agbc,hiad,bdi,cgh,agdb", "'Test complex contractions'", 14),
               "hyperedges a, b, c, d, g, h of 3 to 5 operands"),
    Expression("oe_memory_paths", "opt_einsum", "abc,cem,bdef,mhk,fghj,ljk->adgl",
               _scaled_oe("abcdefghjklm", 14), "f16",
               "opt_einsum 3.4.0 opt_einsum/tests/test_paths.py test_memory_paths "
               "('abc,bdef,fghj,cem,mhk,ljk->adgl'), operands reordered so that left to right "
               "stays under 20 GB; sizes 14x opt_einsum.testing's defaults",
               "a 6-operand network with two 4-index tensors"),
    Expression("oe_random10", "opt_einsum", "kje,qe,qpmj,gckh,dc,pd,nfh,glfnm,oai,libo->ab",
               {c: 8 * d for c, d in zip("abcdefghijklmnopq",
                                         (6, 9, 7, 2, 5, 5, 5, 9, 3, 5, 7, 4, 6, 9, 8, 2, 2))},
               "bf16",
               "opt_einsum 3.4.0 opt_einsum.testing.rand_equation(10, 3, n_out=2, seed=0, "
               "return_size_dict=True): 'qpmj,libo,oai,dc,glfnm,nfh,pd,gckh,kje,qe->ab', operands "
               "reordered so that left to right stays under 20 GB; sizes 8x its size dict",
               "10 operands, a random 3-regular graph"),
    Expression("oe_triangle_graph", "opt_einsum", "a,ac,ab,ad,cd,bd,bc->",
               _sizes("abcd", 384), "f16",
               "opt_einsum 3.4.0 opt_einsum/tests/test_paths.py test_optimal_edge_cases",
               "complete graph K4 with a vector on a: each step is an N^3 GEMM or a GEMV"),
)


BY_NAME = {e.name: e for e in SUITE}


# ---------------------------------------------------------------------------------------------
# Paths (opt_einsum's convention) and the planning roofline
# ---------------------------------------------------------------------------------------------

def path_groups(n_inputs, path):
    """The sets of original operand ids that each step of a path joins, in order. A path is
    opt_einsum's list of position lists: the operands at those positions leave the list and the
    result is appended. Two paths with the same groups compute the same intermediates."""
    live = [frozenset([i]) for i in range(n_inputs)]
    groups = []
    for step in path:
        if len(set(step)) != len(step) or any(not 0 <= p < len(live) for p in step):
            raise ValueError(f"path step {list(step)} does not fit the {len(live)} operands left")
        joined = frozenset().union(*(live[p] for p in step))
        live = [t for i, t in enumerate(live) if i not in step] + [joined]
        groups.append(joined)
    if len(live) != 1:
        raise ValueError(f"path leaves {len(live)} operands, not 1")
    return groups


def path_steps(expr, path):
    """(operand subscripts, result subscripts) of each step: a result keeps the indices that a
    remaining operand or the output still needs, in order of first appearance."""
    inputs, output = expr.inputs, expr.output
    live = list(inputs)
    steps = []
    for step in path:
        terms = [live[p] for p in step]
        rest = [t for i, t in enumerate(live) if i not in step]
        needed = set(output).union(*rest)
        result = "".join(dict.fromkeys(c for t in terms for c in t if c in needed))
        steps.append((terms, result))
        live = rest + [result]
    return steps


def step_flops(terms, result, sizes):
    """opt_einsum's flop_count: product of all extents times (terms - 1, at least 1) plus one when
    an index is summed away; 2 m n k for a GEMM."""
    union = set("".join(terms))
    inner = bool(union - set(result))
    return math.prod(sizes[c] for c in union) * (max(1, len(terms) - 1) + int(inner))


def _elements(subscripts, sizes):
    return math.prod(sizes[c] for c in subscripts)


def estimate_path_us(expr, path):
    """(low, high) time of a path on the planning roofline, in us. low: every step at the peak or
    at HBM speed, whichever is slower, plus one launch. high: the compute at half the peak, plus a
    permute (DRAM round trip) of every operand and result and three more launches -- the worst a
    lowering into permute / GEMM steps should do."""
    low = high = 0.0
    eb = ELEM_BYTES[expr.dtype]
    for terms, result in path_steps(expr, path):
        t_flop = step_flops(terms, result, expr.sizes) / PEAK_FLOPS[expr.dtype]
        moved = eb * (sum(_elements(t, expr.sizes) for t in terms) + _elements(result, expr.sizes))
        t_mem = moved / HBM_BYTES_PER_S
        low += max(t_flop, t_mem) + LAUNCH_S
        high += max(2 * t_flop, t_mem) + 2 * t_mem + 4 * LAUNCH_S
    return low * 1e6, high * 1e6


def path_bytes(expr, path):
    """Operands plus every intermediate of the path: what an executor holding all of its
    buffers at once (a captured CUDA graph) needs, before any permute copies."""
    eb = ELEM_BYTES[expr.dtype]
    total = sum(_elements(t, expr.sizes) for t in expr.inputs)
    total += sum(_elements(result, expr.sizes) for _, result in path_steps(expr, path))
    return total * eb


def naive_path(n_inputs):
    """Left to right: ((op0 op1) op2) op3 ... In opt_einsum's convention the result goes to the
    end of the list, so after step k the running result sits at position n-1-k and the next
    original operand at 0 ([[0, 1], [0, 1], ...] would pair op2 with op3 instead when n > 3)."""
    return [[0, 1]] + [[0, n_inputs - 1 - k] for k in range(1, n_inputs - 1)]


def operand_scales(expr):
    """A power of two per operand such that U(-1, 1) entries times it keep the output and every
    intermediate near unit size: each summed index of extent d shared by c operands gives each
    of them d^(-1/2c) (the d-term sum then has variance 1), times sqrt(3) for U(-1, 1)'s
    variance 1/3. Without it an 11-operand f16 network overflows 65504 by orders of magnitude.
    Powers of two scale exactly, so the float64 reference sees the same numbers."""
    counts = {}
    for term in expr.inputs:
        for c in term:
            counts[c] = counts.get(c, 0) + 1
    summed = set(counts) - set(expr.output)
    scales = []
    for term in expr.inputs:
        log2 = 0.5 * math.log2(3) - sum(math.log2(expr.sizes[c]) / (2 * counts[c]) for c in term if c in summed)
        scales.append(2.0 ** round(log2))
    return scales


def table_lines(exprs=SUITE):
    lines = []
    for e in exprs:
        lo, hi = estimate_path_us(e, naive_path(len(e.inputs)))
        lines.append(f"{e.name:24s} {e.category:15s} {e.dtype:5s} {len(e.inputs):2d} ops  {e.expression}  "
                     f"naive plan {lo:.0f}-{hi:.0f} us, {path_bytes(e, naive_path(len(e.inputs))) / 1e9:.2f} GB")
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description="The contraction suite of issue #14.")
    p.add_argument("--out", metavar="JSON", help="write the suite (names, expressions, shapes, dtypes, sources)")
    p.add_argument("--table", action="store_true", help="print one line per expression")
    args = p.parse_args(argv)
    if args.out:
        write_json(args.out, [e.as_json() for e in SUITE])
    if args.table or not args.out:
        print("\n".join(table_lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
