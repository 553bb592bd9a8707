// Registers the CUDA-core family (families/cuda_core/cuda_core.hpp).
#include "families/cuda_core/cuda_core.hpp"

TCB_REGISTER_FAMILY(cuda_core, "cuda_core", &tcb::cuda_core::benchmarks);
