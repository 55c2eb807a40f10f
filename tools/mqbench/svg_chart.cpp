#include "svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace mq::bench {
namespace {

constexpr double width = 760;
constexpr double plot_left = 70, plot_right = 20, plot_top = 40, plot_height = 240;
constexpr double label_height = 18;        // a line of text
constexpr double pixels_per_x_label = 90;  // room for "1 h 30 min" or "100k"
constexpr double pixels_per_y_label = 36;
constexpr int most_legend_columns = 3;
constexpr double pixels_per_legend_char = 7;  // at the legend's 12 px, wide letters included
constexpr double legend_line_width = 30;      // the sample line before the name
constexpr double highest_percentile = 99.99;

constexpr std::array<const char*, 8> palette{"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                             "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
// Steps of a time axis, in seconds: whole seconds, minutes, hours.
constexpr std::array<double, 18> time_steps{1,   2,   5,    10,   15,   30,    60,    120,   300,
                                            600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};

// How far into the tail a percentile is: 0 for p0, 1 for p90, 2 for p99, 4 for p99.99.
double tail_depth(double percentile) {
  return -std::log10(1 - std::clamp(percentile, 0.0, highest_percentile) / 100);
}

double transformed(const Axis& axis, double value) {
  switch (axis.scale) {
  case Scale::log:
    return std::log10(value);
  case Scale::tail:
    return tail_depth(value);
  default:
    return value;
  }
}

bool shown(const Axis& axis, double value) {
  return std::isfinite(value) && (axis.scale != Scale::log || value > 0);
}

// Where `value` lies between the axis' ends, 0 to 1.
double fraction(const Axis& axis, double value) {
  const double low = transformed(axis, axis.low), high = transformed(axis, axis.high);
  return high > low ? (transformed(axis, value) - low) / (high - low) : 0.5;
}

// The smallest of 1, 2 and 5 times a power of ten at or above `raw`.
double round_step(double raw) {
  const double power = std::pow(10, std::floor(std::log10(raw)));
  for (const double multiple : {1.0, 2.0, 5.0, 10.0})
    if (multiple * power >= raw * (1 - 1e-9)) return multiple * power;
  return 10 * power;
}

// A round step of time at or above `raw` seconds: one of time_steps, or whole days beyond.
double time_step(double raw) {
  for (const double step : time_steps)
    if (step >= raw) return step;
  return std::ceil(raw / 86'400) * 86'400;
}

double step_for(const Axis& axis, int most) {
  const double raw = (axis.high - axis.low) / std::max(1, most - 1);
  if (raw <= 0) return 1;
  return axis.unit == Unit::seconds ? time_step(raw) : round_step(raw);  // whole seconds at least
}

std::string label(const Axis& axis, double value) {
  if (axis.unit == Unit::seconds) return duration_label(value);
  if (axis.unit == Unit::percentile) return fmt::format("{:g}", value);
  return short_number(value);
}

std::vector<Tick> linear_ticks(const Axis& axis, int most) {
  const double step = step_for(axis, most);
  std::vector<Tick> ticks;
  // Counted, so that no range (huge, or where adding a step changes nothing) runs away.
  const double first = std::ceil(axis.low / step - 1e-9);
  for (int k = 0; k < most; ++k) {
    const double value = (first + k) * step + 0.0;  // never -0
    if (value > axis.high * (1 + 1e-9) + 1e-12) break;
    ticks.push_back({value, label(axis, value)});
  }
  return ticks;
}

std::vector<Tick> log_ticks(const Axis& axis, int most) {
  const int first = static_cast<int>(std::floor(std::log10(axis.low) + 1e-9));
  const int last = static_cast<int>(std::ceil(std::log10(axis.high) - 1e-9));
  const int decades = last - first + 1;
  const int stride = std::max(1, (decades + most - 1) / std::max(1, most));
  std::vector<Tick> ticks;
  for (int e = first; e <= last; e += stride) {
    for (const double multiple : {1.0, 2.0, 5.0}) {
      if (multiple != 1 && decades > 2) continue;  // 2 and 5 only where a decade or two fill the axis
      const double value = multiple * std::pow(10, e);
      if (value >= axis.low * (1 - 1e-9) && value <= axis.high * (1 + 1e-9))
        ticks.push_back({value, label(axis, value)});
    }
  }
  return ticks;
}

std::vector<Tick> tail_ticks(const Axis& axis) {
  std::vector<Tick> ticks;
  for (const double percentile : {0.0, 90.0, 99.0, 99.9, 99.99})
    if (percentile >= axis.low && percentile <= axis.high)
      ticks.push_back({percentile, label(axis, percentile)});
  return ticks;
}

double plot_width() { return width - plot_left - plot_right; }
double x_pixel(const Axis& axis, double value) { return plot_left + fraction(axis, value) * plot_width(); }
double y_pixel(const Axis& axis, double value) {
  return plot_top + (1 - fraction(axis, value)) * plot_height;
}

std::string axes(const Chart& chart) {
  std::string text;
  const double bottom = plot_top + plot_height;
  for (const Tick& tick : axis_ticks(chart.y, static_cast<int>(plot_height / pixels_per_y_label))) {
    const double y = y_pixel(chart.y, tick.value);
    text += fmt::format(R"(<line class="grid" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}"/>)", plot_left,
                        y, width - plot_right, y);
    text += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)",
                        plot_left - 6, y + 4, escape_html(tick.label));
  }
  for (const Tick& tick : axis_ticks(chart.x, static_cast<int>(plot_width() / pixels_per_x_label))) {
    const double x = x_pixel(chart.x, tick.value);
    text += fmt::format(R"(<line class="grid" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}"/>)", x,
                        plot_top, x, bottom);
    text += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", x,
                        bottom + 16, escape_html(tick.label));
  }
  text += fmt::format(R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}"/>)", plot_left, plot_top,
                      plot_width(), plot_height);
  text += fmt::format(R"(<text class="axis" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)",
                      plot_left + plot_width() / 2, bottom + 34, escape_html(chart.x.title));
  text += fmt::format(
      R"svg(<text class="axis" transform="translate(16 {:.1f}) rotate(-90)" text-anchor="middle">{}</text>)svg",
      plot_top + plot_height / 2, escape_html(chart.y.title));
  return text;
}

std::string line(const Chart& chart, const PlotLine& series) {
  const char* colour = palette[static_cast<std::size_t>(series.colour) % palette.size()];
  std::string points, dots;
  for (const auto& [x, y] : series.points) {
    if (!shown(chart.x, x) || !shown(chart.y, y)) continue;
    const double px = x_pixel(chart.x, x), py = y_pixel(chart.y, y);
    points += fmt::format("{:.1f},{:.1f} ", px, py);
    if (series.markers)
      dots += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)", px, py, colour);
  }
  return fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>)", colour,
                     series.dashed ? R"( stroke-dasharray="6 4")" : "", points) +
         dots;
}

// A level's label sits above its line at the right; a mark's beside its line, from the top of
// the plot down, a row each, so that close limits never print over each other. A level label
// that would cover the one before moves up a row.
std::string levels_and_marks(const Chart& chart) {
  std::string text;
  double previous_label = plot_top + plot_height + label_height;
  std::vector<Marker> levels = chart.levels;
  std::sort(levels.begin(), levels.end(), [](const Marker& a, const Marker& b) { return a.value < b.value; });
  for (const Marker& level : levels) {
    if (!shown(chart.y, level.value)) continue;
    const double y = y_pixel(chart.y, std::clamp(level.value, chart.y.low, chart.y.high));
    const double label_y = std::max(plot_top + 12, std::min(y - 4, previous_label - label_height));
    previous_label = label_y;
    text += fmt::format(R"(<line class="level" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>)", plot_left, y,
                        width - plot_right, y);
    text += fmt::format(R"(<text class="level-label" x="{}" y="{:.1f}" text-anchor="end">{}</text>)",
                        width - plot_right - 4, label_y, escape_html(level.label));
  }
  double row = plot_top + 14;
  for (const Marker& mark : chart.marks) {
    if (!shown(chart.x, mark.value)) continue;
    const double x = x_pixel(chart.x, std::clamp(mark.value, chart.x.low, chart.x.high));
    const bool label_left = x > plot_left + plot_width() / 2;
    text += fmt::format(R"(<line class="mark" x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/>)", x, plot_top, x,
                        plot_top + plot_height);
    text +=
        fmt::format(R"(<text class="mark-label" x="{:.1f}" y="{:.1f}" text-anchor="{}">{}</text>)",
                    label_left ? x - 4 : x + 4, row, label_left ? "end" : "start", escape_html(mark.label));
    row += label_height;
  }
  return text;
}

// The characters a legend name has room for in one of `columns` columns.
double legend_room(int columns) {
  return (plot_width() / columns - legend_line_width - 8) / pixels_per_legend_char;
}

// Characters as they show, not UTF-8 bytes.
std::size_t legend_characters(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// As many legend columns (three at most) as the longest name leaves room for.
int legend_columns(const Chart& chart) {
  std::size_t longest = 0;
  for (const PlotLine& series : chart.series)
    longest = std::max(longest, legend_characters(series.name));
  for (int columns = most_legend_columns; columns > 1; --columns)
    if (static_cast<double>(longest) <= legend_room(columns)) return columns;
  return 1;
}

std::string legend(const Chart& chart, double top) {
  std::string text;
  const int columns = legend_columns(chart);
  const double column_width = plot_width() / columns;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const PlotLine& series = chart.series[i];
    const double x = plot_left + static_cast<double>(i % static_cast<std::size_t>(columns)) * column_width;
    const double y = top + static_cast<double>(i / static_cast<std::size_t>(columns)) * label_height;
    text += fmt::format(
        R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="3"{}/>)", x, y - 4,
        x + 24, y - 4, palette[static_cast<std::size_t>(series.colour) % palette.size()],
        series.dashed ? R"( stroke-dasharray="6 4")" : "");
    text += fmt::format(R"(<text class="legend" x="{:.1f}" y="{:.1f}"><title>{}</title>{}</text>)",
                        x + legend_line_width, y, escape_html(series.name),
                        escape_html(shortened(series.name, static_cast<std::size_t>(legend_room(columns)))));
  }
  return text;
}

bool has_points(const Chart& chart) {
  for (const PlotLine& series : chart.series)
    for (const auto& [x, y] : series.points)
      if (shown(chart.x, x) && shown(chart.y, y)) return true;
  return false;
}

}  // namespace

Axis fit_axis(const std::vector<double>& values, Scale scale, Unit unit, std::string title) {
  Axis axis{0, 1, scale, unit, std::move(title)};
  std::vector<double> kept;
  for (const double value : values)
    if (shown(axis, value)) kept.push_back(value);
  if (scale == Scale::tail) {
    axis.high = highest_percentile;
    return axis;
  }
  const auto [lowest, highest] = std::minmax_element(kept.begin(), kept.end());
  if (scale == Scale::log) {
    const double low = kept.empty() ? 1 : *lowest, high = kept.empty() ? 10 : *highest;
    axis.low = std::pow(10, std::floor(std::log10(low)));
    axis.high = std::min(std::pow(10, std::ceil(std::log10(high))), std::numeric_limits<double>::max());
    if (axis.high <= axis.low) axis.high = axis.low * 10;
    return axis;
  }
  axis.low = kept.empty() ? 0 : std::min(0.0, *lowest);
  axis.high = kept.empty() ? 1 : *highest;
  if (axis.high <= axis.low)
    axis.high = axis.low + (unit == Unit::seconds ? 1 : std::max(1.0, std::abs(axis.low)));
  const double step = step_for(axis, 6);
  const double rounded = std::ceil(axis.high / step - 1e-9) * step;
  if (std::isfinite(rounded)) axis.high = rounded;  // near the largest double, rounding up overflows
  return axis;
}

std::vector<Tick> axis_ticks(const Axis& axis, int most) {
  most = std::max(2, most);
  switch (axis.scale) {
  case Scale::log:
    return log_ticks(axis, most);
  case Scale::tail:
    return tail_ticks(axis);
  default:
    return linear_ticks(axis, most);
  }
}

std::string short_number(double value) {
  if (value == 0 || !std::isfinite(value)) return value == 0 ? "0" : fmt::format("{}", value);
  constexpr std::array<std::pair<double, const char*>, 4> prefixes{
      {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
  for (const auto& [size, prefix] : prefixes)
    if (std::abs(value) >= size * (1 - 1e-9)) return fmt::format("{:.3g}{}", value / size, prefix);
  return fmt::format("{:.3g}", value);
}

std::string duration_label(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 1) return fmt::format("{:g} s", seconds);
  const auto whole = static_cast<long long>(std::llround(seconds));
  const long long hours = whole / 3600, minutes = whole / 60 % 60, rest = whole % 60;
  std::string text;
  const auto add = [&text](long long count, const char* unit) {
    if (count == 0) return;
    text += fmt::format("{}{} {}", text.empty() ? "" : " ", count, unit);
  };
  add(hours, "h");
  add(minutes, "min");
  add(rest, "s");
  return text.empty() ? "0 s" : text;
}

std::string svg(const Chart& chart) {
  if (!has_points(chart))
    return fmt::format(R"(<p class="empty">{}: nothing was measured.</p>)", escape_html(chart.title));
  const double legend_top = plot_top + plot_height + 62;
  const auto columns = static_cast<std::size_t>(legend_columns(chart));
  const auto legend_rows = static_cast<double>((chart.series.size() + columns - 1) / columns);
  const double height = legend_top + legend_rows * label_height;
  std::string text = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img">)",
      width, height);
  text += fmt::format("<title>{}</title>", escape_html(chart.title));
  text += fmt::format(R"(<text class="chart-title" x="{}" y="22">{}</text>)", plot_left,
                      escape_html(chart.title));
  text += axes(chart);
  for (const PlotLine& series : chart.series)
    text += line(chart, series);
  text += levels_and_marks(chart);
  text += legend(chart, legend_top);
  return text + "</svg>";
}

std::string shortened(const std::string& text, std::size_t most) {
  std::size_t characters = 0, cut = text.size();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // inside a character
    if (characters == (most > 0 ? most - 1 : 0)) cut = i;
    if (++characters > most) return text.substr(0, cut) + "…";
  }
  return text;
}

std::string escape_html(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
    case '&':
      escaped += "&amp;";
      break;
    case '<':
      escaped += "&lt;";
      break;
    case '>':
      escaped += "&gt;";
      break;
    case '"':
      escaped += "&quot;";
      break;
    case '\'':
      escaped += "&#39;";
      break;
    default:
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace mq::bench
