// mqbench --html: the report of a run, of a --find-max search and of two results compared, each
// loaded in a real browser (Debian's chromium, headless): nothing from the network, no console
// error, and every plot drawn with its lines.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cctype>

#include "harness/broker.hpp"
#include "harness/network.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

BrokerSetup quiet_broker() {
  BrokerSetup setup;
  setup.log_every_packet = false;
  return setup;
}

nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(read_file(path)); }

// The page as headless chromium built it, and what it logged. No request can leave: the proxy
// goes nowhere and no name resolves.
Outcome render(const Workspace& workspace, const std::filesystem::path& page) {
  const std::string address = "file://" + page.string();
  const std::vector<std::string> browser{"chromium",
                                         "--headless",
                                         "--no-sandbox",  // as root; the page is our own file
                                         "--disable-gpu",
                                         "--hide-scrollbars",
                                         "--enable-logging=stderr",
                                         "--v=0",
                                         "--proxy-server=127.0.0.1:9",
                                         "--host-resolver-rules=MAP * ~NOTFOUND",
                                         "--user-data-dir=" + (workspace / "chromium").string()};
  std::vector<std::string> screenshot = browser;
  screenshot.insert(screenshot.end(),
                    {"--window-size=1200,3000", "--screenshot=" + page.string() + ".png", address});
  run(Command{screenshot, {}, {}}, workspace.path());  // kept beside the page for a look
  std::vector<std::string> dump = browser;
  dump.insert(dump.end(), {"--dump-dom", address});
  return run(Command{dump, {}, {}}, workspace.path());
}

// Checks that the page needs nothing but itself, renders without a console message, and holds
// `charts` plots, each with a line of points.
void check_page(const Workspace& workspace, const std::filesystem::path& page, std::size_t charts) {
  CAPTURE(page);
  const std::string html = read_file(page);
  for (const char* reference : {"src=", "url(", "@import", "<script", "https:"})
    CHECK_MESSAGE(!contains(html, reference), reference);
  // Links go to places on the page (a step's plots and its row), nowhere else.
  for (std::size_t at = html.find("href="); at != std::string::npos; at = html.find("href=", at + 1))
    CHECK_MESSAGE(html.compare(at, 7, "href=\"#") == 0, html.substr(at, 40));
  const std::string svg_namespace = "http://www.w3.org/2000/svg";
  for (std::size_t at = html.find("http:"); at != std::string::npos; at = html.find("http:", at + 1))
    CHECK(html.compare(at, svg_namespace.size(), svg_namespace) == 0);

  const Outcome browser = render(workspace, page);
  REQUIRE_MESSAGE(browser.exit_code == 0, browser.err);
  CHECK_MESSAGE(!contains(browser.err, "CONSOLE"), browser.err);
  std::size_t drawn = 0;
  for (std::size_t start = browser.out.find("<svg"); start != std::string::npos;
       start = browser.out.find("<svg", start + 1)) {
    const std::size_t end = browser.out.find("</svg>", start);
    REQUIRE(end != std::string::npos);
    const std::string content = browser.out.substr(start, end - start);
    CAPTURE(content.substr(0, 300));
    const std::size_t points = content.find("points=\"");
    REQUIRE(points != std::string::npos);
    CHECK(std::isdigit(static_cast<unsigned char>(content[points + 8])));  // at least one point
    CHECK(contains(content, "class=\"tick\""));
    ++drawn;
  }
  CHECK(drawn == charts);
}

}  // namespace

TEST_CASE(
    "mqbench --html reports of a run, a --find-max search and two results compared render in chromium") {
  Workspace workspace;
  // A loopback of 2 Mbit/s: the search ends in a few steps, wherever the test runs.
  const PrivateNetwork network{workspace};
  limit_loopback(workspace, "2mbit");
  Broker broker{workspace, quiet_broker()};
  const auto bench = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.begin() + 1, {"-p", broker.port_text()});
    const Outcome outcome = run_tool(workspace, "mqbench", arguments);
    REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  };
  bench({"pubsub", "-c", "2", "-q", "1", "--rate", "20", "--duration", "2", "--json",
         (workspace / "a.json").string(), "--html", (workspace / "run.html").string()});
  bench({"pubsub", "-c", "2", "-q", "0", "--rate", "40", "--duration", "2", "--json",
         (workspace / "b.json").string()});
  // Two searches, of 1000- and 100-byte messages: the second goes further on the same network.
  bench({"pubsub", "-c", "1", "-s", "1000", "--find-max", "--step-duration", "1", "--precision", "50",
         "--total-rate", "50", "--fail-p99", "100", "--html", (workspace / "find-max.html").string(),
         "--json", (workspace / "large.json").string()});
  bench({"pubsub", "-c", "1", "-s", "100", "--find-max", "--step-duration", "1", "--precision", "50",
         "--total-rate", "50", "--fail-p99", "100", "--json", (workspace / "small.json").string()});
  bench({"conn", "--find-max", "--step-duration", "1", "--precision", "50", "--conn-rate", "50", "--fail-p99",
         "100", "--html", (workspace / "conn-find-max.html").string(), "--json",
         (workspace / "conn.json").string()});
  const auto report = [&](const std::string& page, const std::vector<std::string>& files) {
    std::vector<std::string> arguments{"report", "--html", (workspace / page).string()};
    for (const std::string& file : files)
      arguments.push_back((workspace / file).string());
    const Outcome outcome = run_tool(workspace, "mqbench", arguments);
    REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  };
  report("compared.html", {"a.json", "b.json"});
  report("find-max-compared.html", {"large.json", "small.json"});
  const auto steps = [&](const std::string& file) { return read_json(workspace / file)["steps"].size(); };

  // The percentile curve and the two plots over time; with find-max, its two plots too, and the
  // two plots over time of each step.
  check_page(workspace, workspace / "run.html", 3);
  check_page(workspace, workspace / "find-max.html", 5 + 2 * steps("large.json"));
  check_page(workspace, workspace / "conn-find-max.html", 5 + 2 * steps("conn.json"));
  check_page(workspace, workspace / "compared.html", 3);
  check_page(workspace, workspace / "find-max-compared.html",
             5 + 2 * (steps("large.json") + steps("small.json")));
  const std::string searches = read_file(workspace / "find-max-compared.html");
  CHECK(contains(searches, "<h2>Differences</h2>"));
  CHECK(contains(searches, "large.json: limit "));
  CHECK(contains(searches, "small.json: limit "));
  CHECK(contains(searches, "--fail-p99 100 ms"));
  CHECK(contains(read_file(workspace / "conn-find-max.html"), "rate asked, connections/s"));
  const std::string comparison = read_file(workspace / "compared.html");
  CHECK(contains(comparison, "<h2>Differences</h2>"));
  CHECK(contains(comparison, "a.json: end-to-end"));
  CHECK(contains(comparison, "b.json: end-to-end"));
  CHECK(contains(read_file(workspace / "find-max.html"), "limit: "));
}

TEST_CASE("mqbench --html refuses a directory, and a full device is exit 10 with nothing else written") {
  Workspace workspace;
  Broker broker{workspace, quiet_broker()};
  const Outcome directory =
      run_tool(workspace, "mqbench",
               {"pubsub", "-p", broker.port_text(), "--duration", "1", "--html", workspace.path().string()});
  CHECK(directory.exit_code == 2);
  CHECK(contains(directory.err, "--html"));
  const Outcome full = run_tool(workspace, "mqbench",
                                {"pubsub", "-p", broker.port_text(), "--rate", "10", "--duration", "1",
                                 "--html", "/dev/full", "--json", (workspace / "kept.json").string()});
  CHECK(full.exit_code == 10);
  CHECK(contains(full.err, "the HTML report"));
  CHECK_FALSE(std::filesystem::exists(workspace / "kept.json"));
  const Outcome both = run_tool(workspace, "mqbench", {"report", "--csv", "-", "--html", "-", "x.json"});
  CHECK(both.exit_code == 2);
  CHECK(contains(both.err, "standard output"));
}
