/// @file backend.cpp
/// @brief Backend names and run-time selection (cuda only with a usable device).
#include <mutex>
#include <string>

#include "cleave/error.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "split/engine.hpp"

namespace cleave {

const char* backend_name(Backend b) {
  switch (b) {
    case Backend::automatic:
      return "auto";
    case Backend::cpu:
      return "cpu";
    case Backend::cuda:
      return "cuda";
  }
  return "unknown";
}

Backend backend_from_name(const std::string& name) {
  if (name == "auto" || name == "automatic") return Backend::automatic;
  if (name == "cpu") return Backend::cpu;
  if (name == "cuda" || name == "gpu") return Backend::cuda;
  CLEAVE_FAIL(invalid_argument, "unknown backend '{}' (expected auto, cpu or cuda)", name);
}

bool cuda_available() {
#if CLEAVE_HAVE_CUDA
  static const bool usable = detail::cuda_device_usable();
  return usable;
#else
  return false;
#endif
}

Backend resolve_backend(Backend requested) {
  if (requested == Backend::cpu) return Backend::cpu;
  if (cuda_available()) return Backend::cuda;
#if CLEAVE_HAVE_CUDA
  if (requested == Backend::automatic) {
    // A CUDA build on a machine without a usable GPU: say so, once.
    static std::once_flag said;
    std::call_once(said, [] { warn("no usable CUDA device; the split runs on the cpu backend"); });
  }
#endif
  if (requested == Backend::cuda) {
#if CLEAVE_HAVE_CUDA
    warn("backend cuda requested but no CUDA device is usable; using cpu");
#else
    warn("backend cuda requested but this build has no CUDA support; using cpu");
#endif
  }
  return Backend::cpu;
}

}  // namespace cleave
