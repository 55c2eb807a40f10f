#include "html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "find_max.hpp"
#include "mq/version.hpp"
#include "svg_chart.hpp"

namespace mq::bench {
namespace {

constexpr const char* style = R"(
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
div.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; vertical-align: top; }
td { white-space: nowrap; font-variant-numeric: tabular-nums; }
th { max-width: 16em; overflow-wrap: anywhere; }
th:first-child, th.text, td.text { text-align: left; }
td.text { white-space: normal; overflow-wrap: anywhere; min-width: 8em; max-width: 36em; }
details { margin: 0.3em 0; } summary { cursor: pointer; }
tr:target, details:target { background: #fff6d5; }
thead th { background: #f3f3f3; }
.failed { color: #b00020; font-weight: bold; } .passed { color: #1b7f2a; }
svg.chart { display: block; margin: 1em 0; max-width: 100%; height: auto; }
svg .chart-title { font-weight: bold; font-size: 15px; }
svg .tick, svg .legend, svg .level-label, svg .mark-label { font-size: 12px; fill: #333; }
svg .axis { font-size: 13px; fill: #222; }
svg .grid { stroke: #e4e4e4; } svg .frame { fill: none; stroke: #999; }
svg .level { stroke: #b00020; stroke-dasharray: 4 3; } svg .level-label { fill: #b00020; }
svg .mark { stroke: #1b7f2a; stroke-width: 2; } svg .mark-label { fill: #1b7f2a; font-weight: bold; }
p.empty { color: #777; font-style: italic; }
)";

// The HDR histograms of a run, as the percentile curve names them.
struct LatencyKind {
  const char* name;
  const Histogram Results::*histogram;
};
constexpr LatencyKind latency_kinds[] = {{"end-to-end", &Results::latency},
                                         {"acknowledgement", &Results::ack_latency},
                                         {"connect", &Results::connect_latency},
                                         {"reconnect", &Results::reconnect_latency}};

double ms(std::uint64_t microseconds) { return static_cast<double>(microseconds) / 1000.0; }

std::string cell(const std::string& text) { return "<td>" + escape_html(text) + "</td>"; }
// A table in a box that scrolls sideways on a narrow screen instead of running over the page.
std::string scrolling(const std::string& table) { return "<div class=\"table\">" + table + "</div>"; }
std::string text_cell(const std::string& text) { return "<td class=\"text\">" + escape_html(text) + "</td>"; }

std::string heading_row(const std::vector<NamedResults>& runs, const char* first) {
  std::string row = fmt::format("<thead><tr><th>{}</th>", first);
  for (const NamedResults& run : runs)
    row += "<th>" + escape_html(run.name) + "</th>";
  return row + "</tr></thead>";
}

// Every setting any run has, a row each, a column per run.
std::string settings_table(const std::vector<NamedResults>& runs) {
  std::map<std::string, std::vector<std::string>> rows;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    for (const auto& [key, value] : runs[i].results.settings.items()) {
      std::vector<std::string>& row = rows[key];
      row.resize(runs.size());
      row[i] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  std::string table = "<table>" + heading_row(runs, "setting");
  for (auto& [key, values] : rows) {
    values.resize(runs.size());
    table += "<tr>" + text_cell(key);
    for (const std::string& value : values)
      table += text_cell(value);
    table += "</tr>";
  }
  return table + "</table>";
}

// What the summary compares, one number per run each.
struct Metric {
  const char* name;
  double (*value)(const Results&);
  int decimals;
  bool of_messages = false;  // left out when every run is conn's
};

const Metric metrics[] = {
    {"measured, s", [](const Results& r) { return r.measured_seconds; }, 2, true},
    {"sent", [](const Results& r) { return static_cast<double>(r.totals.sent); }, 0, true},
    {"sent/s", [](const Results& r) { return r.rates.sent; }, 1, true},
    {"acknowledged/s", [](const Results& r) { return r.rates.acked; }, 1, true},
    {"received/s", [](const Results& r) { return r.rates.received; }, 1, true},
    {"connections made", [](const Results& r) { return static_cast<double>(r.totals.connections_made); }, 0},
    {"connections/s", [](const Results& r) { return r.rates.connects; }, 1},
    {"lost", [](const Results& r) { return static_cast<double>(r.totals.lost); }, 0, true},
    {"duplicated", [](const Results& r) { return static_cast<double>(r.totals.duplicated); }, 0, true},
    {"errors", [](const Results& r) { return static_cast<double>(r.totals.errors()); }, 0},
    {"latency p50, ms", [](const Results& r) { return ms(r.main_latency().percentile(50)); }, 3},
    {"latency p99, ms", [](const Results& r) { return ms(r.main_latency().percentile(99)); }, 3},
    {"latency p99.9, ms", [](const Results& r) { return ms(r.main_latency().percentile(99.9)); }, 3},
    {"latency max, ms", [](const Results& r) { return ms(r.main_latency().max()); }, 3},
    {"find-max limit, /s",
     [](const Results& r) {
       const Step* limit = limit_step(r.steps);
       return limit ? limit->asked : std::nan("");
     },
     -1},
};

bool only_connections(const std::vector<NamedResults>& runs) {
  return std::all_of(runs.begin(), runs.end(),
                     [](const NamedResults& run) { return run.results.scenario == "conn"; });
}

bool no_conn_runs(const std::vector<NamedResults>& runs) {
  return std::none_of(runs.begin(), runs.end(),
                      [](const NamedResults& run) { return run.results.scenario == "conn"; });
}

// What the rates of `runs` count: connections, messages, or both.
const char* rate_unit(const std::vector<NamedResults>& runs) {
  if (only_connections(runs)) return "connections/s";
  return no_conn_runs(runs) ? "messages/s" : "per second";
}

// The metrics that apply to `runs`.
std::vector<const Metric*> shown_metrics(const std::vector<NamedResults>& runs) {
  std::vector<const Metric*> shown;
  for (const Metric& metric : metrics)
    if (!metric.of_messages || !only_connections(runs)) shown.push_back(&metric);
  return shown;
}

}  // namespace

std::string grouped_number(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  std::string text = fmt::format("{:.{}f}", std::abs(value), decimals);
  const std::size_t point = text.find('.');
  for (std::size_t digits = point == std::string::npos ? text.size() : point; digits > 3; digits -= 3)
    text.insert(digits - 3, 1, ',');
  return (value < 0 && text.find_first_not_of("0.,") != std::string::npos ? "-" : "") + text;
}

namespace {

// `decimals` below 0: a rate, with three significant digits below 100 (a limit of 2.93/s).
std::string number(double value, int decimals) {
  if (decimals < 0 && std::isfinite(value) && std::abs(value) < 100) return rate_text(value);
  return grouped_number(value, std::max(decimals, 0));
}

std::string summary_table(const std::vector<NamedResults>& runs) {
  std::string table = "<table>" + heading_row(runs, "");
  for (const Metric* metric : shown_metrics(runs)) {
    table += "<tr>" + text_cell(metric->name);
    for (const NamedResults& run : runs)
      table += cell(number(metric->value(run.results), metric->decimals));
    table += "</tr>";
  }
  return table + "</table>";
}

// Each run against the first, in percent of the first's value.
std::string differences_table(const std::vector<NamedResults>& runs) {
  std::string table =
      fmt::format("<table><thead><tr><th>compared with {}</th>", escape_html(runs.front().name));
  for (std::size_t i = 1; i < runs.size(); ++i)
    table += "<th>" + escape_html(runs[i].name) + "</th>";
  table += "</tr></thead>";
  for (const Metric* metric : shown_metrics(runs)) {
    const double base = metric->value(runs.front().results);
    table += "<tr>" + text_cell(metric->name);
    for (std::size_t i = 1; i < runs.size(); ++i) {
      const double value = metric->value(runs[i].results);
      const double change = value - base;
      std::string text = number(change, metric->decimals);
      if (std::isfinite(change) && change > 0) text = "+" + text;
      if (std::isfinite(change) && base != 0) text += fmt::format(" ({:+.1f}%)", 100 * change / base);
      table += cell(text);
    }
    table += "</tr>";
  }
  return table + "</table>";
}

std::string errors_and_gates(const NamedResults& run) {
  const Results& results = run.results;
  std::string text;
  if (!results.totals.errors_by_cause.empty()) {
    text += fmt::format(
        "<p>Errors of {} by cause:</p><table><thead><tr><th>cause</th><th>count</th></tr></thead>",
        escape_html(run.name));
    for (const auto& [cause, count] : results.totals.errors_by_cause)
      text += "<tr>" + text_cell(cause) + cell(number(static_cast<double>(count), 0)) + "</tr>";
    text += "</table>";
  }
  for (const Gate& gate : results.gates)
    text += fmt::format("<p class=\"{}\">{}: {} {}</p>", gate.passed ? "passed" : "failed",
                        escape_html(run.name), gate.passed ? "passed" : "FAILED", escape_html(gate.detail));
  return text;
}

std::string series_name(const std::vector<NamedResults>& runs, std::size_t run, const std::string& what) {
  return runs.size() == 1 ? what : fmt::format("{}: {}", runs[run].name, what);
}

// p0 to p99.99, from the HDR histograms, on the percentile axis's equal steps into the tail.
Chart latency_curve(const std::vector<NamedResults>& runs) {
  Chart chart;
  chart.title = "Latency by percentile";
  std::vector<double> latencies;
  int colour = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    for (const LatencyKind& kind : latency_kinds) {
      const Histogram& histogram = runs[i].results.*kind.histogram;
      if (histogram.empty()) continue;
      PlotLine series{series_name(runs, i, kind.name), {}, colour++, false, false};
      for (int step = 0; step <= 80; ++step) {
        const double percentile = 100 * (1 - std::pow(10, -step / 20.0));
        const double value = ms(step == 0 ? histogram.min() : histogram.percentile(percentile));
        series.points.emplace_back(std::min(percentile, 99.99), value);
        latencies.push_back(value);
      }
      chart.series.push_back(std::move(series));
    }
  }
  chart.x = fit_axis({}, Scale::tail, Unit::percentile, "percentile");
  chart.y = fit_axis(latencies, Scale::log, Unit::number, "latency, ms (log scale)");
  return chart;
}

// What a run counts each second, by its scenario: conn the connects, pub the acknowledgements,
// sub the receipts, pubsub (and merged mixes) the messages sent and received.
struct SecondCounts {
  const char* sent;     // nullptr: not drawn
  const char* arrived;  // what the second line counts
  std::uint64_t SecondSample::*arrived_count;
};

SecondCounts counts_of(const Results& results) {
  if (results.scenario == "conn") return {nullptr, "connects/s", &SecondSample::connects};
  if (results.scenario == "pub") return {"sent/s", "acknowledged/s", &SecondSample::acked};
  if (results.scenario == "sub") return {nullptr, "received/s", &SecondSample::received};
  return {"sent/s", "received/s", &SecondSample::received};
}

// A per-second chart's axes: time across, and up the range of every point its lines hold and of
// `levels` (the rates asked, drawn across it).
void fit_over_time(Chart& chart, Scale scale, std::string title, std::vector<double> levels = {}) {
  std::vector<double> times, values = std::move(levels);
  for (const PlotLine& line : chart.series)
    for (const auto& [t, value] : line.points) {
      times.push_back(t);
      values.push_back(value);
    }
  chart.x = fit_axis(times, Scale::linear, Unit::seconds, "time since the first connection");
  chart.y = fit_axis(values, scale, Unit::number, std::move(title));
}

Chart rates_over_time(const std::vector<NamedResults>& runs) {
  Chart chart;
  chart.title = "Rates per second";
  int colour = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Results& results = runs[i].results;
    const SecondCounts counts = counts_of(results);
    PlotLine sent{series_name(runs, i, counts.sent ? counts.sent : ""), {}, colour++, true, false};
    PlotLine arrived{series_name(runs, i, counts.arrived), {}, colour++, false, false};
    for (const SecondSample& sample : results.series) {
      const auto t = static_cast<double>(sample.t);
      const auto count = static_cast<double>(sample.*counts.arrived_count);
      sent.points.emplace_back(t, static_cast<double>(sample.sent));
      arrived.points.emplace_back(t, count);
    }
    if (counts.sent) chart.series.push_back(std::move(sent));
    chart.series.push_back(std::move(arrived));
  }
  fit_over_time(chart, Scale::linear, rate_unit(runs));
  return chart;
}

// The p50 and p99 of each second: of the connects for conn, end-to-end for the others.
Chart latency_over_time(const std::vector<NamedResults>& runs) {
  Chart chart;
  const bool connects = only_connections(runs);
  chart.title = connects ? "Connect latency per second" : "End-to-end latency per second";
  int colour = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const bool conn = runs[i].results.scenario == "conn";
    const char* what = conn && !connects ? "connect " : "";
    PlotLine p50{series_name(runs, i, fmt::format("{}p50", what)), {}, colour++, false, false};
    PlotLine p99{series_name(runs, i, fmt::format("{}p99", what)), {}, colour++, true, false};
    for (const SecondSample& sample : runs[i].results.series) {
      const auto& median = conn ? sample.connect_p50_us : sample.p50_us;
      const auto& tail = conn ? sample.connect_p99_us : sample.p99_us;
      if (!median) continue;
      const auto t = static_cast<double>(sample.t);
      p50.points.emplace_back(t, ms(*median));
      p99.points.emplace_back(t, ms(tail.value_or(0)));
    }
    chart.series.push_back(std::move(p50));
    chart.series.push_back(std::move(p99));
  }
  fit_over_time(chart, Scale::log, "latency, ms (log scale)");
  return chart;
}

// The limit of one --fail-* option the steps of `results` were judged by, if any.
std::optional<double> step_limit(const Results& results, const char* option) {
  for (const Step& step : results.steps)
    for (const Gate& gate : step.results.gates)
      if (gate.option == option) return gate.limit;
  return std::nullopt;
}

// A marker named after its run when several are compared.
void add_marker(std::vector<Marker>& markers, const std::vector<NamedResults>& runs, std::size_t run,
                double value, const std::string& label) {
  const std::string name = series_name(runs, run, label);
  for (const Marker& marker : markers)
    if (marker.value == value && marker.label.find(label) != std::string::npos)
      return;  // the same level again
  markers.push_back({value, name});
}

// The steps of --find-max: what each achieved, and its p99, against the rate it asked for; the
// least a step must achieve and the --fail-p99 and --fail-rate levels drawn, each limit marked.
std::pair<Chart, Chart> find_max_charts(const std::vector<NamedResults>& runs) {
  const char* unit = rate_unit(runs);
  Chart achieved, latency;
  achieved.title = "Find-max: rate achieved against rate asked";
  latency.title = "Find-max: p99 latency against rate asked";
  std::vector<double> asked, rates, p99s;
  int colour = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Results& results = runs[i].results;
    if (results.steps.empty()) continue;
    std::vector<const Step*> ordered;
    for (const Step& step : results.steps)
      ordered.push_back(&step);
    std::sort(ordered.begin(), ordered.end(),
              [](const Step* a, const Step* b) { return a->asked < b->asked; });
    PlotLine rate{series_name(runs, i, "achieved/s"), {}, colour, false, true};
    PlotLine p99{series_name(runs, i, "p99"), {}, colour, false, true};
    ++colour;
    for (const Step* step : ordered) {
      rate.points.emplace_back(step->asked, step->results.main_rate());
      asked.push_back(step->asked);
      rates.push_back(step->results.main_rate());
      if (step->results.main_latency().empty()) continue;
      p99.points.emplace_back(step->asked, ms(step->results.main_latency().percentile(99)));
      p99s.push_back(p99.points.back().second);
    }
    achieved.series.push_back(std::move(rate));
    latency.series.push_back(std::move(p99));
    if (const Step* limit = limit_step(results.steps)) {
      const std::string label = fmt::format("limit {}/s", rate_text(limit->asked));
      add_marker(achieved.marks, runs, i, limit->asked, label);
      add_marker(latency.marks, runs, i, limit->asked, label);
    }
    if (const auto level = step_limit(results, "--fail-p99")) {
      add_marker(latency.levels, runs, i, *level, fmt::format("--fail-p99 {:g} ms", *level));
      p99s.push_back(*level);
    }
    if (const auto level = step_limit(results, "--fail-rate")) {
      add_marker(achieved.levels, runs, i, *level, fmt::format("--fail-rate {:g}/s", *level));
      rates.push_back(*level);
    }
  }
  if (!asked.empty()) {
    const double highest = *std::max_element(asked.begin(), asked.end());
    achieved.series.push_back(PlotLine{"asked", {{0, 0}, {highest, highest}}, colour++, true, false});
    achieved.series.push_back(PlotLine{fmt::format("must achieve: {:.0f}% of asked", kept_rate_share * 100),
                                       {{0, 0}, {highest, highest * kept_rate_share}},
                                       colour,
                                       true,
                                       false});
  }
  rates.insert(rates.end(), asked.begin(), asked.end());
  achieved.x = latency.x = fit_axis(asked, Scale::linear, Unit::number, fmt::format("rate asked, {}", unit));
  achieved.y = fit_axis(rates, Scale::linear, Unit::number, fmt::format("rate achieved, {}", unit));
  latency.y = fit_axis(p99s, Scale::log, Unit::number, "p99 latency, ms (log scale)");
  return {achieved, latency};
}

bool any_churn(const std::vector<NamedResults>& runs) {
  return std::any_of(runs.begin(), runs.end(), [](const NamedResults& run) { return run.results.churn; });
}

// What the table of conn --churn shows of each run that churned.
struct ChurnMetric {
  const char* name;
  double (*value)(const Churn&, const Histogram& reconnect_latency);
  int decimals;
};

double as_double(std::uint64_t count) { return static_cast<double>(count); }

// A percentile of the reconnect latency in ms, not a number when none was measured.
double reconnect_ms(const Histogram& latency, double percentile) {
  return latency.empty() ? std::nan("") : ms(latency.percentile(percentile));
}

const ChurnMetric churn_metrics[] = {
    {"asked/s", [](const Churn& c, const Histogram&) { return c.asked_per_s; }, -1},
    {"made/s", [](const Churn& c, const Histogram&) { return c.made_per_s(); }, -1},
    {"churned for, s", [](const Churn& c, const Histogram&) { return c.seconds; }, 2},
    {"asked", [](const Churn& c, const Histogram&) { return as_double(c.asked); }, 0},
    {"started", [](const Churn& c, const Histogram&) { return as_double(c.started); }, 0},
    {"made", [](const Churn& c, const Histogram&) { return as_double(c.made); }, 0},
    {"failed", [](const Churn& c, const Histogram&) { return as_double(c.failed); }, 0},
    {"never started (behind schedule)",
     [](const Churn& c, const Histogram&) {
       return as_double(c.asked > c.started ? c.asked - c.started : 0);
     },
     0},
    {"most behind schedule, s", [](const Churn& c, const Histogram&) { return c.most_behind_s; }, 3},
    {"reconnect latency p50, ms", [](const Churn&, const Histogram& l) { return reconnect_ms(l, 50); }, 3},
    {"reconnect latency p99, ms", [](const Churn&, const Histogram& l) { return reconnect_ms(l, 99); }, 3},
    {"reconnect latency max, ms",
     [](const Churn&, const Histogram& l) { return l.empty() ? std::nan("") : ms(l.max()); }, 3},
};

// The reconnects asked and made, a column per run (a dash for a run that did not churn).
std::string churn_table(const std::vector<NamedResults>& runs) {
  std::string table = "<table>" + heading_row(runs, "reconnects") + "<tr>" + text_cell("closed by");
  for (const NamedResults& run : runs)
    table += text_cell(run.results.churn ? run.results.churn->close : "-");
  table += "</tr>";
  for (const ChurnMetric& metric : churn_metrics) {
    table += "<tr>" + text_cell(metric.name);
    for (const NamedResults& run : runs) {
      const std::optional<Churn>& churn = run.results.churn;
      table +=
          cell(churn ? number(metric.value(*churn, run.results.reconnect_latency), metric.decimals) : "-");
    }
    table += "</tr>";
  }
  return table + "</table>";
}

// The reopenings of one run that failed, by cause; nothing when none did.
std::string churn_failures(const NamedResults& run) {
  if (!run.results.churn || run.results.churn->failures_by_cause.empty()) return {};
  std::string table = fmt::format("<p>Reconnects of {} that failed, by cause:</p>", escape_html(run.name)) +
                      "<table><thead><tr><th>cause</th><th>count</th></tr></thead>";
  for (const auto& [cause, failures] : run.results.churn->failures_by_cause)
    table += "<tr>" + text_cell(cause) + cell(number(as_double(failures), 0)) + "</tr>";
  return table + "</table>";
}

bool any_churn_seconds(const std::vector<NamedResults>& runs) {
  return std::any_of(runs.begin(), runs.end(), [](const NamedResults& run) {
    return run.results.churn && !run.results.series.empty();
  });
}

// The connections each churning run reopened each second, against the rate it asked for.
Chart reconnects_over_time(const std::vector<NamedResults>& runs) {
  Chart chart;
  chart.title = "Reconnects per second";
  std::vector<double> asked;
  int colour = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Results& results = runs[i].results;
    if (!results.churn) continue;
    PlotLine made{series_name(runs, i, "reconnects/s"), {}, colour++, false, false};
    for (const SecondSample& sample : results.series)
      made.points.emplace_back(static_cast<double>(sample.t), as_double(sample.reconnects));
    chart.series.push_back(std::move(made));
    add_marker(chart.levels, runs, i, results.churn->asked_per_s,
               fmt::format("asked {}/s", rate_text(results.churn->asked_per_s)));
    asked.push_back(results.churn->asked_per_s);
  }
  fit_over_time(chart, Scale::linear, "reconnects/s", std::move(asked));
  return chart;
}

// conn --churn: the table of reconnects, the failures by cause, and the reconnects of each second.
std::string churn_section(const std::vector<NamedResults>& runs) {
  std::string text = "<h2>Connection churn</h2>\n" + scrolling(churn_table(runs)) + "\n";
  for (const NamedResults& run : runs)
    text += churn_failures(run);
  if (any_churn_seconds(runs)) text += svg(reconnects_over_time(runs)) + "\n";
  return text;
}

bool any_steps(const std::vector<NamedResults>& runs) {
  return std::any_of(runs.begin(), runs.end(),
                     [](const NamedResults& run) { return !run.results.steps.empty(); });
}

// The anchor of step `step` (from 1) of run `run` (from 0).
std::string step_anchor(std::size_t run, std::size_t step) {
  return fmt::format("run{}-step{}", run + 1, step);
}

std::string verdict_text(const Step& step) {
  return step.passed ? "passed" : step.failure + (step.load_generator_limited ? " (mqbench saturated)" : "");
}

// The steps of a search, a row each linking to the step's own plots, and the conclusion.
std::string steps_table(const NamedResults& run, std::size_t run_index) {
  std::string table =
      fmt::format("<p>{}</p><table><thead><tr><th>step</th><th>asked/s</th><th>achieved/s</"
                  "th><th>p50 ms</th><th>p99 ms</th>"
                  "<th>lost</th><th>errors</th><th>busy</th><th class=\"text\">verdict</th></tr></thead>",
                  escape_html(run.name));
  std::size_t number_of_step = 0;
  for (const Step& step : run.results.steps) {
    const Results& results = step.results;
    const Histogram& latency = results.main_latency();
    const std::string anchor = step_anchor(run_index, ++number_of_step);
    table +=
        fmt::format("<tr id=\"{}-row\"><td><a href=\"#{}\">{}</a></td>", anchor, anchor, number_of_step) +
        cell(number(step.asked, -1)) + cell(number(results.main_rate(), -1)) +
        cell(latency.empty() ? "-" : number(ms(latency.percentile(50)), 3)) +
        cell(latency.empty() ? "-" : number(ms(latency.percentile(99)), 3)) +
        cell(number(static_cast<double>(results.totals.lost), 0)) +
        cell(number(static_cast<double>(results.totals.errors()), 0)) +
        cell(results.load_generator_busy ? number(*results.load_generator_busy * 100, 0) + "%" : "-") +
        fmt::format("<td class=\"text {}\">{}</td>", step.passed ? "passed" : "failed",
                    escape_html(verdict_text(step))) +
        "</tr>";
  }
  table += "</table>";
  const std::string conclusion = find_max_summary(run.results.steps, run.results.interrupted);
  const std::size_t limit = conclusion.find("\nlimit:");
  return scrolling(table) + "<pre>" +
         escape_html(conclusion.substr(limit == std::string::npos ? 0 : limit + 1)) + "</pre>";
}

// Each step of a search folded away under a line that says how it fared, with its own rates and
// latency over time and its summary: every step can be looked at, not only the limit's.
std::string step_details(const NamedResults& run, std::size_t run_index) {
  std::string text;
  std::size_t number_of_step = 0;
  for (const Step& step : run.results.steps) {
    const std::string anchor = step_anchor(run_index, ++number_of_step);
    const std::vector<NamedResults> alone{{fmt::format("step {}", number_of_step), step.results}};
    text += fmt::format("<details id=\"{}\"><summary>{}step {}: {}/s asked, <span class=\"{}\">{}</span> "
                        "<a href=\"#{}-row\">(its row)</a></summary>\n",
                        anchor, run.name.empty() ? "" : escape_html(run.name) + ", ", number_of_step,
                        rate_text(step.asked), step.passed ? "passed" : "failed",
                        escape_html(verdict_text(step)), anchor);
    text += scrolling(summary_table(alone)) + "\n" + svg(rates_over_time(alone)) + "\n" +
            svg(latency_over_time(alone)) + "\n</details>\n";
  }
  return text;
}

}  // namespace

std::string html_report(const std::vector<NamedResults>& runs) {
  const std::string title = runs.size() == 1 ? fmt::format("mqbench {}: {}", runs.front().results.scenario,
                                                           runs.front().results.description)
                                             : fmt::format("mqbench: {} results compared", runs.size());
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"generator\" content=\"mqbench {}\"><title>{}</title><style>{}</style></head><body>\n",
      version, escape_html(title), style);
  page += fmt::format("<h1>{}</h1>\n", escape_html(title));
  for (const NamedResults& run : runs)
    page +=
        fmt::format("<p><b>{}</b>: {}{}</p>\n", escape_html(run.name), escape_html(run.results.description),
                    run.results.interrupted ? " (interrupted)" : "");
  page += "<h2>Summary</h2>\n" + scrolling(summary_table(runs)) + "\n";
  if (runs.size() > 1) page += "<h2>Differences</h2>\n" + scrolling(differences_table(runs)) + "\n";
  for (const NamedResults& run : runs)
    page += errors_and_gates(run);
  if (any_churn(runs)) page += churn_section(runs);
  if (any_steps(runs)) {
    page += "<h2>Finding the limit</h2>\n";
    const auto [achieved, latency] = find_max_charts(runs);
    page += svg(achieved) + "\n" + svg(latency) + "\n";
    for (std::size_t i = 0; i < runs.size(); ++i)
      if (!runs[i].results.steps.empty()) page += steps_table(runs[i], i) + "\n";
    page += "<h2>Each step</h2>\n";
    for (std::size_t i = 0; i < runs.size(); ++i)
      page += step_details(runs[i], i);
  }
  page += "<h2>Latency</h2>\n" + svg(latency_curve(runs)) + "\n";
  page += "<h2>Over time</h2>\n";
  if (any_steps(runs)) page += "<p>Of a find-max result, the step at the limit.</p>\n";
  page += svg(rates_over_time(runs)) + "\n" + svg(latency_over_time(runs)) + "\n";
  page += "<h2>Settings</h2>\n" + scrolling(settings_table(runs)) + "\n";
  return page + "</body></html>\n";
}

}  // namespace mq::bench
