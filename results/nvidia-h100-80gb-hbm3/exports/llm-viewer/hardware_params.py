# LLM-Viewer hardware entry for NVIDIA H100 80GB HBM3 (sm_90, 132 SMs), written by tcbench 0.1.0
# (exporter at 2d26322dbc6418fc9dec6a9dcca0c517ff300756) from nvidia-h100-80gb-hbm3, measured
# 2026-12-05T16:25:34Z .. 2026-12-05T16:31:15Z.
# Format of hahnyuan/LLM-Viewer df2cba903282463b2fd8a7231f744be74dd4020b
# (hardwares/hardware_params.py): add the entry to its hardware_params dict, or run this file and
# update that dict with its hardware_params; see docs/exporters/llm_viewer.md.
# Every figure is measured: peaks are dense (no 2:4 sparsity), each at the SM clock the chip held
# while that instruction ran; bandwidth and peaks per second, sizes in bytes.

hardware_params = {
    # Measured too, read by no key upstream (its analyzer takes INT8 for FP8 as well):
    # SM90_64x248x16_F16F16F16_RS (wgmma, f16 x f16 -> f16): 4087.67 ops/clk/SM x 132 SMs at 1704.37
    # MHz = 919.636 TFLOP/s, dense; SM90_64x176x16_F32BF16BF16_RS (wgmma, bf16 x bf16 -> f32):
    # 4084.54 ops/clk/SM x 132 SMs at 1697.46 MHz = 915.197 TFLOP/s, dense;
    # SM90_64x56x32_F32E4M3E4M3_RS (wgmma, e4m3 x e4m3 -> f32): 8139.81 ops/clk/SM x 132 SMs at
    # 1666.9 MHz = 1790.97 TFLOP/s, dense; SM90_64x216x32_F32E5M2E5M2_RS (wgmma, e5m2 x e5m2 ->
    # f32): 8167.95 ops/clk/SM x 132 SMs at 1689.08 MHz = 1821.12 TFLOP/s, dense;
    # SM90_64x256x8_F32TF32TF32_RS (wgmma, tf32 x tf32 -> f32): 2043.97 ops/clk/SM x 132 SMs at
    # 1752.06 MHz = 472.711 TFLOP/s, dense; SM90_16x8x16_F64F64F64F64_TN (mma.sync, f64 x f64 ->
    # f64): 255.203 ops/clk/SM x 132 SMs at 1993.31 MHz = 67.149 TFLOP/s, dense.
    "nvidia_H100_80GB_HBM3_tcbench": {
        # movement.levels.dram.bandwidth_gbs = 3346.91 GB/s measured (ld.global.ca (DRAM); dram.read
        # (level=dram;counts=read)); datasheet 3350 GB/s; bytes/s
        "bandwidth": 3346.91e9,
        # SM90_64x40x16_F32F16F16_RS (wgmma, f16 x f16 -> f32): 4063.21 ops/clk/SM x 132 SMs at
        # 1660.86 MHz = 890.801 TFLOP/s, dense; OP/s
        "FP16": 890.801e12,
        # SM90_64x96x32_S32S8S8_RS (wgmma, s8 x s8 -> s32): 8167.84 ops/clk/SM x 132 SMs at 1763.67
        # MHz = 1901.59 TOPS, dense; OP/s
        "INT8": 1901.59e12,
        # INT4: not written, no measured dense s4 x s4 -> s32 instruction runs natively (tensor
        # cores or the FMA pipe) (the analyzer falls back to the next wider tier).
        # device.sm_count 132 x device.shared_memory_per_sm_bytes 233472: the shared memory
        # flash-attention tiles live in (upstream's entries hold the register files, which tcbench
        # does not record; both size flash-attention's tile the same, head_size rows)
        "onchip_buffer": 30818304,
        # device.memory_bytes, bytes
        "memory_capacity": 85017493504,
        # the LLM viewer lists 'cloud' hardware
        "category": "cloud",
    },
}
