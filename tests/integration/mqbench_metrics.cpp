// mqbench --metrics-port: the Prometheus endpoint of a running benchmark, its Prometheus text
// checked by promtool and its OpenMetrics by the Prometheus Python client's parser, scraped by a
// real Prometheus server; its HTTP answers, hostile clients and bad options.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "harness/broker.hpp"
#include "harness/prometheus.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// What Prometheus 2.42 asks for when it scrapes.
const std::string prometheus_accept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

// The port and run id mqbench printed: "metrics at http://ADDRESS:PORT/metrics (run ID, shard K/N)".
struct Announced {
  int port = 0;
  std::string run_id;
};

Announced announced(const std::string& err) {
  static const std::regex line{R"(metrics at http://\S+:(\d+)/metrics \(run (\S+), shard 1/1\))"};
  std::smatch match;
  if (!std::regex_search(err, match, line)) return {};
  return {std::stoi(match[1]), match[2]};
}

std::unique_ptr<Process> start_bench_with_metrics(const Workspace& workspace,
                                                  std::vector<std::string> arguments) {
  auto bench = start_tool(workspace, "mqbench", arguments);
  REQUIRE(bench->wait_for_stderr("/metrics (run "));
  return bench;
}

struct MeasuringBench {
  std::unique_ptr<Process> bench;
  Announced endpoint;
};

// A pubsub (2 pairs at 100/s, QoS 1, 3 s) serving its metrics on 127.0.0.1, once it has handed
// over a measured second.
MeasuringBench measuring_pubsub(const Workspace& workspace, const Broker& broker) {
  auto bench = start_bench_with_metrics(workspace, {"pubsub", "-p", broker.port_text(), "-c", "2", "--rate",
                                                    "100", "-q", "1", "--duration", "3", "--metrics-port",
                                                    "0", "--metrics-bind", "127.0.0.1"});
  const Announced endpoint = announced(bench->err());
  REQUIRE(endpoint.port > 0);
  REQUIRE(bench->wait_for_stderr("s measure"));
  return {std::move(bench), endpoint};
}

double value_of(const nlohmann::json& series) {
  return std::stod(series.at("value").at(1).get<std::string>());
}

// Queries until `promql` gives a series with a value above `above` (Prometheus scrapes every
// second), at most 30 s; the series, or null.
nlohmann::json wait_for_series(const PrometheusServer& prometheus, const std::string& promql, double above) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const nlohmann::json result = prometheus.query(promql);
    if (!result.empty() && value_of(result.at(0)) > above) return result.at(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return nullptr;
}

// Asks the metadata API until it knows the family `name` (metadata comes with the scrapes), at
// most 30 s; its metadata, or an empty array.
nlohmann::json wait_for_metadata(const PrometheusServer& prometheus, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const nlohmann::json metadata = prometheus.metadata(name);
    if (!metadata.empty()) return metadata;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return nlohmann::json::array();
}

Outcome promtool_check_metrics(const std::string& exposition, const Workspace& workspace) {
  return run(Command{{"/usr/bin/promtool", "check", "metrics"}, exposition, {}}, workspace.path());
}

// A socket listening on a free loopback port, as another program would hold it.
class ListeningSocket {
public:
  ListeningSocket() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(fd_, 1) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~ListeningSocket() { close(fd_); }
  int port() const { return port_; }

private:
  int fd_;
  int port_ = 0;
};

// A connection to the endpoint that sends `partial` and then nothing.
int silent_client(int port, const std::string& partial = {}) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  if (!partial.empty())
    send(fd, partial.data(), partial.size(), MSG_NOSIGNAL);  // refused when over the limit
  return fd;
}

}  // namespace

TEST_CASE("a running pubsub serves its metrics at /metrics, and promtool check metrics accepts them") {
  Workspace workspace;
  Broker broker{workspace};
  const MeasuringBench running = measuring_pubsub(workspace, broker);
  const auto& [bench, endpoint] = running;
  const HttpAnswer answer = http_get(endpoint.port, "/metrics");
  REQUIRE(answer.status == 200);
  CHECK(contains(answer.head, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
  const Outcome promtool = promtool_check_metrics(answer.body, workspace);
  const std::string promtool_said = promtool.out + promtool.err;
  CHECK_MESSAGE(promtool.exit_code == 0, promtool_said);
  const std::string labels = "{run=\"" + endpoint.run_id + "\",shard=\"1/1\"";
  CHECK(contains(answer.body, "mqbench_connections" + labels + ",state=\"connected\"} 4\n"));
  CHECK(std::regex_search(answer.body, std::regex{"mqbench_messages_sent_total\\{[^}]*\\} [1-9][0-9]*\n"}));
  CHECK(std::regex_search(answer.body, std::regex{"mqbench_latency_seconds_count\\{[^}]*\\} [1-9][0-9]*\n"}));
  CHECK(contains(answer.body, "mqbench_connect_latency_seconds_count" + labels + "} 4\n"));
  CHECK(bench->finish().exit_code == 0);
  CHECK(!accepts_connections(endpoint.port));  // the endpoint lives as long as the run
}

TEST_CASE(
    "asked with Prometheus's Accept header, /metrics answers OpenMetrics that a parser not ours reads") {
  Workspace workspace;
  Broker broker{workspace};
  const MeasuringBench running = measuring_pubsub(workspace, broker);
  const auto& [bench, endpoint] = running;
  const HttpAnswer answer = http_get(endpoint.port, "/metrics", prometheus_accept);
  REQUIRE(answer.status == 200);
  CHECK(
      contains(answer.head, "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"));
  CHECK(contains(answer.head, "Vary: Accept\r\n"));
  CHECK(answer.body.ends_with("\n# EOF\n"));
  const Outcome parsed = check_openmetrics(answer.body, workspace);
  REQUIRE_MESSAGE(parsed.exit_code == 0, parsed.err);
  CHECK(contains(parsed.out, "mqbench_messages_sent counter - mqbench_messages_sent_total\n"));
  CHECK(contains(parsed.out, "mqbench_errors counter -"));
  CHECK(contains(parsed.out, "mqbench_connections gauge - mqbench_connections\n"));
  CHECK(contains(parsed.out, "mqbench_latency_seconds histogram seconds mqbench_latency_seconds_bucket "
                             "mqbench_latency_seconds_count mqbench_latency_seconds_sum\n"));
  const std::string labels = "{run=\"" + endpoint.run_id + "\",shard=\"1/1\"";
  CHECK(std::regex_search(answer.body, std::regex{"mqbench_messages_sent_total\\{[^}]*\\} [1-9][0-9]*\n"}));
  CHECK(contains(answer.body, "mqbench_connect_latency_seconds_bucket" + labels + ",le=\"1.0\"} 4\n"));
  CHECK(contains(answer.body, "mqbench_connect_latency_seconds_count" + labels + "} 4\n"));

  const HttpAnswer text = http_get(endpoint.port, "/metrics",
                                   "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5");
  REQUIRE(text.status == 200);
  CHECK(contains(text.head, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  const Outcome promtool = promtool_check_metrics(text.body, workspace);
  const std::string promtool_said = promtool.out + promtool.err;
  CHECK_MESSAGE(promtool.exit_code == 0, promtool_said);
  CHECK(bench->finish().exit_code == 0);
}

TEST_CASE("a real Prometheus scrapes mqbench's metrics in OpenMetrics, and its query API returns the series "
          "labelled with run and shard") {
  Workspace workspace;
  Broker broker{workspace};
  const int metrics_port = free_port();
  PrometheusServer prometheus{workspace, metrics_port};
  auto bench = start_bench_with_metrics(workspace, {"pubsub", "-p", broker.port_text(), "-c", "2", "--rate",
                                                    "50", "-q", "1", "--duration", "60", "--metrics-port",
                                                    std::to_string(metrics_port)});
  const Announced endpoint = announced(bench->err());
  REQUIRE(endpoint.port == metrics_port);
  const nlohmann::json received = wait_for_series(prometheus, "mqbench_messages_received_total", 0);
  REQUIRE(received.is_object());
  CHECK(received["metric"]["run"] == endpoint.run_id);
  CHECK(received["metric"]["shard"] == "1/1");
  CHECK(received["metric"]["job"] == "mqbench");
  const nlohmann::json sent = prometheus.query("mqbench_messages_sent_total");
  REQUIRE(sent.size() == 1);
  CHECK(value_of(sent[0]) > 0);
  const nlohmann::json connected = prometheus.query("mqbench_connections{state=\"connected\"}");
  REQUIRE(connected.size() == 1);
  CHECK(value_of(connected[0]) == 4);
  CHECK(prometheus.query("mqbench_messages_lost")[0]["value"][1] == "0");
  const nlohmann::json median = prometheus.query("histogram_quantile(0.5, mqbench_latency_seconds_bucket)");
  REQUIRE(median.size() == 1);
  CHECK(value_of(median[0]) > 0);
  CHECK(value_of(median[0]) <= 1000);  // a finite bucket: not one of the +Inf bucket
  // Only OpenMetrics gives Prometheus a family's unit, and a counter's family without _total.
  const nlohmann::json latency = wait_for_metadata(prometheus, "mqbench_latency_seconds");
  REQUIRE(latency.size() == 1);
  CHECK(latency[0]["type"] == "histogram");
  CHECK(latency[0]["unit"] == "seconds");
  const nlohmann::json sent_family = prometheus.metadata("mqbench_messages_sent");
  REQUIRE(sent_family.size() == 1);
  CHECK(sent_family[0]["type"] == "counter");
  CHECK(prometheus.metadata("mqbench_messages_sent_total").empty());
  bench->signal(SIGINT);
  CHECK(bench->finish().exit_code == 130);
}

TEST_CASE("the endpoint answers 404 elsewhere, 405 to other methods, 400 to garbage and 431 to a huge head") {
  Workspace workspace;
  Broker broker{workspace};
  auto bench = start_bench_with_metrics(workspace, {"conn", "-p", broker.port_text(), "-c", "1",
                                                    "--metrics-port", "0", "--metrics-bind", "127.0.0.1"});
  const int port = announced(bench->err()).port;
  REQUIRE(port > 0);
  CHECK(http_get(port, "/").status == 404);
  CHECK(http_get(port, "/metrics/x").status == 404);
  const HttpAnswer post = http_exchange(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(post.status == 405);
  CHECK(contains(post.head, "Allow: GET"));
  CHECK(http_exchange(port, "hello\r\n\r\n").status == 400);
  CHECK(http_exchange(port, "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n").status ==
        431);
  CHECK(http_get(port, "/metrics?name[]=x").status == 200);
  bench->signal(SIGINT);
  CHECK(bench->finish().exit_code == 130);
}

TEST_CASE(
    "clients that connect and send nothing, or half a request, stall neither the endpoint nor the run") {
  Workspace workspace;
  Broker broker{workspace};
  auto bench = start_bench_with_metrics(workspace, {"pubsub", "-p", broker.port_text(), "-c", "1", "--rate",
                                                    "100", "--count", "300", "--metrics-port", "0",
                                                    "--metrics-bind", "127.0.0.1"});
  const int port = announced(bench->err()).port;
  REQUIRE(port > 0);
  std::vector<int> silent;
  for (int i = 0; i < 40; ++i)  // more than the endpoint takes at once
    silent.push_back(silent_client(port, i % 2 == 0 ? "" : "GET /metr"));
  const Outcome outcome = bench->finish();
  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.out, "300"));
  for (const int fd : silent)
    close(fd);
}

TEST_CASE("the endpoint still answers while other clients hold their connections without a request") {
  Workspace workspace;
  Broker broker{workspace};
  auto bench = start_bench_with_metrics(workspace, {"conn", "-p", broker.port_text(), "-c", "1",
                                                    "--metrics-port", "0", "--metrics-bind", "127.0.0.1"});
  const int port = announced(bench->err()).port;
  REQUIRE(port > 0);
  std::vector<int> silent;
  for (int i = 0; i < 5; ++i)
    silent.push_back(silent_client(port, "GET /metrics HTTP/1.1\r\n"));
  CHECK(http_get(port, "/metrics").status == 200);
  for (const int fd : silent)
    close(fd);
  bench->signal(SIGINT);
  CHECK(bench->finish().exit_code == 130);
}

TEST_CASE("bad --metrics-port and --metrics-bind values exit 2 before anything connects") {
  Workspace workspace;
  const std::vector<std::vector<std::string>> bad{
      {"--metrics-port", "65536"}, {"--metrics-port", "-1"},
      {"--metrics-port", "8.5"},   {"--metrics-port", "nan"},
      {"--metrics-port", ""},      {"--metrics-bind", "127.0.0.1"},  // without --metrics-port
  };
  for (const auto& options : bad) {
    std::vector<std::string> arguments{"pubsub", "-p", "1"};
    arguments.insert(arguments.end(), options.begin(), options.end());
    CAPTURE(options);
    const Outcome outcome = run_tool(workspace, "mqbench", arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, "--metrics-"));
  }
  const Outcome name = run_tool(workspace, "mqbench",
                                {"pub", "-p", "1", "--metrics-port", "0", "--metrics-bind", "localhost"});
  CHECK(name.exit_code == 2);
  CHECK(contains(name.err, "--metrics-bind 'localhost' is not an IP address"));
  CHECK(contains(name.err, "fix:"));
  CHECK(run_tool(workspace, "mqbench", {"report", "--metrics-port", "0", "x.json"}).exit_code == 2);
}

TEST_CASE("a port in use, an address not of this machine and a privileged port exit 3 with cause and fix") {
  Workspace workspace;
  Broker broker{workspace};
  ListeningSocket taken;
  const Outcome in_use = run_tool(
      workspace, "mqbench",
      {"conn", "-p", broker.port_text(), "--hold", "0", "--metrics-port", std::to_string(taken.port())});
  CHECK(in_use.exit_code == 3);
  CHECK(contains(in_use.err, "cannot serve the metrics at [::]:" + std::to_string(taken.port())));
  CHECK(contains(in_use.err, "another program listens on port"));
  CHECK(contains(in_use.err, "fix: give another --metrics-port, or 0"));
  const Outcome foreign = run_tool(workspace, "mqbench",
                                   {"conn", "-p", broker.port_text(), "--hold", "0", "--metrics-port", "0",
                                    "--metrics-bind", "192.0.2.1"});
  CHECK(foreign.exit_code == 3);
  CHECK(contains(foreign.err, "not an address of this machine"));
  // Root without CAP_NET_BIND_SERVICE, not another user: another user may not be able to reach the
  // binary (a chroot whose "/" is 0700), which would test that instead of the port.
  require_root("running mqbench without CAP_NET_BIND_SERVICE, which may not bind a port below 1024");
  std::ifstream start_file{"/proc/sys/net/ipv4/ip_unprivileged_port_start"};
  int unprivileged_start = 0;
  start_file >> unprivileged_start;
  REQUIRE_MESSAGE(unprivileged_start > 1000,
                  "this machine lets anyone bind low ports: the refusal cannot be shown");
  const Outcome privileged = run(Command{{"/usr/bin/setpriv", "--bounding-set=-net_bind_service",
                                          "--inh-caps=-net_bind_service", tool_path("mqbench"), "conn", "-p",
                                          broker.port_text(), "--hold", "0", "--metrics-port", "1000"},
                                         {},
                                         {}},
                                 workspace.path());
  INFO("mqbench said: " << privileged.err);
  CHECK(privileged.exit_code == 3);
  CHECK(contains(privileged.err, "ports below 1024 need root"));
}
