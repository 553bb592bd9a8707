# PyTorch Inductor device entry for NVIDIA H200 (sm_90, 132 SMs), written by tcbench 0.1.0 (exporter
# at f1a67f347d235e109922445ddbea01cb079d7372) from nvidia-h200, measured 2026-12-02T00:01:53Z ..
# 2026-12-05T07:46:12Z.
# Importing or running this file registers it in torch._inductor.analysis.device_info under
# torch.cuda.get_device_name() = 'NVIDIA H200', replacing any datasheet entry of that name; do it
# before Inductor's first estimate (it caches them). Format of pytorch/pytorch
# d0f2af8b66b20da4baa50644c0cd3f887a2eae2e (torch 2.15.0), also read by older torch; see
# docs/exporters/inductor.md.
# Every figure is measured: TFLOP/s (TOPS for int8) of dense instructions, no 2:4 sparsity (so
# tops_sparsity_factor keeps its default 1), each at the SM clock the chip held while that
# instruction ran.

import torch
from torch._inductor.analysis import device_info

DEVICE_NAME = "NVIDIA H200"

MEASURED = device_info.DeviceInfo(
    tops={
        # SM90_16x8x8_F64F64F64F64_TN (mma.sync, f64 x f64 -> f64): 255.132 ops/clk/SM x 132 SMs at
        # 1973.6 MHz = 66.4652 TFLOP/s, dense
        torch.float64: 66.4652,
        # torch.float32: not written, no measured dense f32 x f32 -> f32 instruction runs natively
        # (tensor cores or the FMA pipe).
        # SM90_64x136x8_F32TF32TF32_SS (wgmma, tf32 x tf32 -> f32): 2039.18 ops/clk/SM x 132 SMs at
        # 1775.65 MHz = 477.97 TFLOP/s, dense
        "torch.tf32": 477.97,
        # SM90_64x152x16_F32BF16BF16_RS (wgmma, bf16 x bf16 -> f32): 4079.47 ops/clk/SM x 132 SMs at
        # 1700.88 MHz = 915.885 TFLOP/s, dense
        torch.bfloat16: 915.885,
        # SM90_64x144x16_F32F16F16_RS (wgmma, f16 x f16 -> f32): 4078.65 ops/clk/SM x 132 SMs at
        # 1656 MHz = 891.563 TFLOP/s, dense
        torch.float16: 891.563,
        # SM90_64x144x32_F32E4M3E4M3_RS (wgmma, e4m3 x e4m3 -> f32): 8157.3 ops/clk/SM x 132 SMs at
        # 1654.78 MHz = 1781.8 TFLOP/s, dense
        torch.float8_e4m3fn: 1781.8,
        # SM90_64x176x32_F32E5M2E5M2_RS (wgmma, e5m2 x e5m2 -> f32): 8163.84 ops/clk/SM x 132 SMs at
        # 1690.5 MHz = 1821.73 TFLOP/s, dense
        torch.float8_e5m2: 1821.73,
        # SM90_64x80x32_S32S8S8_SS (wgmma, s8 x s8 -> s32): 8158.9 ops/clk/SM x 132 SMs at 1771.19
        # MHz = 1907.53 TOPS, dense
        torch.int8: 1907.53,
        # torch.float8_e4m3fnuz, torch.float8_e5m2fnuz: not written: AMD's FP8 encodings, which no
        # NVIDIA instruction takes.
        # torch.float8_e8m0fnu: not written: a block-scale format, not an operand type of these
        # instructions.
    },
    # movement.levels.dram.bandwidth_gbs = 4623.73 GB/s measured (ld.global.ca (DRAM); dram.read
    # (level=dram;counts=read)); datasheet 4800 GB/s; 1e9 bytes/s, as upstream's figures.
    dram_bw_gbs=4623.73,
    # device.memory_bytes 150109880320 / 2**30 (GiB, as upstream's figures are).
    dram_gb=139.801,
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
