// tcbench run --devices all|0,2,5: every named GPU of the node swept at once, one worker process
// per GPU (docs/multi_gpu.md). A process per GPU, not a thread: a worker that crashes, hangs in a
// kernel (the watchdog ends its process) or is interrupted loses only its own sweep, and each keeps
// the results-safety rules of a one-GPU `tcbench run` (staging folder, partial folder, run.json).
//
//   <base>/<gpu-slug>/<uuid>/        each GPU's run (the concurrent sweep), its own run.json
//   <base>/<gpu-slug>/<uuid>/solo/   --interference: the same GPU swept alone first
//   <base>/nodes/<host>/node.json    the GPUs, their UUIDs, NVML topology, host, phases, wall times
//   <base>/nodes/<host>/logs/        each worker's output
//   <base>/nodes/<host>/interference.md, .csv   --interference: alone vs concurrent, per GPU
#pragma once
#include <string>
#include <vector>

namespace tcb {

struct CommandLine;

// "all" (every index below count) or comma-separated CUDA indices, each below count, none twice,
// kept in the order given. False with a message naming the bad item.
bool parse_device_list(const std::string& spec, int count, std::vector<int>* out, std::string* error);

// A worker's command line: `tcbench run` with the sweep options of `cl` (config, filter, families,
// data, timeout, --no-sass, --force), GPU 0 of the CUDA_VISIBLE_DEVICES its parent sets, its own --out.
std::vector<std::string> worker_argv(const std::string& binary, const CommandLine& cl, const std::string& out);

// The exit code of the node sweep from its workers': 130 if any was interrupted, else the first
// that is not 0 (in device order), else 0.
int node_exit_code(const std::vector<int>& worker_codes);

int cmd_run_devices(const CommandLine& cl);

}  // namespace tcb
