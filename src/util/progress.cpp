// Progress: a redrawn bar on a terminal, a line every few seconds in a log.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include <omp.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/util.hpp"

namespace cleave {
namespace {
std::atomic<bool> g_quiet{false};
std::mutex g_draw_mutex;
std::mutex g_warn_mutex;
WarningSink g_sink;
thread_local const CallHooks* t_hooks = nullptr;

double now_s() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::string fmt_duration(double s) {
  if (s < 0 || s > 1e7) return "?";
  auto t = static_cast<long>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t / 60) % 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}
}  // namespace

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)),
      total_(total),
      start_(now_s()),
      tty_(::isatty(2) != 0),
      hooks_(t_hooks) {}

Progress::~Progress() {
  finish();
}

void Progress::set_quiet(bool quiet) {
  g_quiet = quiet;
}
bool Progress::quiet() {
  return g_quiet;
}

void Progress::advance(uint64_t n) {
  std::lock_guard lock(g_draw_mutex);
  done_ += n;
  draw(false);
}

void Progress::finish() {
  std::lock_guard lock(g_draw_mutex);
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  if (hooks_ && (hooks_->progress || !hooks_->bars)) {
    // A caller's progress callback, at most every 0.1 s and once at the end.
    if (!hooks_->progress) return;
    const double t = now_s();
    if (!final && last_draw_ >= 0 && t - last_draw_ < 0.1) return;
    last_draw_ = t;
    hooks_->progress(label_, final ? total_ : done_, total_);
    return;
  }
  if (g_quiet) return;
  double t = now_s();
  double since = t - last_draw_;
  if (!final && last_draw_ >= 0 && since < (tty_ ? 0.2 : 5.0)) return;
  if (final && last_draw_ < 0 && t - start_ < 0.5) return;  // too quick to be worth a line
  last_draw_ = t;
  double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  double elapsed = t - start_;
  double eta = frac > 0 ? elapsed * (1 - frac) / frac : -1;
  if (tty_) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%-18s [%s] %5.1f%% %s/%s  elapsed %s  eta %s%s", label_.c_str(),
                 bar.c_str(), 100 * frac, fmt::to_string(done_).c_str(),
                 fmt::to_string(total_).c_str(), fmt_duration(elapsed).c_str(),
                 final ? "0s" : fmt_duration(eta).c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s: %s/%s (%.1f%%) elapsed %s eta %s\n", label_.c_str(),
                 fmt::to_string(done_).c_str(), fmt::to_string(total_).c_str(), 100 * frac,
                 fmt_duration(elapsed).c_str(), final ? "0s" : fmt_duration(eta).c_str());
  }
  std::fflush(stderr);
}

void set_warning_sink(WarningSink sink) {
  std::lock_guard lock(g_warn_mutex);
  g_sink = std::move(sink);
}

ScopedCallHooks::ScopedCallHooks(const CallHooks* hooks) : previous_(t_hooks) {
  t_hooks = hooks;
}
ScopedCallHooks::~ScopedCallHooks() {
  t_hooks = previous_;
}

const CallHooks* current_call_hooks() {
  return t_hooks;
}

void check_cancelled(const CallHooks* hooks) {
  if (hooks && hooks->cancelled && hooks->cancelled()) CLEAVE_FAIL(cancelled, "cancelled");
}

void warn(const std::string& message) {
  if (t_hooks) {
    if (t_hooks->log) t_hooks->log(message);
    return;
  }
  std::lock_guard lock(g_warn_mutex);
  if (g_sink) {
    g_sink(message);
    return;
  }
  std::fprintf(stderr, "cleave: warning: %s\n", message.c_str());
}

void set_num_threads(int n) {
  omp_set_num_threads(n > 0 ? n : omp_get_num_procs());
}
int num_threads() {
  return omp_get_max_threads();
}

}  // namespace cleave
