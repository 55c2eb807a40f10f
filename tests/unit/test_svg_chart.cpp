#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>

#include "svg_chart.hpp"

using namespace mq::bench;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> labels(const std::vector<Tick>& ticks) {
  std::vector<std::string> texts;
  for (const Tick& tick : ticks)
    texts.push_back(tick.label);
  return texts;
}

// What keeps an axis readable: a few ticks, inside it, in order, none labelled alike.
void check_readable(const Axis& axis, int most) {
  const std::vector<Tick> ticks = axis_ticks(axis, most);
  CAPTURE(axis.low);
  CAPTURE(axis.high);
  CHECK(ticks.size() >= 2);
  CHECK(ticks.size() <= static_cast<std::size_t>(most));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    CHECK(ticks[i].value >= axis.low * (1 - 1e-9));
    CHECK(ticks[i].value <= axis.high * (1 + 1e-9));
    if (i > 0) CHECK(ticks[i].value > ticks[i - 1].value);
    CHECK(seen.insert(ticks[i].label).second);
    CHECK(ticks[i].label.size() <= 10);  // "1 h 30 min"
  }
}

}  // namespace

TEST_CASE("numbers on an axis are short, with SI prefixes") {
  CHECK(short_number(0) == "0");
  CHECK(short_number(1) == "1");
  CHECK(short_number(0.05) == "0.05");
  CHECK(short_number(12.5) == "12.5");
  CHECK(short_number(999) == "999");
  CHECK(short_number(1000) == "1k");
  CHECK(short_number(1500) == "1.5k");
  CHECK(short_number(250'000) == "250k");
  CHECK(short_number(1'000'000) == "1M");
  CHECK(short_number(2.5e10) == "25G");
}

TEST_CASE("durations read as a clock reads them") {
  CHECK(duration_label(0) == "0 s");
  CHECK(duration_label(0.5) == "0.5 s");
  CHECK(duration_label(45) == "45 s");
  CHECK(duration_label(120) == "2 min");
  CHECK(duration_label(150) == "2 min 30 s");
  CHECK(duration_label(5400) == "1 h 30 min");
  CHECK(duration_label(86'400) == "24 h");
}

TEST_CASE("a linear axis of counts has round ticks from 1 to a million messages") {
  for (const double highest : {1.0, 7.0, 10.0, 99.0, 1234.0, 50'000.0, 999'999.0, 1'000'000.0}) {
    const Axis axis = fit_axis({0, highest}, Scale::linear, Unit::number, "messages/s");
    CHECK(axis.low == 0);
    CHECK(axis.high >= highest);
    check_readable(axis, 8);
    check_readable(axis, 6);
  }
  const Axis thousands = fit_axis({0, 2400}, Scale::linear, Unit::number, "messages/s");
  CHECK(labels(axis_ticks(thousands, 8)) == std::vector<std::string>{"0", "500", "1k", "1.5k", "2k", "2.5k"});
}

TEST_CASE("a time axis has ticks at whole seconds, minutes or hours from 1 s to 24 h") {
  for (const double longest :
       {1.0, 3.0, 10.0, 59.0, 61.0, 600.0, 3599.0, 3600.0, 7200.0, 43'200.0, 86'400.0}) {
    const Axis axis = fit_axis({1, longest}, Scale::linear, Unit::seconds, "time");
    check_readable(axis, 7);
    for (const Tick& tick : axis_ticks(axis, 7))
      CHECK(tick.value == std::floor(tick.value));
  }
  const Axis day = fit_axis({1, 86'400}, Scale::linear, Unit::seconds, "time");
  CHECK(labels(axis_ticks(day, 7)) == std::vector<std::string>{"0 s", "6 h", "12 h", "18 h", "24 h"});
  const Axis minutes = fit_axis({1, 300}, Scale::linear, Unit::seconds, "time");
  CHECK(labels(axis_ticks(minutes, 7)) ==
        std::vector<std::string>{"0 s", "1 min", "2 min", "3 min", "4 min", "5 min"});
}

TEST_CASE("a log axis has a tick per power of ten, and 2 and 5 within a single decade") {
  const Axis wide = fit_axis({1, 999'999}, Scale::log, Unit::number, "ms");
  CHECK(labels(axis_ticks(wide, 8)) == std::vector<std::string>{"1", "10", "100", "1k", "10k", "100k", "1M"});
  CHECK(axis_ticks(wide, 4).size() <= 4);
  const Axis narrow = fit_axis({2, 8}, Scale::log, Unit::number, "ms");
  CHECK(labels(axis_ticks(narrow, 6)) == std::vector<std::string>{"1", "2", "5", "10"});
  const Axis tiny = fit_axis({0.012, 0.3}, Scale::log, Unit::number, "ms");
  CHECK(labels(axis_ticks(tiny, 6)) == std::vector<std::string>{"0.01", "0.1", "1"});
}

TEST_CASE("a percentile axis marks 0, 90, 99, 99.9 and 99.99") {
  const Axis axis = fit_axis({}, Scale::tail, Unit::percentile, "percentile");
  CHECK(labels(axis_ticks(axis, 8)) == std::vector<std::string>{"0", "90", "99", "99.9", "99.99"});
}

TEST_CASE("values an axis cannot show are left out of its range") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Axis log = fit_axis({0, -5, nan, inf, 3, 40}, Scale::log, Unit::number, "ms");
  CHECK(log.low == 1);
  CHECK(log.high == 100);
  const Axis empty = fit_axis({nan}, Scale::linear, Unit::number, "x");
  CHECK(empty.low == 0);
  CHECK(empty.high == 1);
  const Axis zeros = fit_axis({0, 0}, Scale::linear, Unit::number, "x");
  CHECK(zeros.high > 0);
  check_readable(zeros, 6);
  const Axis one_value = fit_axis({7, 7}, Scale::log, Unit::number, "ms");
  CHECK(one_value.low == 1);
  CHECK(one_value.high == 10);
}

TEST_CASE("a chart is an SVG with its title, axes, lines and marks, its text escaped") {
  Chart chart;
  chart.title = "p99 <by> \"rate\"";
  chart.x = fit_axis({0, 100}, Scale::linear, Unit::number, "asked");
  chart.y = fit_axis({1, 10}, Scale::log, Unit::number, "ms");
  chart.series.push_back(PlotLine{"a & b", {{0, 1}, {50, 2}, {100, 8}}, 0, false, true});
  chart.levels.push_back({5.0, "--fail-p99 5 ms"});
  chart.marks.push_back({50.0, "limit 50/s"});
  const std::string text = svg(chart);
  CHECK(text.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(contains(text, "<title>p99 &lt;by&gt; &quot;rate&quot;</title>"));
  CHECK(contains(text, "a &amp; b"));
  CHECK(contains(text, "<polyline"));
  CHECK(contains(text, "<circle"));
  CHECK(contains(text, "class=\"level\""));
  CHECK(contains(text, "limit 50/s"));
  CHECK(text.substr(text.size() - 6) == "</svg>");
}

TEST_CASE("a chart without a point it can show is a sentence, not an empty plot") {
  Chart chart;
  chart.title = "Latency";
  chart.x = fit_axis({}, Scale::linear, Unit::seconds, "time");
  chart.y = fit_axis({}, Scale::log, Unit::number, "ms");
  chart.series.push_back(PlotLine{"p99", {{1, 0}, {2, -1}}, 0, false, false});
  const std::string text = svg(chart);
  CHECK_FALSE(contains(text, "<svg"));
  CHECK(contains(text, "Latency: nothing was measured."));
}

TEST_CASE("the largest numbers a result can hold still give a few finite ticks") {
  const double largest = std::numeric_limits<double>::max();
  for (const Scale scale : {Scale::linear, Scale::log}) {
    const Axis axis = fit_axis({0, 1e-300, largest}, scale, Unit::number, "x");
    CHECK(std::isfinite(axis.high));
    const std::vector<Tick> ticks = axis_ticks(axis, 6);
    CHECK(ticks.size() >= 2);
    CHECK(ticks.size() <= 6);
  }
  const Axis far = fit_axis({1e17, 1e17 + 1}, Scale::linear, Unit::seconds, "t");
  CHECK(axis_ticks(far, 6).size() <= 6);
}
