# ctest cost_table_consumer (cmake -P): installs the cost-table loader of BUILD_DIR into a scratch
# prefix, configures and builds tests/consumer against it with CMAKE_PREFIX_PATH (nothing else of
# the source tree is visible to it), runs it on FIXTURE and checks what it prints.
# Inputs: BUILD_DIR, WORK_DIR, CONSUMER_SOURCE, GENERATOR, MAKE_PROGRAM, CXX_COMPILER, FIXTURE
# (the generator and compiler of the tcbench build, so the consumer builds the same way).
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step("installing the cost_table component"
         ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component cost_table)

# The package must not send its consumers looking for CUDA or a JSON library.
file(GLOB package_files ${prefix}/lib*/cmake/tcbench/*.cmake)
if(NOT package_files)
  message(FATAL_ERROR "no CMake package files under ${prefix}/lib*/cmake/tcbench")
endif()
foreach(f IN LISTS package_files)
  file(READ ${f} text)
  if(text MATCHES "CUDA|nlohmann|tcb_json")
    message(FATAL_ERROR "${f} names a build dependency (${CMAKE_MATCH_0}): consumers would need it")
  endif()
endforeach()

run_step("configuring tests/consumer"
         ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE} -B ${WORK_DIR}/build -G ${GENERATOR} -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}
         -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
run_step("building tests/consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)

set(consumer ${WORK_DIR}/build/cost_table_consumer)
run_step("running the consumer on ${FIXTURE}" ${consumer} ${FIXTURE})
set(expected "device: NVIDIA H200\ninstructions: 3\ndram_bandwidth_gbs: 4200.5\nbest_dense_f16_tflops: 1070.5\n")
if(NOT step_output STREQUAL expected)
  message(FATAL_ERROR "the consumer printed:\n${step_output}\nexpected:\n${expected}")
endif()

# The loader's exception crosses into the consumer with its message.
set(missing ${WORK_DIR}/missing.json)
execute_process(COMMAND ${consumer} ${missing} RESULT_VARIABLE status ERROR_VARIABLE err)
if(NOT status EQUAL 1 OR NOT err STREQUAL "${missing}: cannot open the file (No such file or directory)\n")
  message(FATAL_ERROR "on a missing file the consumer exited ${status} with:\n${err}")
endif()
message(STATUS "consumer built against ${prefix} and ran")
