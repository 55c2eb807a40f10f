// --proxy and MQ_PROXY: HTTP CONNECT through tinyproxy (with and without BasicAuth) and SOCKS5
// through microsocks (with and without a username), for plain MQTT, MQTT over TLS and WebSockets.
#include <doctest/doctest.h>

#include <string>

#include "harness/broker.hpp"
#include "harness/tools.hpp"
#include "harness/web_servers.hpp"

using namespace mq::test;

namespace {

// Publishes `payload` with `arguments` while mqsub listens on the broker's plain port; returns
// the publisher's outcome after checking that the message arrived.
Outcome publish_and_receive(const Workspace& workspace, const Broker& broker,
                            std::vector<std::string> arguments,
                            const std::map<std::string, std::string>& environment = {}) {
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "proxied", "-C", "1"});
  arguments.insert(arguments.end(), {"-m", "through the proxy", "-q", "1"});
  const Outcome published = run_tool(workspace, "mqpub", arguments, std::nullopt, environment);
  if (published.exit_code == 0) CHECK(subscriber->finish().out == "through the proxy\n");
  return published;
}

}  // namespace

TEST_CASE("plain MQTT through tinyproxy's CONNECT") {
  Workspace workspace;
  Broker broker{workspace};
  HttpProxy proxy{workspace, broker.port()};
  const Outcome published = publish_and_receive(
      workspace, broker,
      {"-L", "mqtt://localhost:" + broker.port_text() + "/proxied", "--proxy", proxy.url()});
  CHECK(published.exit_code == 0);
  CHECK(published.err == "");
}

TEST_CASE("ws:// through tinyproxy, and -d shows the proxy's answer") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  HttpProxy proxy{workspace, broker.ws_port()};
  const Outcome published =
      publish_and_receive(workspace, broker,
                          {"-L", "ws://localhost:" + std::to_string(broker.ws_port()) + "/proxied", "--proxy",
                           proxy.url(), "-d"});
  CHECK(published.exit_code == 0);
  CHECK(contains(published.err, "> CONNECT localhost:" + std::to_string(broker.ws_port()) + " HTTP/1.1"));
  CHECK(contains(published.err, "< HTTP/1.0 200 Connection established"));
}

TEST_CASE("wss:// through tinyproxy: TLS end to end inside the tunnel") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker(true)};
  HttpProxy proxy{workspace, broker.wss_port()};
  const Outcome published =
      publish_and_receive(workspace, broker,
                          {"-L", "wss://localhost:" + std::to_string(broker.wss_port()) + "/proxied",
                           "--cafile", broker.certificates().ca.string(), "--proxy", proxy.url()});
  CHECK(published.exit_code == 0);
  CHECK(published.err == "");
}

TEST_CASE("tinyproxy with BasicAuth: the right credentials pass, none is 407 and exit 5, and -d masks them") {
  Workspace workspace;
  Broker broker{workspace};
  HttpProxy proxy{workspace, broker.port(), {{"alice", "pr0xy-pw"}}};
  const std::string url = "mqtt://localhost:" + broker.port_text() + "/proxied";
  const Outcome published =
      publish_and_receive(workspace, broker, {"-L", url, "--proxy", proxy.url("alice:pr0xy-pw"), "-d"});
  CHECK(published.exit_code == 0);
  CHECK(contains(published.err, "> Proxy-Authorization: ***"));
  CHECK_FALSE(contains(published.err, "pr0xy-pw"));

  const Outcome refused = run_tool(workspace, "mqpub", {"-L", url, "--proxy", proxy.url(), "-m", "x"});
  CHECK(refused.exit_code == 5);
  CHECK(contains(refused.err, "refused to connect to localhost:" + broker.port_text()));
  CHECK(contains(refused.err, "407"));
  CHECK(contains(refused.err, "--proxy http://USER:PASSWORD@HOST:PORT"));
}

TEST_CASE("a proxy that refuses CONNECT to the port is exit 3 showing its status line") {
  Workspace workspace;
  Broker broker{workspace};
  HttpProxy proxy{workspace, broker.port() == 1 ? 2 : 1};
  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-L", "mqtt://localhost:" + broker.port_text() + "/t", "--proxy", proxy.url(), "-m", "x"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "it answered CONNECT with 'HTTP/1.1 403 Access violation'"));
  CHECK(contains(outcome.err, "ConnectPort"));
}

TEST_CASE("a proxy that cannot be reached is exit 3 naming it, and MQ_PROXY is used unless --no-proxy") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string dead_proxy = "http://127.0.0.1:" + std::to_string(free_port());
  const std::vector<std::string> arguments{"-p", broker.port_text(), "-t", "proxied"};
  const Outcome outcome = run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "t", "-m", "x"},
                                   std::nullopt, {{"MQ_PROXY", dead_proxy}});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "cannot reach the proxy " + dead_proxy));
  CHECK(contains(outcome.err, "onnection refused"));

  std::vector<std::string> direct = arguments;
  direct.push_back("--no-proxy");
  CHECK(publish_and_receive(workspace, broker, direct, {{"MQ_PROXY", dead_proxy}}).exit_code == 0);
}

TEST_CASE("plain MQTT through microsocks (socks5h://), without and with a username") {
  Workspace workspace;
  Broker broker{workspace};
  // microsocks connects to the first address of a name only: where localhost is ::1 first (real
  // Debian), it would find no broker there. The proxy still resolves what it is given.
  const std::string url = "mqtt://127.0.0.1:" + broker.port_text() + "/proxied";
  {
    SocksProxy open_proxy{workspace};
    CHECK(publish_and_receive(workspace, broker, {"-L", url, "--proxy", open_proxy.url()}).exit_code == 0);
  }
  SocksProxy guarded{workspace, "bob", "s0cks"};
  CHECK(publish_and_receive(workspace, broker, {"-L", url, "--proxy", guarded.url("bob:s0cks")}).exit_code ==
        0);
  const Outcome refused =
      run_tool(workspace, "mqpub", {"-L", url, "--proxy", guarded.url("bob:wrong"), "-m", "x"});
  CHECK(refused.exit_code == 5);
  CHECK(contains(refused.err, "it did not accept the username and password"));
  const Outcome anonymous = run_tool(workspace, "mqpub", {"-L", url, "--proxy", guarded.url(), "-m", "x"});
  CHECK(anonymous.exit_code == 5);
  CHECK(contains(anonymous.err, "it wants a username and password"));
}

TEST_CASE(
    "ws:// through microsocks, and a broker port the SOCKS5 proxy cannot reach is exit 3 with its reply") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  SocksProxy proxy{workspace};
  const Outcome published = publish_and_receive(
      workspace, broker,
      {"-L", "ws://localhost:" + std::to_string(broker.ws_port()) + "/proxied", "--proxy", proxy.url()});
  CHECK(published.exit_code == 0);
  CHECK(published.err == "");
  const Outcome refused = run_tool(
      workspace, "mqpub",
      {"-L", "ws://localhost:" + std::to_string(free_port()) + "/t", "--proxy", proxy.url(), "-m", "x"});
  CHECK(refused.exit_code == 3);
  CHECK(contains(refused.err, "refused to connect to localhost:"));
  CHECK(contains(refused.err, "it answered"));
}

TEST_CASE("proxy URLs are checked before connecting (exit 2)") {
  Workspace workspace;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"socks5://127.0.0.1:1080", "write socks5h://"},
      {"ftp://h:1", "it must start with http:// (HTTP CONNECT) or socks5h:// (SOCKS5)"},
      {"http://proxy", "the proxy's port is missing"},
  };
  for (const auto& [proxy_url, words] : cases) {
    const std::string& url = proxy_url;
    CAPTURE(url);
    const Outcome outcome = run_tool(workspace, "mqpub", {"-t", "t", "-m", "x", "--proxy", url});
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, words));
  }
  const Outcome from_environment =
      run_tool(workspace, "mqpub", {"-t", "t", "-m", "x"}, std::nullopt, {{"MQ_PROXY", "nonsense"}});
  CHECK(from_environment.exit_code == 2);
  CHECK(contains(from_environment.err, "MQ_PROXY 'nonsense' is not valid"));
}
