# Volta (sm_70, sm_72) needs a CUDA 12.x nvcc: CUDA 13 dropped both. Included before project(),
# so the CUDA compiler is chosen before CMake detects it. One build tree has one CUDA compiler,
# hence the separate `volta` preset (build-volta). The toolkit comes from
# scripts/cuda12_toolkit.sh (docs/volta_toolkit.md); TCBENCH_CUDA12_HOME (cache or environment)
# points elsewhere. A CMAKE_CUDA_COMPILER given on the command line is kept, but must be 12.x.
if(NOT TCBENCH_CUDA_ARCHS MATCHES "(^|;)7[02]([a-z]|-real|-virtual)?(;|$)")
  return()
endif()
if(NOT TCBENCH_CUDA12_HOME)
  if(DEFINED ENV{TCBENCH_CUDA12_HOME} AND NOT "$ENV{TCBENCH_CUDA12_HOME}" STREQUAL "")
    set(_tcb_home "$ENV{TCBENCH_CUDA12_HOME}")
  else()
    set(_tcb_home "${CMAKE_CURRENT_SOURCE_DIR}/.deps/cuda12")
  endif()
  set(TCBENCH_CUDA12_HOME "${_tcb_home}" CACHE PATH "CUDA 12.x toolkit for sm_70/sm_72 (scripts/cuda12_toolkit.sh)")
endif()
if(NOT CMAKE_CUDA_COMPILER)
  if(NOT EXISTS "${TCBENCH_CUDA12_HOME}/bin/nvcc")
    message(FATAL_ERROR
      "TCBENCH_CUDA_ARCHS=${TCBENCH_CUDA_ARCHS} includes Volta, which needs CUDA 12.x (CUDA 13 dropped "
      "sm_70/sm_72), and no CUDA 12 nvcc is at ${TCBENCH_CUDA12_HOME}/bin/nvcc. Run "
      "scripts/cuda12_toolkit.sh (installs CUDA 12.4 into .deps/cuda12, no root), or set "
      "TCBENCH_CUDA12_HOME to a CUDA 12.x toolkit.")
  endif()
  set(CMAKE_CUDA_COMPILER "${TCBENCH_CUDA12_HOME}/bin/nvcc" CACHE FILEPATH "CUDA compiler" FORCE)
endif()
execute_process(COMMAND "${CMAKE_CUDA_COMPILER}" --version OUTPUT_VARIABLE _tcb_nvcc_version
                ERROR_VARIABLE _tcb_nvcc_version RESULT_VARIABLE _tcb_nvcc_rc)
if(NOT _tcb_nvcc_rc EQUAL 0 OR NOT _tcb_nvcc_version MATCHES "release 12\\.")
  string(REGEX MATCH "release [0-9.]+" _tcb_release "${_tcb_nvcc_version}")
  message(FATAL_ERROR
    "TCBENCH_CUDA_ARCHS=${TCBENCH_CUDA_ARCHS} includes Volta, which needs CUDA 12.x, but "
    "${CMAKE_CUDA_COMPILER} is '${_tcb_release}' (exit ${_tcb_nvcc_rc}). Run scripts/cuda12_toolkit.sh "
    "and configure a fresh build folder (cmake --preset volta), or set TCBENCH_CUDA12_HOME.")
endif()
get_filename_component(_tcb_root "${CMAKE_CUDA_COMPILER}" DIRECTORY)
get_filename_component(_tcb_root "${_tcb_root}" DIRECTORY)
set(CUDAToolkit_ROOT "${_tcb_root}")  # find_package(CUDAToolkit): the same toolkit's cudart and CUPTI
string(REGEX MATCH "V[0-9.]+" _tcb_release "${_tcb_nvcc_version}")
message(STATUS "Volta build: CUDA compiler ${CMAKE_CUDA_COMPILER} (${_tcb_release})")
