#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

// The plots of the HTML report, drawn as SVG text: the axes (where the ticks go and how they
// read, from one message to millions and from a second to a day) and the lines. No I/O.
namespace mq::bench {

/// How values map onto an axis.
enum class Scale {
  linear,
  log,   // powers of ten equally spaced; values at or below 0 are left out
  tail,  // percentiles: 90, 99, 99.9, 99.99 equally spaced (the distance of 100 - p in powers of ten)
};

/// What the numbers on an axis are, which decides round values and labels.
enum class Unit { number, seconds, percentile };

/// A mark on an axis and its label.
struct Tick {
  double value = 0;
  std::string label;
};

/// A value from `low` to `high` and how it is shown.
struct Axis {
  double low = 0;
  double high = 1;
  Scale scale = Scale::linear;
  Unit unit = Unit::number;
  std::string title;  // with the unit, e.g. "messages/s"
};

/// The axis that holds every value in `values` (non-finite ones, and on a log scale those at or
/// below 0, left out): from 0 for a linear scale of positive numbers, rounded out to ticks.
Axis fit_axis(const std::vector<double>& values, Scale scale, Unit unit, std::string title);

/// At most `most` ticks between the axis' ends at round values: 1, 2 or 5 times a power of ten
/// (linear), powers of ten (log, with 2 and 5 within one decade), whole seconds, minutes or
/// hours (seconds), 0, 90, 99, 99.9... (percentiles).
std::vector<Tick> axis_ticks(const Axis& axis, int most);

/// A number in at most four characters with an SI suffix where it helps: 0.05, 12.5, 1.5k, 20M.
std::string short_number(double value);
/// A duration as a clock reads: "45 s", "2 min", "1 h 30 min", "24 h".
std::string duration_label(double seconds);

/// `text` cut to at most `most` characters (not bytes), its end replaced by "…" when cut.
std::string shortened(const std::string& text, std::size_t most);

/// One line of a chart (a series of points).
struct PlotLine {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), in order of x
  int colour = 0;                                 // index into the report's palette
  bool dashed = false;
  bool markers = false;  // a dot at each point (steps, where few points carry much)
};

/// A value marked across or along a chart, with its label.
struct Marker {
  double value = 0;
  std::string label;
};

/// A line chart with levels across it and marks along it; their labels are stacked, one row
/// each, so that close values never print over each other.
struct Chart {
  std::string title;
  Axis x, y;
  std::vector<PlotLine> series;
  std::vector<Marker> levels;  // y values across the plot: service levels
  std::vector<Marker> marks;   // x values along the plot: the limits found
};

/// The chart as an <svg> element, its text escaped; a chart without points says so instead.
std::string svg(const Chart& chart);

/// Text made safe inside HTML and SVG.
std::string escape_html(const std::string& text);

}  // namespace mq::bench
