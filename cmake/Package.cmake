# The installed product: libcleave.so (the C API only), its header, a CMake
# package (find_package(cleave) -> cleave::cleave) and a pkg-config file.
#
# The shared library is the C API's sources linked against the static
# cleave_lib (which pulls in what they use), with a version script that
# exports the cleave_* functions of include/cleave/cleave.h and hides
# everything else (C++ internals, fmt, Thrust). Its dependencies (RDKit,
# fmt, OpenMP, zlib, METIS, CUDA) are private: they are recorded as DT_NEEDED
# entries and found through the library's RUNPATH, so a C program links
# libcleave.so and nothing else.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# ABI: 0.x releases may break it at every minor version, so the SONAME carries
# MAJOR.MINOR until 1.0 and MAJOR after (libcleave.so.0.1, libcleave.so.1).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(CLEAVE_SOVERSION "${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
else()
  set(CLEAVE_SOVERSION "${PROJECT_VERSION_MAJOR}")
endif()

set(_cleave_map ${PROJECT_SOURCE_DIR}/cmake/package/cleave.map)
file(GLOB _cleave_c_api CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/c_api/*.cpp)
add_library(cleave_shared SHARED ${_cleave_c_api})
target_include_directories(cleave_shared PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(cleave_shared PRIVATE cleave_lib cleave_warnings)
target_link_options(cleave_shared PRIVATE "LINKER:--version-script=${_cleave_map}")
set_property(TARGET cleave_shared APPEND PROPERTY LINK_DEPENDS ${_cleave_map})
target_include_directories(cleave_shared INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(cleave_shared PROPERTIES
  OUTPUT_NAME cleave
  EXPORT_NAME cleave
  VERSION ${PROJECT_VERSION}
  SOVERSION ${CLEAVE_SOVERSION}
  # Directories of non-system dependencies (the CUDA toolkit's libraries)
  # go into the installed RUNPATH, so neither the loader nor a consumer's
  # linker needs LD_LIBRARY_PATH or -rpath-link to find them.
  INSTALL_RPATH_USE_LINK_PATH ON)
add_library(cleave::cleave ALIAS cleave_shared)

install(TARGETS cleave_shared EXPORT cleaveTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/cleave/cleave.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cleave)

set(_cleave_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/cleave)
install(EXPORT cleaveTargets NAMESPACE cleave:: DESTINATION ${_cleave_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/package/cleaveConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cleaveConfig.cmake INSTALL_DESTINATION ${_cleave_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cleaveConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cleaveConfig.cmake
  ${PROJECT_BINARY_DIR}/cleaveConfigVersion.cmake DESTINATION ${_cleave_cmake_dir})

# pkg-config: paths relative to the .pc file, so `cmake --install --prefix`
# anywhere gives a working file.
file(RELATIVE_PATH _cleave_pc_to_prefix
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" _cleave_pc_to_prefix "${_cleave_pc_to_prefix}")
set(CLEAVE_PC_PREFIX "\${pcfiledir}/${_cleave_pc_to_prefix}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/package/cleave.pc.in
  ${PROJECT_BINARY_DIR}/cleave.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cleave.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
