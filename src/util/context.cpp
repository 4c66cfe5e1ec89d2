// Context: messages of a call go to its own sink when it has one.
#include "cleave/context.hpp"

#include "cleave/util.hpp"

namespace cleave {

void Context::warn(const std::string& message) const {
  if (log)
    log(message);
  else
    cleave::warn(message);
}

}  // namespace cleave
