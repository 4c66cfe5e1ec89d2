#pragma once
/// @file version.hpp
/// @brief The library's version, as recorded in manifests and reports.

namespace cleave {

/// The release version, e.g. "0.1.0" (from the CMake project version).
const char* cleave_version_string();

}  // namespace cleave
