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

namespace {
CallHooks hooks_of(const Context& ctx) {
  return CallHooks{ctx.on_progress, ctx.cancelled, ctx.log, ctx.progress};
}
bool has_hooks(const Context& ctx) {
  return ctx.on_progress || ctx.cancelled || ctx.log;
}
}  // namespace

ContextScope::ContextScope(const Context& ctx)
    : hooks_(hooks_of(ctx)), scope_(has_hooks(ctx) ? &hooks_ : current_call_hooks()) {}

}  // namespace cleave
