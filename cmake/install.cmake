# `cmake --install build --prefix P`: the tcbench binary (bin/) and the cost-table loader as the
# CMake package tcbench, so another project does
#   find_package(tcbench REQUIRED)
#   target_link_libraries(app PRIVATE tcbench::cost_table)
# Components: "cost_table" (header, library, package files; needs no CUDA to use) and "tools"
# (the tcbench binary). `--component cost_table` installs the loader alone from a build of just
# that target, as tests/consumer does.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TCB_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tcbench)

install(TARGETS tcbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)

install(TARGETS tcb_cost_table EXPORT tcbenchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cost_table
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/tcbench/cost_table.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tcbench COMPONENT cost_table)
install(EXPORT tcbenchTargets NAMESPACE tcbench:: DESTINATION ${TCB_PACKAGE_DIR} COMPONENT cost_table)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tcbenchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/tcbenchConfig.cmake INSTALL_DESTINATION ${TCB_PACKAGE_DIR})
# 0.x: a minor release may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/tcbenchConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/tcbenchConfig.cmake ${PROJECT_BINARY_DIR}/package/tcbenchConfigVersion.cmake
        DESTINATION ${TCB_PACKAGE_DIR} COMPONENT cost_table)
