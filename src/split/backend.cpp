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

const std::string& cuda_problem() {
#if CLEAVE_HAVE_CUDA
  static const std::string problem = detail::cuda_device_problem();
#else
  static const std::string problem = "this build has no CUDA support";
#endif
  return problem;
}

bool cuda_available() {
  return cuda_problem().empty();
}

Backend resolve_backend(Backend requested) {
  if (requested == Backend::cpu) return Backend::cpu;
  if (cuda_available()) return Backend::cuda;
    // Only when the cuda backend was asked for, or could have been chosen:
    // one message per process, whichever stage asks first.
#if !CLEAVE_HAVE_CUDA
  if (requested == Backend::automatic) return Backend::cpu;
#endif
  static std::once_flag said;
  std::call_once(said, [] { warn(cuda_problem() + "; using the cpu backend"); });
  return Backend::cpu;
}

}  // namespace cleave
