#!/usr/bin/env python3
"""Generates configs/gemm/calibration.csv and configs/gemm/validation.csv, the GEMM cost model's
shape sets (issue #14), from the tables below.

- calibration (discovery) set: a designed, synthetic sweep per dtype that spans the regimes
  (squares, skinny M, tall M x small N, K sweeps, N sweeps, batch sweeps, unaligned and tiny
  sizes, both B layouts), for fitting a few parameters;
- validation set: GEMMs and batched GEMMs of named real models (decode and prefill projections,
  attention products, MLPs, MoE experts, convolutions lowered to GEMM by im2col, skinny and
  unaligned shapes), none of whose (batch, M, N, K) appears in the calibration set.

Conventions: D[b,M,N] = A[b,M,K] . B[b,K,N]. An nn.Linear / F.linear(x, W) with W [out, in] is
M = tokens, N = out, K = in, b_layout = nk (W is B stored [N, K]); GPT-2's Conv1D (x @ W,
W [in, out]) is kn. Attention: S = Q K^T is a bmm with batch = batch x heads, M = N = sequence,
K = head_dim and K^T read from K stored [s, d], i.e. nk; O = P V is kn. Convolutions as implicit
GEMM (NHWC): M = images x H_out x W_out, N = C_out, K = C_in x R x S, weight [C_out, C_in R S]
(nk). e4m3 rows are always nk: torch._scaled_mm takes B column-major.

    python3 optimizer/measure/gen_gemm_shapes.py           # (re)writes both files if they changed
    python3 optimizer/measure/gen_gemm_shapes.py --check   # exits 1 if a file is out of date
"""
from __future__ import annotations

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gemm_timing import SHAPE_COLUMNS, regime, render_csv, shape_key  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYNTH = "synthetic sweep"


def _row(prefix, dtype, group, b, m, n, k, lay, source):
    name = f"{prefix}_{dtype}_{group}_" + (f"b{b}_" if b > 1 else "") + f"{m}x{n}x{k}" + ("_nk" if lay == "nk" else "")
    return {"name": name, "dtype": dtype, "batch": b, "M": m, "N": n, "K": k, "b_layout": lay, "source": source}


# ---------------------------------------------------------------------------------------------
# Calibration: one designed grid, its lists chosen per dtype (fewer points for f32 and e4m3,
# whose ceilings differ but whose structure is the same). Entries are (M, N, K) unless noted.
# ---------------------------------------------------------------------------------------------

CAL = {
    "bf16": {
        "square": [64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192],
        "big": [(16384, 16384, 1024), (16384, 16384, 2048)],
        "square_nk": [256, 1024, 4096],
        "skinny": ((6144, 6144, "nk"), [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256]),
        "skinny2": [((3072, 12288, "kn"), [1, 4, 16, 64]), ((20480, 5120, "nk"), [1, 4, 16, 64])],
        "tall": [(65536, n, 512) for n in (8, 16, 32, 64, 128, 256)]
                + [(262144, 64, 64), (16384, 32, 2048), (131072, 128, 128)],
        "ksweep": [(256, 256, k) for k in (64, 1024, 4096, 16384, 65536)]
                  + [(2048, 2048, k) for k in (128, 512, 8192, 32768)]
                  + [(64, 64, k) for k in (1024, 8192, 65536)],
        "nsweep": [(512, n, 4096) for n in (128, 384, 1024, 2560, 7168, 16384)],
        "batch": [(b, 128, 128, 64, "kn") for b in (2, 8, 32, 128, 512)]
                 + [(b, 512, 512, 128, "nk") for b in (4, 16, 64)]
                 + [(b, 1, 512, 128, "nk") for b in (16, 64, 256)]
                 + [(b, 1024, 1024, 1024, "kn") for b in (2, 4, 8)]
                 + [(b, 256, 256, 64, "nk") for b in (32, 128)],
        "unaligned": [(1000, 1000, 1000), (4095, 4095, 4095), (1023, 1025, 1027), (3, 5, 7),
                      (2049, 2049, 2049), (8191, 129, 511), (100, 10000, 100), (255, 257, 4099),
                      (77, 3000, 999), (17, 4097, 4096)],
        "tiny": [(1, 1, 1), (8, 8, 8), (16, 16, 16), (32, 32, 32)],
    },
    "f16": {
        "square": [64, 128, 256, 512, 768, 1024, 2048, 3072, 4096, 6144, 8192],
        "big": [(16384, 16384, 1024)],
        "square_nk": [1024, 4096],
        "skinny": ((6144, 6144, "nk"), [1, 2, 4, 8, 16, 32, 64, 128, 256]),
        "skinny2": [((3072, 12288, "kn"), [1, 16]), ((20480, 5120, "nk"), [1, 4, 16, 64])],
        "tall": [(65536, n, 512) for n in (16, 64, 256)] + [(262144, 64, 64)],
        "ksweep": [(256, 256, k) for k in (1024, 16384, 65536)] + [(2048, 2048, k) for k in (512, 8192)]
                  + [(64, 64, 8192)],
        "nsweep": [(512, n, 4096) for n in (1024, 7168)],
        "batch": [(b, 128, 128, 64, "kn") for b in (8, 128, 512)] + [(4, 1024, 1024, 1024, "kn"),
                                                                    (16, 512, 512, 128, "nk"),
                                                                    (64, 1, 512, 128, "nk")],
        "unaligned": [(1000, 1000, 1000), (1023, 1025, 1027), (2049, 2049, 2049), (255, 257, 4099),
                      (3, 5, 7), (8191, 129, 511)],
        "tiny": [(1, 1, 1), (16, 16, 16)],
    },
    "tf32": {
        "square": [64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144],
        "big": [(8192, 8192, 2048)],
        "square_nk": [1024, 4096],
        "skinny": ((6144, 6144, "nk"), [1, 2, 4, 8, 16, 32, 64, 128, 256]),
        "skinny2": [((3072, 12288, "kn"), [1, 16, 64]), ((20480, 5120, "nk"), [1, 4, 16, 64])],
        "tall": [(65536, n, 512) for n in (8, 16, 32, 64, 128, 256)] + [(262144, 64, 64)],
        "ksweep": [(256, 256, k) for k in (64, 1024, 4096, 16384, 65536)]
                  + [(2048, 2048, k) for k in (128, 512, 8192, 32768)] + [(64, 64, k) for k in (1024, 8192, 65536)],
        "nsweep": [(512, n, 4096) for n in (128, 384, 1024, 2560, 7168, 16384)],
        "batch": [(b, 128, 128, 64, "kn") for b in (2, 8, 32, 128, 512)]
                 + [(4, 1024, 1024, 1024, "kn"), (16, 512, 512, 128, "nk"), (64, 1, 512, 128, "nk")],
        "unaligned": [(1000, 1000, 1000), (1023, 1025, 1027), (255, 257, 4099), (3, 5, 7), (2049, 2049, 2049),
                      (8191, 129, 511), (100, 10000, 100)],
        "tiny": [(1, 1, 1), (8, 8, 8), (16, 16, 16), (32, 32, 32)],
    },
    "f32": {
        "square": [64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072],
        "big": [(5120, 5120, 1024)],
        "square_nk": [1024],
        "skinny": ((3072, 3072, "nk"), [1, 4, 16, 64, 256]),
        "skinny2": [((8192, 2048, "kn"), [1, 16]), ((20480, 5120, "nk"), [1, 16])],
        "tall": [(65536, 16, 256), (65536, 128, 256), (262144, 64, 64)],
        "ksweep": [(256, 256, 4096), (256, 256, 32768), (1024, 1024, 8192), (64, 64, 8192)],
        "nsweep": [(512, n, 2048) for n in (256, 4096)],
        "batch": [(b, 128, 128, 64, "kn") for b in (8, 128)] + [(4, 512, 512, 512, "kn")],
        "unaligned": [(1000, 1000, 1000), (1023, 1025, 1027), (3, 5, 7), (255, 257, 4099)],
        "tiny": [(1, 1, 1), (16, 16, 16)],
    },
    # e4m3: N and K multiples of 16 (torch._scaled_mm); M free. Always nk, never batched.
    "e4m3": {
        "square": [64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192],
        "big": [(16384, 16384, 4096)],
        "square_nk": [],
        "skinny": ((6144, 6144, "nk"), [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256]),
        "skinny2": [((20480, 5120, "nk"), [1, 16, 64]), ((3072, 12288, "nk"), [1, 16])],
        "tall": [(65536, n, 512) for n in (16, 32, 64, 128, 256)],
        "ksweep": [(256, 256, k) for k in (1024, 4096, 16384, 65536)] + [(2048, 2048, k) for k in (512, 8192)]
                  + [(64, 64, 8192)],
        "nsweep": [(512, n, 4096) for n in (128, 1024, 7168, 16384)],
        "batch": [],
        "unaligned": [(1008, 1008, 1008), (2000, 2032, 1040), (1000, 4096, 4096), (77, 3008, 1008)],
        "tiny": [(16, 16, 16), (32, 32, 32)],
    },
}


def calibration():
    rows = []
    for dtype, t in CAL.items():
        default_lay = "nk" if dtype == "e4m3" else "kn"

        def add(group, b, m, n, k, lay=default_lay):
            rows.append(_row("cal", dtype, group, b, m, n, k, "nk" if dtype == "e4m3" else lay, SYNTH))

        for s in t["square"]:
            add("square", 1, s, s, s)
        for m, n, k in t["big"]:
            add("big", 1, m, n, k)
        for s in t["square_nk"]:
            add("square", 1, s, s, s, "nk")
        (n, k, lay), ms = t["skinny"]
        for m in ms:
            add("skinny", 1, m, n, k, lay)
        for (n, k, lay), ms in t["skinny2"]:
            for m in ms:
                add("skinny", 1, m, n, k, lay)
        for m, n, k in t["tall"]:
            add("tall", 1, m, n, k)
        for m, n, k in t["ksweep"]:
            add("ksweep", 1, m, n, k)
        for m, n, k in t["nsweep"]:
            add("nsweep", 1, m, n, k)
        for b, m, n, k, lay in t["batch"]:
            add("batch", b, m, n, k, lay)
        for m, n, k in t["unaligned"]:
            add("unaligned", 1, m, n, k)
        for m, n, k in t["tiny"]:
            add("tiny", 1, m, n, k)
    return rows


# ---------------------------------------------------------------------------------------------
# Calibration, second discovery set: the GEMMs a contraction lowers to that models' layers do
# not make — huge batches of tiny products, K = 1 outer products, M = N = 1 dot products
# (configs/gemm/calibration_contraction.csv; its own file, so the first set's measurements stay
# whole). (batch, M, N, K, layout) per dtype.
# ---------------------------------------------------------------------------------------------

CAL_CONTRACTION = [(4096, 8, 8, 64, "kn"), (65536, 8, 8, 64, "kn"), (65536, 8, 8, 64, "nk"), (65536, 64, 8, 8, "kn"),
                   (65536, 64, 64, 8, "kn"), (1048576, 2, 2, 16, "kn"), (1048576, 2, 2, 16, "nk"),
                   (1048576, 2, 16, 2, "kn"), (1048576, 16, 16, 2, "kn"), (262144, 16, 16, 16, "kn"),
                   (983040, 1, 1, 1, "kn"), (61440, 16, 640, 1, "kn"), (16384, 64, 64, 1, "kn"),
                   (960, 1, 1, 40, "kn"), (65536, 1, 1, 64, "kn"), (4096, 64, 1, 64, "kn")]


def calibration_contraction():
    return [_row("cal", dtype, "contraction", b, m, n, k, lay, SYNTH)
            for dtype in ("bf16", "f16", "tf32", "f32") for b, m, n, k, lay in CAL_CONTRACTION]


# ---------------------------------------------------------------------------------------------
# Validation: real models. (model, layer) -> (N, K) of the weight; token counts per use.
# ---------------------------------------------------------------------------------------------

def linear(dtype, model, layer, n, k, tokens, lay="nk", note=""):
    """One F.linear (or Conv1D, lay='kn') per token count M."""
    return [(dtype, 1, m, n, k, lay, f"{model} {layer}" + (f" ({note})" if note else "") + f", M={m} tokens")
            for m in tokens]


def validation_specs():
    v = []
    # Llama-3-8B: hidden 4096, 32 q heads / 8 kv heads x 128, MLP 14336, vocab 128256 (bf16).
    L8 = "Llama-3-8B"
    v += linear("bf16", L8, "qkv_proj (fused q,k,v)", 6144, 4096, [1, 8, 512, 8192], note="decode/prefill")
    v += linear("bf16", L8, "o_proj", 4096, 4096, [1, 32, 2048, 8192], note="decode/prefill")
    v += linear("bf16", L8, "o_proj", 4096, 4096, [4095], note="prefill of a 4095-token prompt")
    v += linear("bf16", L8, "gate_up_proj (fused)", 28672, 4096, [1, 8, 32, 2048], note="decode/prefill")
    v += linear("bf16", L8, "down_proj", 4096, 14336, [1, 8, 32, 512, 2048, 4095], note="decode/prefill")
    v += linear("bf16", L8, "lm_head", 128256, 4096, [1, 32], note="decode")
    # Llama-3-70B: hidden 8192, 64 q / 8 kv heads x 128, MLP 28672; whole and tensor-parallel 8 shards.
    L70 = "Llama-3-70B"
    v += linear("bf16", L70, "qkv_proj (fused)", 10240, 8192, [1], note="decode")
    v += linear("bf16", L70, "o_proj", 8192, 8192, [1, 16, 1024, 4096], note="decode/prefill")
    v += linear("bf16", L70, "gate_up_proj (fused)", 57344, 8192, [1, 1024], note="decode/prefill")
    v += linear("bf16", L70, "down_proj", 8192, 28672, [1, 16], note="decode")
    v += linear("bf16", L70, "qkv_proj TP=8 shard", 1280, 8192, [1, 64, 4096], note="tensor parallel 8")
    v += linear("bf16", L70, "o_proj TP=8 shard", 8192, 1024, [1, 4096], note="tensor parallel 8")
    v += linear("bf16", L70, "gate_up_proj TP=8 shard", 7168, 8192, [1, 64, 4096], note="tensor parallel 8")
    v += linear("bf16", L70, "down_proj TP=8 shard", 8192, 3584, [1, 4096], note="tensor parallel 8")
    # FP8 serving (per-tensor scales, torch._scaled_mm).
    v += linear("e4m3", L8 + " FP8", "qkv_proj", 6144, 4096, [16, 2048])
    v += linear("e4m3", L8 + " FP8", "o_proj", 4096, 4096, [16, 2048, 8192])
    v += linear("e4m3", L8 + " FP8", "gate_up_proj", 28672, 4096, [16, 64, 2048])
    v += linear("e4m3", L8 + " FP8", "down_proj", 4096, 14336, [16, 64, 2048])
    v += linear("e4m3", L70 + " FP8", "qkv_proj TP=8 shard", 1280, 8192, [1])
    v += linear("e4m3", L70 + " FP8", "gate_up_proj TP=8 shard", 7168, 8192, [4096])
    v += linear("e4m3", L70 + " FP8", "down_proj TP=8 shard", 8192, 3584, [128])
    # Other decoders' decode steps.
    v += linear("bf16", "Llama-2-7B", "lm_head", 32000, 4096, [1], note="decode")
    v += linear("bf16", "Qwen2-7B", "gate_up_proj (fused)", 37888, 3584, [1], note="decode")
    v += linear("bf16", "Qwen2-7B", "down_proj", 3584, 18944, [1], note="decode")
    v += linear("bf16", "Qwen2-7B", "lm_head", 152064, 3584, [1], note="decode")
    # Attention products (Llama-3-8B: 32 heads x 128; GQA: 4 query heads per kv head).
    v += [("bf16", 32, 2048, 2048, 128, "nk", f"{L8} attention S = Q K^T, prefill 2048 tokens, batch 1 x 32 heads"),
          ("bf16", 32, 2048, 128, 2048, "kn", f"{L8} attention O = P V, prefill 2048 tokens, batch 1 x 32 heads"),
          ("bf16", 256, 1, 4096, 128, "nk", f"{L8} attention S = q K^T, decode, 8 sequences x 32 heads, 4096 context"),
          ("bf16", 256, 1, 128, 4096, "kn", f"{L8} attention O = p V, decode, 8 sequences x 32 heads, 4096 context"),
          ("bf16", 64, 4, 4096, 128, "nk", f"{L8} attention S, GQA-grouped decode: 8 sequences x 8 kv heads, 4 q heads each"),
          ("bf16", 64, 4, 128, 4096, "kn", f"{L8} attention O, GQA-grouped decode: 8 sequences x 8 kv heads, 4 q heads each")]
    # Mixtral-8x7B experts: hidden 4096, expert MLP 14336, 8 experts, top-2; w1/w3 [14336, 4096], w2 [4096, 14336].
    MX = "Mixtral-8x7B"
    v += [("bf16", 8, m, 14336, 4096, "nk", f"{MX} experts w1 (gate) as bmm over 8 experts, {m} tokens per expert")
          for m in (4, 128, 512)]
    v += [("bf16", 8, m, 4096, 14336, "nk", f"{MX} experts w2 (down) as bmm over 8 experts, {m} tokens per expert")
          for m in (4, 128, 512)]
    v += linear("bf16", MX, "expert w1", 14336, 4096, [37, 1000], note="one expert, uneven routing")
    v += linear("bf16", MX, "expert w2", 4096, 14336, [211], note="one expert, uneven routing")
    v += linear("bf16", MX, "router gate", 8, 4096, [4096], note="prefill")
    # Qwen1.5-MoE-A2.7B: hidden 2048, 60 experts of 1408, top-4.
    QM = "Qwen1.5-MoE-A2.7B"
    v += [("bf16", 60, 16, 1408, 2048, "nk", f"{QM} experts gate_proj as bmm over 60 experts, 16 tokens per expert"),
          ("bf16", 60, 16, 2048, 1408, "nk", f"{QM} experts down_proj as bmm over 60 experts, 16 tokens per expert"),
          ("bf16", 60, 128, 1408, 2048, "nk", f"{QM} experts gate_proj as bmm over 60 experts, 128 tokens per expert")]
    v += linear("bf16", QM, "router gate", 60, 2048, [2048], note="prefill")
    # GPT-2 small (f16): hidden 768, 12 heads x 64, Conv1D weights [in, out] (kn), tied lm_head (nk, vocab 50257).
    G2 = "GPT-2 small"
    v += linear("f16", G2, "attn.c_attn (Conv1D)", 2304, 768, [1, 8192], lay="kn", note="batch 8 x 1024 / decode")
    v += linear("f16", G2, "attn.c_proj (Conv1D)", 768, 768, [8192], lay="kn", note="batch 8 x 1024")
    v += linear("f16", G2, "mlp.c_fc (Conv1D)", 3072, 768, [1, 8, 8192], lay="kn", note="decode/prefill")
    v += linear("f16", G2, "mlp.c_proj (Conv1D)", 768, 3072, [8, 8192], lay="kn", note="decode/prefill")
    v += linear("f16", G2, "lm_head (tied wte)", 50257, 768, [1, 1024], note="decode/prefill")
    v += [("f16", 96, 1024, 1024, 64, "nk", f"{G2} attention S = Q K^T, batch 8 x 12 heads, 1024 tokens"),
          ("f16", 96, 1024, 64, 1024, "kn", f"{G2} attention O = P V, batch 8 x 12 heads, 1024 tokens"),
          ("f16", 12, 1, 1024, 64, "nk", f"{G2} attention S, decode, 1 sequence x 12 heads, 1024 context"),
          ("f16", 12, 1, 64, 1024, "kn", f"{G2} attention O, decode, 1 sequence x 12 heads, 1024 context")]
    # BERT-base (hidden 768, 12 x 64, FFN 3072), batch 32 x 128 tokens, in f16, tf32 (fp32 training) and strict f32.
    for dtype in ("f16", "tf32", "f32"):
        B = "BERT-base"
        v += linear(dtype, B, "attention q/k/v/out dense", 768, 768, [4096], note="batch 32 x 128")
        v += linear(dtype, B, "intermediate dense", 3072, 768, [4096], note="batch 32 x 128")
        v += linear(dtype, B, "output dense", 768, 3072, [4096], note="batch 32 x 128")
        v += [(dtype, 384, 128, 128, 64, "nk", f"{B} attention S = Q K^T, batch 32 x 12 heads, 128 tokens"),
              (dtype, 384, 128, 64, 128, "kn", f"{B} attention O = P V, batch 32 x 12 heads, 128 tokens")]
    # BERT-large (hidden 1024, 16 x 64, FFN 4096), batch 8 x 512 tokens, f16.
    BL = "BERT-large"
    v += linear("f16", BL, "attention q/k/v/out dense", 1024, 1024, [4096], note="batch 8 x 512")
    v += linear("f16", BL, "intermediate dense", 4096, 1024, [4096], note="batch 8 x 512")
    v += linear("f16", BL, "output dense", 1024, 4096, [4096], note="batch 8 x 512")
    v += [("f16", 128, 512, 512, 64, "nk", f"{BL} attention S = Q K^T, batch 8 x 16 heads, 512 tokens"),
          ("f16", 128, 512, 64, 512, "kn", f"{BL} attention O = P V, batch 8 x 16 heads, 512 tokens")]
    # ResNet-50 convolutions as implicit GEMM (NHWC), batch 32 (and 1), f16; some in tf32.
    R = "ResNet-50"

    def conv(dtype, images, layer, hw, cout, cin, r):
        return (dtype, 1, images * hw * hw, cout, cin * r * r, "nk",
                f"{R} {layer} conv {r}x{r} {cin}->{cout} at {hw}x{hw}, {images} images, as im2col GEMM")
    v += [conv("f16", 32, "conv1 (stride 2)", 112, 64, 3, 7),
          conv("f16", 32, "layer1 1x1 reduce", 56, 64, 64, 1),
          conv("f16", 32, "layer1 3x3", 56, 64, 64, 3),
          conv("f16", 32, "layer1 1x1 expand", 56, 256, 64, 1),
          conv("f16", 32, "layer2 3x3", 28, 128, 128, 3),
          conv("f16", 32, "layer2 1x1 reduce", 28, 128, 512, 1),
          conv("f16", 32, "layer3 3x3", 14, 256, 256, 3),
          conv("f16", 32, "layer3 1x1 expand", 14, 1024, 256, 1),
          conv("f16", 32, "layer4 3x3", 7, 512, 512, 3),
          conv("f16", 32, "layer4 1x1 reduce", 7, 512, 2048, 1),
          conv("f16", 1, "layer1 3x3", 56, 64, 64, 3),
          conv("f16", 1, "layer4 3x3", 7, 512, 512, 3),
          conv("tf32", 32, "conv1 (stride 2)", 112, 64, 3, 7),
          conv("tf32", 32, "layer2 3x3", 28, 128, 128, 3),
          conv("tf32", 32, "layer3 3x3", 14, 256, 256, 3),
          conv("tf32", 32, "layer4 3x3", 7, 512, 512, 3)]
    v += linear("f16", R, "fc", 1000, 2048, [1, 32], note="batch 1 / 32")
    v += linear("tf32", R, "fc", 1000, 2048, [32], note="batch 32")
    # ViT-B/16 (hidden 768, 12 x 64, MLP 3072, 197 tokens), batch 32, bf16.
    VT = "ViT-B/16"
    v += linear("bf16", VT, "attn.qkv", 2304, 768, [6304], note="batch 32 x 197 tokens")
    v += linear("bf16", VT, "attn.proj", 768, 768, [6304], note="batch 32 x 197 tokens")
    v += linear("bf16", VT, "mlp.fc1", 3072, 768, [6304], note="batch 32 x 197 tokens")
    v += linear("bf16", VT, "mlp.fc2", 768, 3072, [6304], note="batch 32 x 197 tokens")
    v += [("bf16", 384, 197, 197, 64, "nk", f"{VT} attention S = Q K^T, batch 32 x 12 heads, 197 tokens"),
          ("bf16", 384, 197, 64, 197, "kn", f"{VT} attention O = P V, batch 32 x 12 heads, 197 tokens")]
    # CLIP ViT-L/14 text encoder (width 768, 12 x 64, MLP 3072, 77 tokens), one prompt, f16.
    CL = "CLIP ViT-L/14 text encoder"
    v += linear("f16", CL, "in_proj (q,k,v)", 2304, 768, [77], note="one 77-token prompt")
    v += linear("f16", CL, "mlp.c_fc", 3072, 768, [77], note="one 77-token prompt")
    v += linear("f16", CL, "mlp.c_proj", 768, 3072, [77], note="one 77-token prompt")
    v += [("f16", 12, 77, 77, 64, "nk", f"{CL} attention S = Q K^T, 12 heads, 77 tokens")]
    # DLRM (MLPerf, Criteo): bottom MLP 13-512-256-128, top MLP 479-1024-1024-512-256-1, batch 2048, fp32.
    DL = "DLRM (MLPerf Criteo)"
    for dtype in ("f32", "tf32"):
        v += linear(dtype, DL, "bottom MLP 13->512", 512, 13, [2048], note="batch 2048")
        v += linear(dtype, DL, "bottom MLP 512->256", 256, 512, [2048], note="batch 2048")
        v += linear(dtype, DL, "top MLP 479->1024", 1024, 479, [2048], note="batch 2048")
    v += linear("f32", DL, "top MLP 1024->1024", 1024, 1024, [2048], note="batch 2048")
    v += linear("f32", DL, "bottom MLP 256->128", 128, 256, [2048], note="batch 2048")
    return v


def _slug(source, limit=48):
    """'Llama-3-8B qkv_proj (fused) (decode), M=1 tokens' -> 'llama_3_8b_qkv_proj'."""
    text = re.sub(r"\([^)]*\)", " ", source).split(",")[0]
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit].rstrip("_")


def validation():
    """Rows from validation_specs(), one per shape key (a repeated key keeps the first name and
    lists every source)."""
    by_key, order = {}, []
    for dtype, b, m, n, k, lay, source in validation_specs():
        key = (dtype, b, m, n, k, lay)
        if key in by_key:
            if source not in by_key[key]["source"]:
                by_key[key]["source"] += "; " + source
            continue
        row = _row("val", dtype, _slug(source), b, m, n, k, lay, source)
        by_key[key] = row
        order.append(key)
    return [by_key[k] for k in order]


def render(rows):
    return render_csv(SHAPE_COLUMNS, rows)


def main(argv=None):
    p = argparse.ArgumentParser(description="Write configs/gemm/{calibration,validation,calibration_contraction}.csv from this script's tables.")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file differs")
    p.add_argument("--dir", default=os.path.join(REPO, "configs", "gemm"), help="output folder (default: %(default)s)")
    args = p.parse_args(argv)
    cal, val, cal2 = calibration(), validation(), calibration_contraction()
    clash = ({shape_key(r) for r in cal} | {shape_key(r) for r in cal2}) & {shape_key(r) for r in val}
    if clash:
        print(f"validation shapes also in calibration: {sorted(clash)}", file=sys.stderr)
        return 1
    status = 0
    for fname, rows in (("calibration.csv", cal), ("validation.csv", val), ("calibration_contraction.csv", cal2)):
        path = os.path.join(args.dir, fname)
        text = render(rows)
        try:
            with open(path, newline="", encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        counts = {g: sum(1 for r in rows if regime(r) == g) for g in ("launch", "memory", "compute")}
        summary = f"{len(rows)} rows, " + ", ".join(f"{g} {c}" for g, c in counts.items())
        if args.check:
            if current != text:
                print(f"{path} {'does not exist' if current is None else 'is out of date'}: "
                      f"run python3 optimizer/measure/gen_gemm_shapes.py", file=sys.stderr)
                status = 1
            else:
                print(f"{path} is up to date ({summary})")
            continue
        if current == text:
            print(f"{path} unchanged ({summary})")
            continue
        os.makedirs(args.dir, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {path} ({summary})")
    return status


if __name__ == "__main__":
    sys.exit(main())
