# LLM-Viewer hardware entry for NVIDIA H200 (sm_90, 132 SMs), written by tcbench 0.1.0 (exporter at
# f1a67f347d235e109922445ddbea01cb079d7372) from nvidia-h200, measured 2026-12-02T00:01:53Z ..
# 2026-12-05T07:46:12Z.
# Format of hahnyuan/LLM-Viewer df2cba903282463b2fd8a7231f744be74dd4020b
# (hardwares/hardware_params.py): add the entry to its hardware_params dict, or run this file and
# update that dict with its hardware_params; see docs/exporters/llm_viewer.md.
# Every figure is measured: peaks are dense (no 2:4 sparsity), each at the SM clock the chip held
# while that instruction ran; bandwidth and peaks per second, sizes in bytes.

hardware_params = {
    # Measured too, read by no key upstream (its analyzer takes INT8 for FP8 as well):
    # SM90_64x248x16_F16F16F16_RS (wgmma, f16 x f16 -> f16): 4084.78 ops/clk/SM x 132 SMs at 1714.38
    # MHz = 924.333 TFLOP/s, dense; SM90_64x152x16_F32BF16BF16_RS (wgmma, bf16 x bf16 -> f32):
    # 4079.47 ops/clk/SM x 132 SMs at 1700.88 MHz = 915.885 TFLOP/s, dense;
    # SM90_64x144x32_F32E4M3E4M3_RS (wgmma, e4m3 x e4m3 -> f32): 8157.3 ops/clk/SM x 132 SMs at
    # 1654.78 MHz = 1781.8 TFLOP/s, dense; SM90_64x176x32_F32E5M2E5M2_RS (wgmma, e5m2 x e5m2 ->
    # f32): 8163.84 ops/clk/SM x 132 SMs at 1690.5 MHz = 1821.73 TFLOP/s, dense;
    # SM90_64x136x8_F32TF32TF32_SS (wgmma, tf32 x tf32 -> f32): 2039.18 ops/clk/SM x 132 SMs at
    # 1775.65 MHz = 477.97 TFLOP/s, dense; SM90_16x8x8_F64F64F64F64_TN (mma.sync, f64 x f64 -> f64):
    # 255.132 ops/clk/SM x 132 SMs at 1973.6 MHz = 66.4652 TFLOP/s, dense.
    "nvidia_H200_tcbench": {
        # movement.levels.dram.bandwidth_gbs = 4623.73 GB/s measured (ld.global.ca (DRAM); dram.read
        # (level=dram;counts=read)); datasheet 4800 GB/s; bytes/s
        "bandwidth": 4623.73e9,
        # SM90_64x144x16_F32F16F16_RS (wgmma, f16 x f16 -> f32): 4078.65 ops/clk/SM x 132 SMs at
        # 1656 MHz = 891.563 TFLOP/s, dense; OP/s
        "FP16": 891.563e12,
        # SM90_64x80x32_S32S8S8_SS (wgmma, s8 x s8 -> s32): 8158.9 ops/clk/SM x 132 SMs at 1771.19
        # MHz = 1907.53 TOPS, dense; OP/s
        "INT8": 1907.53e12,
        # INT4: not written, no measured dense s4 x s4 -> s32 instruction runs natively (tensor
        # cores or the FMA pipe) (the analyzer falls back to the next wider tier).
        # device.sm_count 132 x device.shared_memory_per_sm_bytes 233472: the shared memory
        # flash-attention tiles live in (upstream's entries hold the register files, which tcbench
        # does not record; both size flash-attention's tile the same, head_size rows)
        "onchip_buffer": 30818304,
        # device.memory_bytes, bytes
        "memory_capacity": 150109880320,
        # the LLM viewer lists 'cloud' hardware
        "category": "cloud",
    },
}
