# PyTorch Inductor device entry for NVIDIA H100 80GB HBM3 (sm_90, 132 SMs), written by tcbench 0.1.0
# (exporter at 2d26322dbc6418fc9dec6a9dcca0c517ff300756) from nvidia-h100-80gb-hbm3, measured
# 2026-12-05T16:25:34Z .. 2026-12-05T16:31:15Z.
# Importing or running this file registers it in torch._inductor.analysis.device_info under
# torch.cuda.get_device_name() = 'NVIDIA H100 80GB HBM3', replacing any datasheet entry of that
# name; do it before Inductor's first estimate (it caches them). Format of pytorch/pytorch
# d0f2af8b66b20da4baa50644c0cd3f887a2eae2e (torch 2.15.0), also read by older torch; see
# docs/exporters/inductor.md.
# Every figure is measured: TFLOP/s (TOPS for int8) of dense instructions, no 2:4 sparsity (so
# tops_sparsity_factor keeps its default 1), each at the SM clock the chip held while that
# instruction ran.

import torch
from torch._inductor.analysis import device_info

DEVICE_NAME = "NVIDIA H100 80GB HBM3"

MEASURED = device_info.DeviceInfo(
    tops={
        # SM90_16x8x16_F64F64F64F64_TN (mma.sync, f64 x f64 -> f64): 255.203 ops/clk/SM x 132 SMs at
        # 1993.31 MHz = 67.149 TFLOP/s, dense
        torch.float64: 67.149,
        # SM70_FFMA_F32 (cuda_core, f32 x f32 -> f32): 252.442 ops/clk/SM x 132 SMs at 1993.52 MHz =
        # 66.4308 TFLOP/s, dense
        torch.float32: 66.4308,
        # SM90_64x256x8_F32TF32TF32_RS (wgmma, tf32 x tf32 -> f32): 2043.97 ops/clk/SM x 132 SMs at
        # 1752.06 MHz = 472.711 TFLOP/s, dense
        "torch.tf32": 472.711,
        # SM90_64x176x16_F32BF16BF16_RS (wgmma, bf16 x bf16 -> f32): 4084.54 ops/clk/SM x 132 SMs at
        # 1697.46 MHz = 915.197 TFLOP/s, dense
        torch.bfloat16: 915.197,
        # SM90_64x40x16_F32F16F16_RS (wgmma, f16 x f16 -> f32): 4063.21 ops/clk/SM x 132 SMs at
        # 1660.86 MHz = 890.801 TFLOP/s, dense
        torch.float16: 890.801,
        # SM90_64x56x32_F32E4M3E4M3_RS (wgmma, e4m3 x e4m3 -> f32): 8139.81 ops/clk/SM x 132 SMs at
        # 1666.9 MHz = 1790.97 TFLOP/s, dense
        torch.float8_e4m3fn: 1790.97,
        # SM90_64x216x32_F32E5M2E5M2_RS (wgmma, e5m2 x e5m2 -> f32): 8167.95 ops/clk/SM x 132 SMs at
        # 1689.08 MHz = 1821.12 TFLOP/s, dense
        torch.float8_e5m2: 1821.12,
        # SM90_64x96x32_S32S8S8_RS (wgmma, s8 x s8 -> s32): 8167.84 ops/clk/SM x 132 SMs at 1763.67
        # MHz = 1901.59 TOPS, dense
        torch.int8: 1901.59,
        # torch.float8_e4m3fnuz, torch.float8_e5m2fnuz: not written: AMD's FP8 encodings, which no
        # NVIDIA instruction takes.
        # torch.float8_e8m0fnu: not written: a block-scale format, not an operand type of these
        # instructions.
    },
    # movement.levels.dram.bandwidth_gbs = 3346.91 GB/s measured (ld.global.ca (DRAM); dram.read
    # (level=dram;counts=read)); datasheet 3350 GB/s; 1e9 bytes/s, as upstream's figures.
    dram_bw_gbs=3346.91,
    # device.memory_bytes 85017493504 / 2**30 (GiB, as upstream's figures are).
    dram_gb=79.1787,
)


def register(name=DEVICE_NAME, info=MEASURED):
    """Makes lookup_device_info(name) answer `info`."""
    if hasattr(device_info, "register_device_info"):
        # torch 2.15 and later: keyed by the upper-cased name, which is what lookup asks for.
        device_info.register_device_info(name, info)
        return
    # Older torch has no registration function; some look names up as given, some upper-cased.
    for key in dict.fromkeys((name, name.upper())):
        device_info._device_mapping[key] = info


register()
