#pragma once
/// @file version.hpp
/// @brief The library's version, as recorded in manifests and reports.

namespace cleave {

/// The release version, e.g. "0.1.0" (from the CMake project version).
const char* cleave_version_string();

/// @brief The CUDA architectures the build carries kernels for, as CMake
/// lists them separated by spaces ("80 86 89 90", "90-real"); empty in a
/// build without CUDA.
const char* cleave_cuda_architectures();

}  // namespace cleave
