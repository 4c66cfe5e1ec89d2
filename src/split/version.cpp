/// @file version.cpp
/// @brief The version string that CMake passes as CLEAVE_VERSION_STRING.
#include "cleave/version.hpp"

#ifndef CLEAVE_VERSION_STRING
#define CLEAVE_VERSION_STRING "unknown"
#endif

#ifndef CLEAVE_CUDA_ARCHITECTURES_STRING
#define CLEAVE_CUDA_ARCHITECTURES_STRING ""
#endif

namespace cleave {

const char* cleave_cuda_architectures() {
  return CLEAVE_CUDA_ARCHITECTURES_STRING;
}

const char* cleave_version_string() {
  return CLEAVE_VERSION_STRING;
}

}  // namespace cleave
