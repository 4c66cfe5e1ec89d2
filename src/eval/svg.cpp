/// @file svg.cpp
/// @brief The SPC plot as hand-written SVG: per metric, score against p and
/// (when known) against measured overlap, with axes, ticks and labels.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cleave/eval.hpp"
#include "eval/text.hpp"

namespace cleave {

namespace {

using detail::eval::fixed;
using detail::eval::xml_escape;

constexpr double kWidth = 1000;
constexpr double kRowHeight = 380;
constexpr double kTop = 50;
constexpr const char* kMean = "#1f5fa8";
constexpr const char* kBand = "#9fc1e6";
constexpr const char* kRepeat = "#555555";

// An axis with "nice" bounds and ticks (steps of 1, 2 or 5 times a power of ten).
struct Axis {
  double lo = 0, hi = 1, step = 0.2;
  int decimals = 1;
};

Axis nice_axis(double lo, double hi, int target = 5) {
  if (!(hi > lo)) {
    double pad = std::abs(lo) > 0 ? std::abs(lo) * 0.1 : 0.5;
    lo -= pad;
    hi += pad;
  }
  double raw = (hi - lo) / target;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / mag;
  double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  Axis a;
  a.step = step;
  a.lo = std::floor(lo / step + 1e-9) * step;
  a.hi = std::ceil(hi / step - 1e-9) * step;
  a.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return a;
}

struct Frame {
  double x0, y0, w, h;
  Axis ax, ay;
  [[nodiscard]] double X(double v) const { return x0 + (v - ax.lo) / (ax.hi - ax.lo) * w; }
  [[nodiscard]] double Y(double v) const { return y0 + h - (v - ay.lo) / (ay.hi - ay.lo) * h; }
};

void draw_frame(std::string& s, const Frame& f, const std::string& xlabel,
                const std::string& ylabel) {
  s += fmt::format(
      R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#ffffff" stroke="none"/>)"
      "\n",
      f.x0, f.y0, f.w, f.h);
  auto ticks = [](const Axis& a) {
    std::vector<double> t;
    for (int i = 0;; ++i) {
      double v = a.lo + i * a.step;
      if (v > a.hi + a.step * 1e-6) break;
      t.push_back(std::abs(v) < a.step * 1e-9 ? 0.0 : v);
    }
    return t;
  };
  s += R"(<g font-size="11" fill="#333333">)"
       "\n";
  for (double v : ticks(f.ax)) {
    double x = f.X(v);
    s += fmt::format(
        R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#e4e4e4"/>)"
        R"(<line x1="{0:.1f}" y1="{2:.1f}" x2="{0:.1f}" y2="{3:.1f}" stroke="#333333"/>)"
        R"(<text x="{0:.1f}" y="{4:.1f}" text-anchor="middle">{5}</text>)"
        "\n",
        x, f.y0, f.y0 + f.h, f.y0 + f.h + 5, f.y0 + f.h + 18, fixed(v, f.ax.decimals));
  }
  for (double v : ticks(f.ay)) {
    double y = f.Y(v);
    s += fmt::format(
        R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" stroke="#e4e4e4"/>)"
        R"(<line x1="{3:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{1:.1f}" stroke="#333333"/>)"
        R"(<text x="{4:.1f}" y="{5:.1f}" text-anchor="end">{6}</text>)"
        "\n",
        f.x0, y, f.x0 + f.w, f.x0 - 5, f.x0 - 8, y + 4, fixed(v, f.ay.decimals));
  }
  s += "</g>\n";
  s += fmt::format(
      R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="none" stroke="#333333"/>)"
      "\n",
      f.x0, f.y0, f.w, f.h);
  s += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="12">{}</text>)"
                   "\n",
                   f.x0 + f.w / 2, f.y0 + f.h + 36, xml_escape(xlabel));
  s += fmt::format(
      R"~(<text transform="translate({:.1f},{:.1f}) rotate(-90)" text-anchor="middle" font-size="12">{}</text>)~"
      "\n",
      f.x0 - 48, f.y0 + f.h / 2, xml_escape(ylabel));
}

double sd0(double sd) {
  return std::isnan(sd) ? 0.0 : sd;
}

// Score range over repeats and mean +- sd.
Axis score_axis(const MetricResult& m) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& p : m.points) {
    for (double v : p.scores) lo = std::min(lo, v), hi = std::max(hi, v);
    lo = std::min(lo, p.mean - sd0(p.sd));
    hi = std::max(hi, p.mean + sd0(p.sd));
  }
  const double pad = 0.04 * (hi - lo);  // keeps points off the frame
  return nice_axis(lo - pad, hi + pad);
}

void draw_vs_p(std::string& s, const MetricResult& m, const Frame& f) {
  draw_frame(s, f, "spectral parameter p", m.metric);
  std::string upper, lower;
  for (const auto& p : m.points)
    upper += fmt::format("{:.1f},{:.1f} ", f.X(p.sp), f.Y(p.mean + sd0(p.sd)));
  for (auto it = m.points.rbegin(); it != m.points.rend(); ++it)
    lower += fmt::format("{:.1f},{:.1f} ", f.X(it->sp), f.Y(it->mean - sd0(it->sd)));
  s += fmt::format(R"(<polygon points="{}{}" fill="{}" fill-opacity="0.45" stroke="none"/>)"
                   "\n",
                   upper, lower, kBand);
  std::string line;
  for (const auto& p : m.points) line += fmt::format("{:.1f},{:.1f} ", f.X(p.sp), f.Y(p.mean));
  s += fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>)"
                   "\n",
                   line, kMean);
  for (const auto& p : m.points) {
    for (double v : p.scores)
      s += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}" fill-opacity="0.55"/>)",
                       f.X(p.sp), f.Y(v), kRepeat);
    s += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"/>)"
                     "\n",
                     f.X(p.sp), f.Y(p.mean), kMean);
  }
}

void draw_vs_overlap(std::string& s, const MetricResult& m, const Frame& f) {
  draw_frame(s, f, "measured overlap (" + m.overlap_column + ")", m.metric);
  std::string line;
  for (const auto& p : m.points) {
    if (std::isnan(p.overlap)) continue;
    line += fmt::format("{:.1f},{:.1f} ", f.X(p.overlap), f.Y(p.mean));
  }
  s += fmt::format(
      R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5" stroke-dasharray="4 3"/>)"
      "\n",
      line, kMean);
  for (const auto& p : m.points) {
    for (std::size_t i = 0; i < p.scores.size(); ++i)
      if (!std::isnan(p.overlaps[i]))
        s += fmt::format(
            R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}" fill-opacity="0.55"/>)",
            f.X(p.overlaps[i]), f.Y(p.scores[i]), kRepeat);
    if (std::isnan(p.overlap)) continue;
    double x = f.X(p.overlap);
    if (!std::isnan(p.sd))
      s += fmt::format(
          R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="1.5"/>)",
          x, f.Y(p.mean - p.sd), f.Y(p.mean + p.sd), kMean);
    s += fmt::format(
        R"(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"><title>p = {}</title></circle>)"
        "\n",
        x, f.Y(p.mean), kMean, fixed(p.sp, 2));
  }
}

std::string title_of(const MetricResult& m) {
  std::string t = fmt::format("{}: AUSPC {}", m.metric, fixed(m.auspc, 4));
  if (!std::isnan(m.ci_low))
    t += fmt::format(" (95% CI {} to {}, {} bootstrap resamples)", fixed(m.ci_low, 4),
                     fixed(m.ci_high, 4), m.bootstrap);
  t += fmt::format(", {} values of p", m.n_points());
  if (!m.points.empty() && (m.p_min > 1e-9 || m.p_max < 1 - 1e-9))
    t += fmt::format(" over [{}, {}]", fixed(m.p_min, 2), fixed(m.p_max, 2));
  if (m.n_undefined > 0) t += fmt::format(", {} undefined score(s) skipped", m.n_undefined);
  return t;
}

}  // namespace

std::string render_spc_svg(const std::vector<MetricResult>& results) {
  const double height = kTop + kRowHeight * static_cast<double>(results.size()) + 10;
  std::string s = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0:.0f}" height="{1:.0f}" viewBox="0 0 {0:.0f} {1:.0f}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">)"
      "\n",
      kWidth, height);
  s += fmt::format(R"(<rect x="0" y="0" width="{:.0f}" height="{:.0f}" fill="#fafafa"/>)"
                   "\n",
                   kWidth, height);
  s += R"(<text x="20" y="28" font-size="17" font-weight="bold">Spectral performance curves</text>)"
       "\n";
  s += fmt::format(
      R"(<g font-size="11"><rect x="{0:.0f}" y="17" width="18" height="10" fill="{1}" fill-opacity="0.45"/>)"
      R"(<text x="{2:.0f}" y="26">mean &#177; 1 sd</text>)"
      R"(<circle cx="{3:.0f}" cy="22" r="3.5" fill="{4}"/><text x="{5:.0f}" y="26">mean</text>)"
      R"(<circle cx="{6:.0f}" cy="22" r="2.5" fill="{7}" fill-opacity="0.55"/><text x="{8:.0f}" y="26">one repeat</text></g>)"
      "\n",
      kWidth - 330, kBand, kWidth - 306, kWidth - 200, kMean, kWidth - 190, kWidth - 130, kRepeat,
      kWidth - 120);
  for (std::size_t r = 0; r < results.size(); ++r) {
    const auto& m = results[r];
    const double top = kTop + kRowHeight * static_cast<double>(r);
    s += "<g>\n";
    s += fmt::format(R"(<text x="20" y="{:.1f}" font-size="14" font-weight="bold">{}</text>)"
                     "\n",
                     top + 20, xml_escape(title_of(m)));
    if (m.points.empty()) {
      s += fmt::format(R"(<text x="80" y="{:.1f}" font-size="12">no defined scores</text>)"
                       "\n",
                       top + 60);
      s += "</g>\n";
      continue;
    }
    const Axis ay = score_axis(m);
    const bool overlap =
        m.has_overlap() && std::any_of(m.points.begin(), m.points.end(),
                                       [](const SpcPoint& p) { return !std::isnan(p.overlap); });
    const double panel_w = overlap ? 380 : kWidth - 130;
    draw_vs_p(s, m, Frame{80, top + 40, panel_w, kRowHeight - 110, nice_axis(0, 1), ay});
    if (overlap) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (const auto& p : m.points)
        for (double o : p.overlaps)
          if (!std::isnan(o)) lo = std::min(lo, o), hi = std::max(hi, o);
      draw_vs_overlap(
          s, m,
          Frame{kWidth - 40 - panel_w, top + 40, panel_w, kRowHeight - 110, nice_axis(lo, hi), ay});
    }
    s += "</g>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace cleave
