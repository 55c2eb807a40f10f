// mqbench conn --churn against a real mosquitto: the reconnects mqbench counts are the ones the
// broker saw, a dropped connection makes the broker publish its will (a clean close does not),
// and the usage errors of --churn and --churn-close.
//
// mosquitto 2.0 has no exact $SYS counter of CONNECT packets (only moving averages), but
// $SYS/broker/messages/received counts every MQTT packet it read, of any type (packet__read:
// G_MSGS_RECEIVED_INC for each complete packet). With a long keepalive (no PINGREQ) and no
// client but one observer subscribed before the baseline, a run adds exactly: mqbench's check
// connection (CONNECT, DISCONNECT), each connection's CONNECT, each reopening's CONNECT, each
// DISCONNECT of --churn-close disconnect, and each connection's DISCONNECT at the end.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "harness/broker.hpp"
#include "harness/fake_broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;
using namespace std::chrono_literals;

namespace {

constexpr int connections = 10;

nlohmann::json json_file(const std::filesystem::path& path) { return nlohmann::json::parse(read_file(path)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream{text};
  for (std::string line; std::getline(stream, line);)
    lines.push_back(line);
  return lines;
}

// The broker's count of packets received, once it stopped changing: mosquitto publishes it each
// sys_interval (1 s) when it changed, so three quiet seconds mean every packet so far is in it.
std::uint64_t settled_packets_received(const Process& observer) {
  std::string seen = observer.out();
  for (int wait = 0; wait < 20; ++wait) {
    std::this_thread::sleep_for(3s);
    const std::string now = observer.out();
    if (now == seen && !now.empty()) return std::stoull(lines_of(now).back());
    seen = now;
  }
  FAIL("$SYS/broker/messages/received never settled: " << seen);
  return 0;
}

// The fields of each CSV row of `text` (none is quoted in the rows of a conn run).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  for (std::string line : lines_of(text)) {
    REQUIRE(!line.empty());
    REQUIRE(line.back() == '\r');
    line.pop_back();
    std::vector<std::string> fields{""};
    for (const char c : line) {
      if (c == ',')
        fields.emplace_back();
      else
        fields.back().push_back(c);
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

// The row of the HTML report's churn table named `name`, as the page has it.
std::string churn_row(const std::string& name, std::uint64_t value) {
  return "<tr><td class=\"text\">" + name + "</td><td>" + std::to_string(value) + "</td></tr>";
}

struct ChurnRun {
  std::vector<std::string> options;
  std::uint64_t packets_per_reopening;  // CONNECT, and DISCONNECT when closed cleanly
};

}  // namespace

TEST_CASE("the reconnects conn --churn counts are the CONNECTs (and DISCONNECTs) the broker counted") {
  Workspace workspace;
  BrokerSetup setup;
  setup.extra_lines = {"sys_interval 1"};
  setup.log_every_packet = false;
  Broker broker{workspace, setup};
  auto observer = start_tool(workspace, "mqsub",
                             {"-p", broker.port_text(), "-k", "600", "-t", "$SYS/broker/messages/received"});
  for (const ChurnRun& run : {ChurnRun{{"--churn-close", "drop"}, 1},
                              ChurnRun{{"--churn-close", "disconnect"}, 2}, ChurnRun{{"--no-clean"}, 1}}) {
    CAPTURE(run.options);
    const std::uint64_t before = settled_packets_received(*observer);
    const std::string file = (workspace / "churn.json").string();
    std::vector<std::string> arguments{
        "conn",   "-p", broker.port_text(), "-k", "600",    "-c", std::to_string(connections),
        "--hold", "2",  "--churn",          "20", "--json", file};
    arguments.insert(arguments.end(), run.options.begin(), run.options.end());
    const Outcome outcome = run_tool(workspace, "mqbench", arguments);
    REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
    const std::uint64_t after = settled_packets_received(*observer);

    const nlohmann::json totals = json_file(file)["totals"];
    const nlohmann::json& reconnects = totals["reconnects"];
    const auto made = reconnects["made"].get<std::uint64_t>();
    CHECK(made > 0);
    CHECK(reconnects["started"] == made);
    CHECK(reconnects["failed"] == 0);
    CHECK(totals["errors"] == 0);
    CHECK(totals["connections"]["connected"] == connections);
    const std::uint64_t check_connection = 2;  // CONNECT, DISCONNECT
    CHECK(after - before == check_connection + 2 * connections + made * run.packets_per_reopening);
  }
  observer->signal(SIGINT);
  observer->finish();
}

TEST_CASE("conn --churn records the reconnect latency histogram and the per-second reopenings") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string file = (workspace / "churn.json").string();
  const Outcome outcome = run_tool(workspace, "mqbench",
                                   {"conn", "-p", broker.port_text(), "-c", "4", "--hold", "2", "--churn",
                                    "10", "--threads", "2", "--json", file});
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  const nlohmann::json result = json_file(file);
  const auto made = result["totals"]["reconnects"]["made"].get<std::uint64_t>();
  CHECK(made > 0);
  CHECK(result["histograms"]["reconnect_latency"]["count"] == made);
  CHECK(result["totals"]["reconnect_latency_ms"]["count"] == made);
  std::uint64_t per_second = 0;
  for (const nlohmann::json& sample : result["series"])
    per_second += sample["reconnects"].get<std::uint64_t>();
  CHECK(per_second == made);
  CHECK(result["settings"]["churn_per_s"] == 10);
  CHECK(result["settings"]["churn_close"] == "drop");
  const Outcome report = run_tool(workspace, "mqbench", {"report", file});
  CHECK(report.exit_code == 0);
  CHECK(contains(report.out, "reconnects: " + std::to_string(made) + " of "));
  CHECK(contains(report.out, "reconnect "));
}

TEST_CASE(
    "--csv and --html of a conn --churn run show its reconnects, and report gives them again from the JSON") {
  Workspace workspace;
  Broker broker{workspace};
  const auto path = [&](const char* name) { return (workspace / name).string(); };
  const Outcome outcome =
      run_tool(workspace, "mqbench",
               {"conn", "-p", broker.port_text(), "-c", "4", "--hold", "2", "--churn", "10", "--json",
                path("churn.json"), "--csv", path("churn.csv"), "--html", path("churn.html")});
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  const nlohmann::json reconnects = json_file(path("churn.json"))["totals"]["reconnects"];
  const auto made = reconnects["made"].get<std::uint64_t>();
  CHECK(made > 0);

  // Each second's reconnects in the last column: they add up to the reconnects made.
  const std::string csv = read_file(path("churn.csv"));
  const auto rows = csv_rows(csv);
  REQUIRE(rows.size() > 1);
  CHECK(rows.front().back() == "reconnects");
  std::uint64_t per_second = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == rows.front().size());
    per_second += std::stoull(rows[i].back());
  }
  CHECK(per_second == made);

  const std::string html = read_file(path("churn.html"));
  CHECK(contains(html, "<h2>Connection churn</h2>"));
  CHECK(contains(html, churn_row("made", made)));
  CHECK(contains(html, churn_row("asked", reconnects["asked"].get<std::uint64_t>())));
  CHECK(contains(html, churn_row("failed", 0)));
  CHECK(contains(html, "Reconnects per second"));

  const Outcome report =
      run_tool(workspace, "mqbench",
               {"report", path("churn.json"), "--csv", path("report.csv"), "--html", path("report.html")});
  REQUIRE_MESSAGE(report.exit_code == 0, report.err);
  CHECK(read_file(path("report.csv")) == csv);
  const std::string again = read_file(path("report.html"));
  CHECK(contains(again, churn_row("made", made)));
  CHECK(contains(again, "Reconnects per second"));
}

TEST_CASE(
    "a connection --churn drops makes the broker publish its will, and one closed with DISCONNECT does not") {
  Workspace workspace;
  Broker broker{workspace};
  for (const std::string close : {"drop", "disconnect"}) {
    CAPTURE(close);
    const std::string topic = "churn/will/" + close;
    auto wills = start_tool(workspace, "mqsub", {"-p", broker.port_text(), "-k", "600", "-d", "-t", topic});
    REQUIRE(wills->wait_for_stderr("debug: subscribed to " + topic));
    const std::string file = (workspace / ("will-" + close + ".json")).string();
    const Outcome outcome =
        run_tool(workspace, "mqbench",
                 {"conn", "-p", broker.port_text(), "-c", "5", "--hold", "2", "--churn", "10",
                  "--churn-close", close, "--will-topic", topic, "--will-payload", "gone", "--json", file});
    REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
    // A marker after the run: once it arrived, every will published before it has too.
    REQUIRE(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", topic, "-m", "end"}).exit_code ==
            0);
    REQUIRE(wills->wait_for_stdout("end", 20s));
    const std::vector<std::string> received = lines_of(wills->out());
    const auto made = json_file(file)["totals"]["reconnects"]["made"].get<std::uint64_t>();
    CHECK(made > 0);
    const auto gone = static_cast<std::uint64_t>(std::count(received.begin(), received.end(), "gone"));
    CHECK(gone == (close == "drop" ? made : 0));
    wills->signal(SIGINT);
    wills->finish();
  }
}

TEST_CASE("a broker that refuses the reopened connections: each is a failed reconnect, counted by cause") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_after_some, FakeReply{0x87, "", "", 4}};  // the check and 3 clients
  const std::string file = (workspace / "refused.json").string();
  // Each refused reopening leaves its connection down: once none is held the run ends, long before --hold.
  const Outcome outcome = run_tool(
      workspace, "mqbench",
      {"conn", "-p", broker.port_text(), "-c", "3", "--hold", "50", "--churn", "20", "--json", file});
  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.err, "not authorized"));
  const nlohmann::json totals = json_file(file)["totals"];
  const nlohmann::json& reconnects = totals["reconnects"];
  CHECK(reconnects["made"] == 0);
  CHECK(reconnects["started"] == 3);
  CHECK(reconnects["failed"] == 3);
  REQUIRE(reconnects["failures_by_cause"].size() == 1);
  CHECK(contains(reconnects["failures_by_cause"].begin().key(), "not authorized"));
  CHECK(totals["errors"] == 3);
  CHECK(totals["connections"]["connected"] == 3);
}

TEST_CASE("--churn and --churn-close refuse what they cannot do, before connecting (exit 2)") {
  Workspace workspace;
  const std::string port = std::to_string(free_port());  // nothing listens: a usage error comes first
  struct Case {
    std::vector<std::string> arguments;
    std::string words;
  };
  const std::vector<Case> cases{
      {{"conn", "--churn", "0"}, "--churn"},
      {{"conn", "--churn", "-5"}, "--churn"},
      {{"conn", "--churn", "nan"}, "--churn"},
      {{"conn", "--churn", "inf"}, "--churn"},
      {{"conn", "--churn", "1e10"}, "--churn"},
      {{"conn", "--hold", "0", "--churn", "5"}, "--hold 0"},
      {{"conn", "--churn-close", "drop"}, "--churn"},
      {{"conn", "--churn", "5", "--churn-close", "reset"}, "drop, disconnect"},
      {{"pub", "--churn", "5"}, "--churn"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> arguments = c.arguments;
    arguments.insert(arguments.end(), {"-p", port});
    CAPTURE(arguments);
    const Outcome outcome = run_tool(workspace, "mqbench", arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, c.words));
    CHECK(outcome.out.empty());
  }
}
