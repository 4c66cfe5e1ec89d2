# Every user-facing build switch lives here.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

set(CLEAVE_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO (when nvcc is found), ON, OFF")
set_property(CACHE CLEAVE_CUDA PROPERTY STRINGS AUTO ON OFF)
# Release builds carry kernels for every current data-centre and workstation
# GPU (A100 sm_80, RTX 30 sm_86, RTX 40 / L4 sm_89, H100/H200 sm_90; newer
# GPUs JIT the sm_90 PTX); other builds, and CI (scripts/test.sh passes
# -DCLEAVE_CUDA_ARCHITECTURES=90), compile one to save build time.
if(CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo|MinSizeRel)$")
  set(_cleave_default_archs "80;86;89;90")
else()
  set(_cleave_default_archs "90")
endif()
set(CLEAVE_CUDA_ARCHITECTURES "${_cleave_default_archs}" CACHE STRING
    "CUDA architectures to compile for; an explicit list, never 'native' (CI has nvcc but no GPU)")
set(CLEAVE_MPI AUTO CACHE STRING
    "Run graph builds and sweeps over MPI ranks: AUTO (when MPI is found), ON, OFF")
set_property(CACHE CLEAVE_MPI PROPERTY STRINGS AUTO ON OFF)
option(CLEAVE_RDKIT "Read SMILES through RDKit (Debian librdkit-dev)" ON)
option(CLEAVE_BUILD_TESTS "Build the test suite" ON)
option(CLEAVE_BUILD_BENCH "Build the benchmarks" OFF)
option(CLEAVE_WERROR "Treat warnings as errors" OFF)
option(CLEAVE_BUILD_FUZZ "Build the libFuzzer targets in fuzz/ (clang, CLEAVE_CUDA=OFF)" OFF)
# The Python module cleave._core (python/): AUTO builds it when the configured
# Python (Python_EXECUTABLE, else the first python3 on PATH) can import
# nanobind; `pip install .` (scikit-build-core) turns it ON.
set(CLEAVE_PYTHON AUTO CACHE STRING "Build the Python module: AUTO (when nanobind is importable), ON, OFF")
set_property(CACHE CLEAVE_PYTHON PROPERTY STRINGS AUTO ON OFF)
