#include "html_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "find_max.hpp"
#include "mq/version.hpp"
#include "svg_chart.hpp"

namespace mq::bench {
namespace {

constexpr const char* style = R"(
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; vertical-align: top; }
th:first-child, td.text { text-align: left; }
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
                                         {"connect", &Results::connect_latency}};

double ms(std::uint64_t microseconds) { return static_cast<double>(microseconds) / 1000.0; }

std::string cell(const std::string& text) { return "<td>" + escape_html(text) + "</td>"; }
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
};

const Metric metrics[] = {
    {"measured, s", [](const Results& r) { return r.measured_seconds; }, 2},
    {"sent", [](const Results& r) { return static_cast<double>(r.totals.sent); }, 0},
    {"sent/s", [](const Results& r) { return r.rates.sent; }, 1},
    {"acknowledged/s", [](const Results& r) { return r.rates.acked; }, 1},
    {"received/s", [](const Results& r) { return r.rates.received; }, 1},
    {"connections/s", [](const Results& r) { return r.rates.connects; }, 1},
    {"lost", [](const Results& r) { return static_cast<double>(r.totals.lost); }, 0},
    {"duplicated", [](const Results& r) { return static_cast<double>(r.totals.duplicated); }, 0},
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
     0},
};

std::string number(double value, int decimals) {
  return std::isfinite(value) ? fmt::format("{:.{}f}", value, decimals) : "-";
}

std::string summary_table(const std::vector<NamedResults>& runs) {
  std::string table = "<table>" + heading_row(runs, "");
  for (const Metric& metric : metrics) {
    table += "<tr>" + text_cell(metric.name);
    for (const NamedResults& run : runs)
      table += cell(number(metric.value(run.results), metric.decimals));
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
  for (const Metric& metric : metrics) {
    const double base = metric.value(runs.front().results);
    table += "<tr>" + text_cell(metric.name);
    for (std::size_t i = 1; i < runs.size(); ++i) {
      const double value = metric.value(runs[i].results);
      const double change = value - base;
      std::string text = number(change, metric.decimals);
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
      text += "<tr>" + text_cell(cause) + cell(std::to_string(count)) + "</tr>";
    text += "</table>";
  }
  for (const Gate& gate : results.gates)
    text += fmt::format("<p class=\"{}\">{}: {} {}</p>", gate.passed ? "passed" : "failed",
                        escape_html(run.name), gate.passed ? "passed" : "FAILED", escape_html(gate.detail));
  return text;
}

std::string steps_table(const NamedResults& run) {
  std::string table = fmt::format("<p>{}</p><table><thead><tr><th>step</th><th>asked/s</th><th>achieved/s</"
                                  "th><th>p50 ms</th><th>p99 ms</th>"
                                  "<th>lost</th><th>errors</th><th>busy</th><th>verdict</th></tr></thead>",
                                  escape_html(run.name));
  int number_of_step = 0;
  for (const Step& step : run.results.steps) {
    const Results& results = step.results;
    const Histogram& latency = results.main_latency();
    table += "<tr>" + cell(std::to_string(++number_of_step)) + cell(number(step.asked, 0)) +
             cell(number(results.main_rate(), 0)) +
             cell(latency.empty() ? "-" : number(ms(latency.percentile(50)), 3)) +
             cell(latency.empty() ? "-" : number(ms(latency.percentile(99)), 3)) +
             cell(std::to_string(results.totals.lost)) + cell(std::to_string(results.totals.errors())) +
             cell(results.load_generator_busy ? number(*results.load_generator_busy * 100, 0) + "%" : "-") +
             fmt::format("<td class=\"text {}\">{}</td>", step.passed ? "passed" : "failed",
                         escape_html(step.passed
                                         ? "passed"
                                         : step.failure +
                                               (step.load_generator_limited ? " (mqbench saturated)" : ""))) +
             "</tr>";
  }
  table += "</table>";
  const std::string conclusion = find_max_summary(run.results.steps, run.results.interrupted);
  const std::size_t limit = conclusion.find("\nlimit:");
  return table + "<pre>" + escape_html(conclusion.substr(limit == std::string::npos ? 0 : limit + 1)) +
         "</pre>";
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

Chart rates_over_time(const std::vector<NamedResults>& runs) {
  Chart chart;
  chart.title = "Rates per second";
  std::vector<double> times, rates;
  int colour = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Results& results = runs[i].results;
    PlotLine sent{series_name(runs, i, "sent/s"), {}, colour++, true, false};
    PlotLine received{series_name(runs, i, results.scenario == "pub" ? "acknowledged/s" : "received/s"),
                      {},
                      colour++,
                      false,
                      false};
    for (const SecondSample& sample : results.series) {
      const auto t = static_cast<double>(sample.t);
      const auto arrived = static_cast<double>(results.scenario == "pub" ? sample.acked : sample.received);
      sent.points.emplace_back(t, static_cast<double>(sample.sent));
      received.points.emplace_back(t, arrived);
      times.push_back(t);
      rates.push_back(static_cast<double>(sample.sent));
      rates.push_back(arrived);
    }
    if (results.scenario != "sub") chart.series.push_back(std::move(sent));
    chart.series.push_back(std::move(received));
  }
  chart.x = fit_axis(times, Scale::linear, Unit::seconds, "time since the first connection");
  chart.y = fit_axis(rates, Scale::linear, Unit::number, "messages/s");
  return chart;
}

Chart latency_over_time(const std::vector<NamedResults>& runs) {
  Chart chart;
  chart.title = "End-to-end latency per second";
  std::vector<double> times, latencies;
  int colour = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    PlotLine p50{series_name(runs, i, "p50"), {}, colour++, false, false};
    PlotLine p99{series_name(runs, i, "p99"), {}, colour++, true, false};
    for (const SecondSample& sample : runs[i].results.series) {
      if (!sample.p50_us) continue;
      const auto t = static_cast<double>(sample.t);
      p50.points.emplace_back(t, ms(*sample.p50_us));
      p99.points.emplace_back(t, ms(sample.p99_us.value_or(0)));
      times.push_back(t);
      latencies.push_back(ms(*sample.p50_us));
      latencies.push_back(ms(sample.p99_us.value_or(0)));
    }
    chart.series.push_back(std::move(p50));
    chart.series.push_back(std::move(p99));
  }
  chart.x = fit_axis(times, Scale::linear, Unit::seconds, "time since the first connection");
  chart.y = fit_axis(latencies, Scale::log, Unit::number, "latency, ms (log scale)");
  return chart;
}

// The --fail-p99 limit the steps of `results` were judged by, if any.
std::optional<double> p99_limit(const Results& results) {
  for (const Step& step : results.steps)
    for (const Gate& gate : step.results.gates)
      if (gate.option == "--fail-p99") return gate.limit;
  return std::nullopt;
}

// The steps of --find-max: what each achieved, and its p99, against the rate it asked for.
std::pair<Chart, Chart> find_max_charts(const std::vector<NamedResults>& runs) {
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
    if (const Step* limit = limit_step(results.steps))
      achieved.mark = latency.mark = std::pair{limit->asked, fmt::format("limit {:.0f}/s", limit->asked)};
    if (const auto level = p99_limit(results)) {
      latency.level = std::pair{*level, fmt::format("--fail-p99 {:g} ms", *level)};
      p99s.push_back(*level);
    }
  }
  if (!asked.empty()) {
    const double highest = *std::max_element(asked.begin(), asked.end());
    achieved.series.push_back(PlotLine{"asked", {{0, 0}, {highest, highest}}, colour, true, false});
  }
  rates.insert(rates.end(), asked.begin(), asked.end());
  achieved.x = latency.x = fit_axis(asked, Scale::linear, Unit::number, "rate asked, messages/s");
  achieved.y = fit_axis(rates, Scale::linear, Unit::number, "rate achieved, messages/s");
  latency.y = fit_axis(p99s, Scale::log, Unit::number, "p99 latency, ms (log scale)");
  return {achieved, latency};
}

bool any_steps(const std::vector<NamedResults>& runs) {
  return std::any_of(runs.begin(), runs.end(),
                     [](const NamedResults& run) { return !run.results.steps.empty(); });
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
  page += "<h2>Summary</h2>\n" + summary_table(runs) + "\n";
  if (runs.size() > 1) page += "<h2>Differences</h2>\n" + differences_table(runs) + "\n";
  for (const NamedResults& run : runs)
    page += errors_and_gates(run);
  if (any_steps(runs)) {
    page += "<h2>Finding the limit</h2>\n";
    const auto [achieved, latency] = find_max_charts(runs);
    page += svg(achieved) + "\n" + svg(latency) + "\n";
    for (const NamedResults& run : runs)
      if (!run.results.steps.empty()) page += steps_table(run) + "\n";
  }
  page += "<h2>Latency</h2>\n" + svg(latency_curve(runs)) + "\n";
  page += "<h2>Over time</h2>\n";
  if (any_steps(runs)) page += "<p>Of a find-max result, the step at the limit.</p>\n";
  page += svg(rates_over_time(runs)) + "\n" + svg(latency_over_time(runs)) + "\n";
  page += "<h2>Settings</h2>\n" + settings_table(runs) + "\n";
  return page + "</body></html>\n";
}

}  // namespace mq::bench
