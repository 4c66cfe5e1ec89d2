# Finds the project card's dependencies: fmt, OpenMP, METIS, Thrust/CUB (CCCL from the
# CUDA toolkit), RDKit (optional), GoogleTest (tests), CUDA (optional).
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(fmt REQUIRED)
find_package(ZLIB REQUIRED)

# METIS (Karypis & Kumar 1998) cuts the giant component in `cleave partition`.
# Debian's libmetis-dev (5.1) ships no CMake package: find header and library.
find_path(CLEAVE_METIS_INCLUDE metis.h PATH_SUFFIXES metis)
find_library(CLEAVE_METIS_LIBRARY metis)
if(NOT CLEAVE_METIS_INCLUDE OR NOT CLEAVE_METIS_LIBRARY)
  message(FATAL_ERROR "METIS not found: install libmetis-dev (scripts/setup.sh does)")
endif()
add_library(cleave_metis INTERFACE)
target_include_directories(cleave_metis SYSTEM INTERFACE ${CLEAVE_METIS_INCLUDE})
target_link_libraries(cleave_metis INTERFACE ${CLEAVE_METIS_LIBRARY})

# CUDA: AUTO enables it when a CUDA compiler exists; the build never needs a GPU.
set(CLEAVE_HAVE_CUDA OFF)
if(NOT CLEAVE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES ${CLEAVE_CUDA_ARCHITECTURES})
    endif()
    enable_language(CUDA)
    # CMake 3.25 predates nvcc's C++20 support: tell it the flag.
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
      list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(CLEAVE_HAVE_CUDA ON)
  elseif(CLEAVE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "CLEAVE_CUDA=ON but no CUDA compiler was found")
  endif()
endif()
message(STATUS "cleave: CUDA backend ${CLEAVE_HAVE_CUDA}")

# Thrust and CUB come with the CUDA toolkit (CCCL). The CPU build compiles the
# same Thrust code for its OpenMP device system with the host compiler.
find_path(CLEAVE_CCCL_INCLUDE thrust/version.h
  HINTS ${CUDAToolkit_INCLUDE_DIRS}
  PATHS /usr/local/cuda/include/cccl /usr/local/cuda/include /usr/include
  PATH_SUFFIXES cccl)
if(NOT CLEAVE_CCCL_INCLUDE)
  message(FATAL_ERROR "Thrust/CUB headers (CCCL) not found: install the CUDA toolkit or set CLEAVE_CCCL_INCLUDE")
endif()
add_library(cleave_thrust INTERFACE)
target_include_directories(cleave_thrust SYSTEM INTERFACE ${CLEAVE_CCCL_INCLUDE})
target_link_libraries(cleave_thrust INTERFACE OpenMP::OpenMP_CXX)

# MPI (Debian libopenmpi-dev): `mpirun -np K cleave graph|split|run` divides the
# work over ranks. AUTO uses it when found; without it cleave runs one rank.
set(CLEAVE_HAVE_MPI OFF)
if(NOT CLEAVE_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(CLEAVE_HAVE_MPI ON)
  elseif(CLEAVE_MPI STREQUAL "ON")
    message(FATAL_ERROR "CLEAVE_MPI=ON but MPI was not found: install libopenmpi-dev")
  endif()
endif()
message(STATUS "cleave: MPI ${CLEAVE_HAVE_MPI}")
find_program(CLEAVE_MPIEXEC NAMES mpirun mpiexec
  HINTS ${MPIEXEC_EXECUTABLE} DOC "MPI launcher for the mpi-labelled tests")

if(CLEAVE_RDKIT)
  find_package(RDKit)
  if(NOT RDKit_FOUND)
    message(WARNING "RDKit not found: SMILES input is disabled (install librdkit-dev)")
    set(CLEAVE_RDKIT OFF)
  endif()
endif()

if(CLEAVE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
