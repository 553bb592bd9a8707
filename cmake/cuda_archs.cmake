# CUDA targets from TCBENCH_CUDA_ARCHS ("75;80;90a;100a;100f;120f"), one -gencode per entry.
# CMake's CUDA_ARCHITECTURES (3.24/3.25) does not know the family targets ("100f", CUDA 12.9+),
# so every target here gets CUDA_ARCHITECTURES OFF and explicit
# -gencode arch=compute_X,code=[compute_X,sm_X] flags (SASS + PTX, as CMake does for "80").
#
# An atom declares its range once (min_sm, max_sm, arch-specific suffix; harness/core/arch_range.hpp);
# a kernel file is compiled only for the entries of TCBENCH_CUDA_ARCHS its range includes.
# docs/architectures.md says which families gate by build and which by a device-side trap.

# tcb_archs_in_range(<out> MIN <sm> [MAX <sm>] [SUFFIX a|af]): the entries of TCBENCH_CUDA_ARCHS
# whose number lies in [MIN, MAX] (MAX 0 or absent: no upper bound). SUFFIX a keeps only
# arch-specific entries ("100a"), af also family ones ("100f"): instructions that exist only
# there (tcgen05, block-scaled mma.sync) cannot be compiled for the plain target.
function(tcb_archs_in_range out)
  cmake_parse_arguments(R "" "MIN;MAX;SUFFIX" "" ${ARGN})
  if(NOT R_MAX)
    set(R_MAX 0)
  endif()
  set(kept "")
  foreach(arch IN LISTS TCBENCH_CUDA_ARCHS)
    if(NOT arch MATCHES "^([0-9]+)([af]?)$")
      message(FATAL_ERROR "TCBENCH_CUDA_ARCHS entry '${arch}': expected a number with an optional a or f (90a, 100f)")
    endif()
    set(num ${CMAKE_MATCH_1})
    set(sfx ${CMAKE_MATCH_2})
    if(num LESS R_MIN OR (R_MAX GREATER 0 AND num GREATER R_MAX))
      continue()
    endif()
    if(R_SUFFIX STREQUAL "a" AND NOT sfx STREQUAL "a")
      continue()
    endif()
    if(R_SUFFIX STREQUAL "af" AND sfx STREQUAL "")
      continue()
    endif()
    list(APPEND kept ${arch})
  endforeach()
  set(${out} "${kept}" PARENT_SCOPE)
endfunction()

# The nvcc flags for a list of architectures. With several, nvcc compiles them one after the
# other unless --threads says otherwise: the largest translation units (mma_sp, wmma) then set the
# build's critical path at about 70 s per architecture, 8 architectures in the `all` preset.
function(tcb_gencode_flags out archs)
  set(flags "")
  foreach(arch IN LISTS archs)
    list(APPEND flags "-gencode=arch=compute_${arch},code=[compute_${arch},sm_${arch}]")
  endforeach()
  list(LENGTH archs n)
  if(n GREATER 1)
    list(APPEND flags "--threads=${n}")
  endif()
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

# tcb_cuda_archs(<target> [ARCHS <list>]): compile the target's CUDA sources for ARCHS
# (default: all of TCBENCH_CUDA_ARCHS).
function(tcb_cuda_archs target)
  cmake_parse_arguments(R "" "" "ARCHS" ${ARGN})
  # ARCHS "" parses as undefined: tell "ARCHS given, empty" (per-file flags only) from "absent".
  if(NOT "ARCHS" IN_LIST ARGN)
    set(R_ARCHS ${TCBENCH_CUDA_ARCHS})
  endif()
  tcb_gencode_flags(flags "${R_ARCHS}")
  set_target_properties(${target} PROPERTIES CUDA_ARCHITECTURES OFF)
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:${flags}>")
endfunction()

# tcb_cuda_source_archs(<source>... ARCHS <list>): per-file architectures inside a target that
# tcb_cuda_archs set up with ARCHS "" (no target-wide flags).
function(tcb_cuda_source_archs)
  cmake_parse_arguments(R "" "" "ARCHS" ${ARGN})
  tcb_gencode_flags(flags "${R_ARCHS}")
  set_source_files_properties(${R_UNPARSED_ARGUMENTS} PROPERTIES COMPILE_OPTIONS "${flags}")
endfunction()

# Validate the list once, at configure time.
tcb_archs_in_range(_tcb_all MIN 0)
