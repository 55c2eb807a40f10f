#include <doctest/doctest.h>

#include <regex>

#include "find_max.hpp"
#include "html_report.hpp"
#include "svg_chart.hpp"

using namespace mq::bench;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++count;
  return count;
}

// The section of the page under the heading `heading`, up to the next heading.
std::string section(const std::string& page, const std::string& heading) {
  const std::size_t start = page.find("<h2>" + heading + "</h2>");
  REQUIRE(start != std::string::npos);
  return page.substr(start, page.find("<h2>", start + 4) - start);
}

// The text of every number cell (<td> without a class) of `html`.
std::vector<std::string> number_cells(const std::string& html) {
  std::vector<std::string> cells;
  const std::regex cell{"<td>([^<]*)</td>"};
  for (auto it = std::sregex_iterator(html.begin(), html.end(), cell); it != std::sregex_iterator(); ++it)
    cells.push_back((*it)[1].str());
  return cells;
}

// A pubsub run of `seconds` that received `messages` in all, each after `latency_us`, with a
// sample per second.
Results pubsub_run(std::uint64_t messages, int seconds, std::uint64_t latency_us) {
  Results results;
  results.scenario = "pubsub";
  results.description = "1 publisher -> 1 subscriber";
  results.measured_seconds = seconds;
  results.totals.sent = results.totals.acked = results.totals.received = messages;
  results.totals.connections_attempted = results.totals.connections_made = 2;
  results.latency.record(latency_us, messages);
  for (int t = 1; t <= seconds; ++t) {
    const std::uint64_t share = messages / static_cast<std::uint64_t>(seconds);
    results.series.push_back(
        SecondSample{t, "measure", 2, share, share, share, 0, latency_us, latency_us, latency_us, 0, {}, {}});
  }
  results.compute_rates();
  return results;
}

// A conn step: `connections` made in a second, each answered after `latency_us`.
Results conn_run(std::uint64_t connections, std::uint64_t latency_us) {
  Results results;
  results.scenario = "conn";
  results.description = "connections to 127.0.0.1:1883";
  results.totals.connections_attempted = results.totals.connections_made = connections;
  results.connect_seconds = 1;
  results.connect_latency.record(latency_us, connections);
  results.series.push_back(
      SecondSample{1, "connect", connections, 0, 0, 0, 0, {}, {}, {}, connections, latency_us, latency_us});
  results.compute_rates();
  return results;
}

// A conn run that held 4 connections for 3 s while --churn 10 asked for 30 reconnects: 28
// started, 25 made in 1.5 ms each, 3 refused; `seconds`: whether its series was kept.
Results churn_run(bool seconds = true) {
  Results results = conn_run(4, 800);
  results.churn = Churn{10, "drop", 3, 30, 28, 25, 3, 0.25, {{"not authorized <by> \"acl\" & co", 3}}};
  results.reconnect_latency.record(1500, 25);
  results.totals.errors_by_cause["not authorized <by> \"acl\" & co"] = 3;
  for (const std::uint64_t reconnects : {9u, 8u, 8u})
    results.series.push_back(SecondSample{static_cast<int>(results.series.size()) + 1,
                                          "hold",
                                          4,
                                          0,
                                          0,
                                          0,
                                          1,
                                          {},
                                          {},
                                          {},
                                          0,
                                          {},
                                          {},
                                          reconnects});
  if (!seconds) results.series.clear();
  return results;
}

// The number cells of the row of the table named `name`.
std::vector<std::string> row(const std::string& html, const std::string& name) {
  const std::size_t start = html.find("<tr><td class=\"text\">" + name + "</td>");
  REQUIRE_MESSAGE(start != std::string::npos, name);
  return number_cells(html.substr(start, html.find("</tr>", start) - start));
}

ServiceLevel p99_within(double milliseconds) {
  ServiceLevel level;
  level.limits.p99_ms = milliseconds;
  return level;
}

// A search whose steps at 100 and 200/s pass and at 400 and 300/s miss a p99 of 5 ms.
Results search(double scale = 1) {
  FindMax steps{search_settings(100 * scale, 50), p99_within(5)};
  for (const auto& [rate, latency_us] :
       std::vector<std::pair<double, std::uint64_t>>{{100, 1000}, {200, 2000}, {400, 9000}, {300, 7000}})
    steps.add(rate * scale, pubsub_run(static_cast<std::uint64_t>(rate * scale), 1, latency_us));
  return steps.conclusion(nlohmann::json{{"scenario", "pubsub"}}, false);
}

}  // namespace

TEST_CASE("the report's numbers group their thousands, and a number it cannot show is a dash") {
  CHECK(grouped_number(0, 0) == "0");
  CHECK(grouped_number(999, 0) == "999");
  CHECK(grouped_number(1000, 0) == "1,000");
  CHECK(grouped_number(1'000'000, 0) == "1,000,000");
  CHECK(grouped_number(86'400, 2) == "86,400.00");
  CHECK(grouped_number(-1234.5, 1) == "-1,234.5");
  CHECK(grouped_number(-0.0001, 2) == "0.00");
  CHECK(grouped_number(1e15, 0) == "1,000,000,000,000,000");
  CHECK(grouped_number(std::nan(""), 3) == "-");
  CHECK(grouped_number(-std::numeric_limits<double>::infinity(), 3) == "-");
}

TEST_CASE("the summary's cells stay short from one message in a second to a million in a day") {
  for (const auto& size :
       std::vector<std::pair<std::uint64_t, int>>{{1, 1}, {1'000'000, 1}, {1'000'000, 86'400}, {1, 86'400}}) {
    const std::uint64_t messages = size.first;
    const int seconds = size.second;
    CAPTURE(messages);
    CAPTURE(seconds);
    const std::string page = html_report({{"this run", pubsub_run(messages, seconds, 1500)}});
    const std::vector<std::string> cells = number_cells(section(page, "Summary"));
    REQUIRE(cells.size() > 10);
    for (const std::string& cell : cells) {
      CAPTURE(cell);
      CHECK(cell.size() <= 13);           // "86,400.00", "1,000,000.0"
      CHECK_FALSE(contains(cell, "e+"));  // never 1e+06
      CHECK(cell.find_first_of("0123456789-") == 0);
    }
    // Tables scroll inside their box instead of running over the page; numbers do not wrap.
    CHECK(contains(page, "<div class=\"table\"><table>"));
    CHECK(contains(page, "td { white-space: nowrap;"));
    // The plot over time reads in seconds, minutes or hours with a few ticks.
    const std::string over_time = section(page, "Over time");
    CHECK(count_of(over_time, "class=\"tick\"") <= 2 * (7 + 7));
  }
  const std::string day = html_report({{"this run", pubsub_run(1'000'000, 86'400, 1500)}});
  CHECK(contains(day, "<td>86,400.00</td>"));
  CHECK(contains(day, ">24 h</text>"));
}

TEST_CASE("a find-max report marks the limit and the service level, and every step can be looked at") {
  const std::string page = html_report({{"this run", search()}});
  const std::string limit = section(page, "Finding the limit");
  CHECK(contains(limit, "limit 200/s"));
  CHECK(contains(limit, "class=\"mark\""));
  CHECK(contains(limit, "--fail-p99 5 ms"));
  CHECK(contains(limit, "class=\"level\""));
  CHECK(contains(limit, "must achieve: 95% of asked"));
  const std::string steps = section(page, "Each step");
  for (int step = 1; step <= 4; ++step) {
    CAPTURE(step);
    const std::string anchor = "run1-step" + std::to_string(step);
    CHECK(contains(limit, "<a href=\"#" + anchor + "\">" + std::to_string(step) + "</a>"));
    CHECK(contains(limit, "<tr id=\"" + anchor + "-row\">"));
    CHECK(contains(steps, "<details id=\"" + anchor + "\">"));
  }
  // Each step's own plots: its rates and its latency per second.
  CHECK(count_of(steps, "<svg") == 2 * 4);
  CHECK(contains(steps, "step 3: 400/s asked, <span class=\"failed\">the p99 latency"));
}

TEST_CASE("two find-max results are compared on the same axes, each limit marked, with their differences") {
  const std::string page = html_report({{"a.json", search()}, {"b.json", search(2)}});
  const std::string limit = section(page, "Finding the limit");
  CHECK(count_of(limit, "<svg") == 2);  // both searches in the same two plots
  CHECK(contains(limit, "a.json: limit 200/s"));
  CHECK(contains(limit, "b.json: limit 400/s"));
  CHECK(contains(limit, "a.json: achieved/s"));
  CHECK(contains(limit, "b.json: achieved/s"));
  // The same --fail-p99 of both is drawn once.
  CHECK(count_of(limit, "--fail-p99 5 ms</text>") == 1);
  CHECK(contains(section(page, "Differences"), "find-max limit, /s"));
  CHECK(contains(section(page, "Differences"), "+200 (+100.0%)"));
  CHECK(contains(section(page, "Each step"), "<details id=\"run2-step4\">"));
}

TEST_CASE("a conn search is drawn in connections per second with its connects and their latency") {
  FindMax steps{search_settings(100, 50), p99_within(5)};
  steps.add(100, conn_run(100, 1000));
  steps.add(200, conn_run(200, 9000));
  const std::string page =
      html_report({{"this run", steps.conclusion(nlohmann::json{{"scenario", "conn"}}, false)}});
  CHECK(contains(section(page, "Finding the limit"), "rate asked, connections/s"));
  CHECK(contains(section(page, "Finding the limit"), "limit 100/s"));
  const std::string over_time = section(page, "Over time");
  CHECK(contains(over_time, "connects/s"));
  CHECK(contains(over_time, "Connect latency per second"));
  CHECK(count_of(over_time, "<svg") == 2);
}

TEST_CASE("legend names get fewer, wider columns, and a name too long for one is shortened") {
  CHECK(shortened("abc", 3) == "abc");
  CHECK(shortened("abcd", 3) == "ab…");
  CHECK(shortened("µµµµ", 3) == "µµ…");
  Chart chart;
  chart.title = "t";
  chart.x = fit_axis({0, 10}, Scale::linear, Unit::seconds, "time");
  chart.y = fit_axis({1, 10}, Scale::linear, Unit::number, "per second");
  const std::string long_name(200, 'x');
  chart.series.push_back(PlotLine{long_name, {{1, 1}, {2, 2}}, 0, false, false});
  chart.series.push_back(PlotLine{"short", {{1, 2}, {2, 3}}, 1, false, false});
  const std::string text = svg(chart);
  CHECK(contains(text, "<title>" + long_name + "</title>"));  // whole on hover
  CHECK(contains(text, "…</text>"));
  CHECK_FALSE(contains(text, long_name + "</text>"));
}

TEST_CASE("marks of close limits have their labels on rows of their own") {
  Chart chart;
  chart.title = "t";
  chart.x = fit_axis({0, 1000}, Scale::linear, Unit::number, "asked");
  chart.y = fit_axis({0, 1000}, Scale::linear, Unit::number, "achieved");
  chart.series.push_back(PlotLine{"a", {{0, 0}, {1000, 1000}}, 0, false, false});
  chart.marks = {{500, "a.json: limit 500/s"}, {510, "b.json: limit 510/s"}};
  const std::string text = svg(chart);
  const std::regex label{R"re(class="mark-label" x="[0-9.]+" y="([0-9.]+)")re"};
  std::vector<std::string> rows;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), label); it != std::sregex_iterator(); ++it)
    rows.push_back((*it)[1].str());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] != rows[1]);
}

TEST_CASE(
    "a conn --churn report has a Connection churn section: asked against made, failures, latency, seconds") {
  const std::string page = html_report({{"this run", churn_run()}});
  const std::string churn = section(page, "Connection churn");
  CHECK(contains(churn, "<td class=\"text\">closed by</td><td class=\"text\">drop</td>"));
  CHECK(row(churn, "asked/s") == std::vector<std::string>{"10"});
  CHECK(row(churn, "made/s") == std::vector<std::string>{"8.33"});
  CHECK(row(churn, "asked") == std::vector<std::string>{"30"});
  CHECK(row(churn, "started") == std::vector<std::string>{"28"});
  CHECK(row(churn, "made") == std::vector<std::string>{"25"});
  CHECK(row(churn, "failed") == std::vector<std::string>{"3"});
  CHECK(row(churn, "never started (behind schedule)") == std::vector<std::string>{"2"});
  CHECK(row(churn, "most behind schedule, s") == std::vector<std::string>{"0.250"});
  CHECK(row(churn, "reconnect latency p50, ms") == std::vector<std::string>{"1.500"});
  CHECK(row(churn, "reconnect latency p99, ms") == std::vector<std::string>{"1.500"});
  // The cause comes from the result's file: escaped.
  CHECK(contains(churn, "Reconnects of this run that failed, by cause:"));
  CHECK(contains(churn,
                 "<td class=\"text\">not authorized &lt;by&gt; &quot;acl&quot; &amp; co</td><td>3</td>"));
  CHECK_FALSE(contains(page, "<by>"));
  // The reconnects of each second, against the rate asked.
  CHECK(count_of(churn, "<svg") == 1);
  CHECK(contains(churn, "Reconnects per second"));
  CHECK(contains(churn, "asked 10/s"));
  CHECK(contains(churn, "class=\"level\""));
  CHECK(contains(section(page, "Latency"), "reconnect"));
}

TEST_CASE(
    "the churn section has no plot when the result kept no seconds, and a run without churn none at all") {
  const std::string churn = section(html_report({{"this run", churn_run(false)}}), "Connection churn");
  CHECK(row(churn, "made") == std::vector<std::string>{"25"});
  CHECK_FALSE(contains(churn, "<svg"));
  const std::string plain = html_report({{"this run", conn_run(4, 800)}});
  CHECK_FALSE(contains(plain, "Connection churn"));
  CHECK_FALSE(contains(plain, "Reconnects"));
}

TEST_CASE("a churn run compared with one that did not churn: a dash for the other, one line of reconnects") {
  const std::string page = html_report({{"churn.json", churn_run()}, {"plain.json", conn_run(4, 800)}});
  const std::string churn = section(page, "Connection churn");
  CHECK(row(churn, "made") == std::vector<std::string>{"25", "-"});
  CHECK(contains(churn, "churn.json: reconnects/s"));
  CHECK_FALSE(contains(churn, "plain.json: reconnects/s"));
  CHECK(contains(churn, "churn.json: asked 10/s"));
}

TEST_CASE("the churn section of a result read back from its JSON (mqbench report) is the run's own") {
  const Results run = churn_run();
  const std::string read_back = html_report({{"this run", results_from_json(to_json(run), "churn.json")}});
  CHECK(section(read_back, "Connection churn") ==
        section(html_report({{"this run", run}}), "Connection churn"));
}
