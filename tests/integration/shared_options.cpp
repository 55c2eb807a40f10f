// The connection and TLS options every connecting tool shares, each run end to end against a
// real server that shows what the option did: a message through mosquitto's Unix socket, the
// source address and client id in the broker's log, TCP_NODELAY read from the tool's own socket,
// a PSK identity the broker takes as the username, the ALPN name and TLS secrets openssl s_server
// saw, TLS options overruled by --no-tls, and the defaults file found through $HOME.
#include <doctest/doctest.h>

#include <sstream>

#include "harness/broker.hpp"
#include "harness/process_sockets.hpp"
#include "harness/tls_server.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  return found;
}

// mqsub holding a subscription open on `broker`, with `options` added.
std::unique_ptr<Process> subscriber_with(const Workspace& workspace, const Broker& broker,
                                         std::vector<std::string> options) {
  options.insert(options.end(), {"-p", broker.port_text(), "-t", "held"});
  return start_subscriber(workspace, options);
}

}  // namespace

TEST_CASE("--unix connects through the broker's Unix socket") {
  Workspace workspace;
  const std::string socket = (workspace / "broker.sock").string();
  BrokerSetup setup;
  setup.extra_lines = {"listener 0 " + socket};
  Broker broker{workspace, setup};
  auto subscriber = start_subscriber(workspace, {"--unix", socket, "-t", "unix/#", "-v", "-C", "1"});
  const Outcome published =
      run_tool(workspace, "mqpub", {"--unix", socket, "-t", "unix/a", "-m", "via socket", "-q", "1"});
  CHECK_MESSAGE(published.exit_code == 0, published.err);
  CHECK(subscriber->finish().out == "unix/a via socket\n");
  CHECK(contains(broker.log(), "on port 0"));  // mosquitto's words for a Unix-socket client

  const Outcome missing =
      run_tool(workspace, "mqpub", {"--unix", (workspace / "none.sock").string(), "-t", "t", "-m", "x"});
  CHECK(missing.exit_code == 3);
}

TEST_CASE("-A binds the connection to the address given, as the broker sees it") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome published =
      run_tool(workspace, "mqpub",
               {"-h", "127.0.0.1", "-p", broker.port_text(), "-A", "127.0.0.2", "-t", "t", "-m", "x"});
  CHECK_MESSAGE(published.exit_code == 0, published.err);
  CHECK(contains(broker.log(), "New connection from 127.0.0.2:"));

  const Outcome benched = run_tool(workspace, "mqbench",
                                   {"conn", "-h", "127.0.0.1", "-p", broker.port_text(), "--bind-address",
                                    "127.0.0.3", "-c", "2", "--hold", "0"});
  CHECK_MESSAGE(benched.exit_code == 0, benched.err);
  CHECK(contains(broker.log(), "New connection from 127.0.0.3:"));
}

TEST_CASE("-I names the client by the prefix and the process id") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = subscriber_with(workspace, broker, {"-I", "prefixed-"});
  CHECK(contains(broker.log(), "as prefixed-" + std::to_string(subscriber->pid()) + " "));
}

TEST_CASE("--nodelay turns Nagle's algorithm off") {
  require_root("reading TCP_NODELAY from another process's socket (pidfd_getfd)");
  Workspace workspace;
  Broker broker{workspace};
  auto plain = subscriber_with(workspace, broker, {});
  auto nodelay = subscriber_with(workspace, broker, {"--nodelay"});
  CHECK(nodelay_of_tcp_sockets(plain->pid()) == std::vector<int>{0});
  CHECK(nodelay_of_tcp_sockets(nodelay->pid()) == std::vector<int>{1});
  // mqbench's default and --nagle: mqbench_outcomes.
}

TEST_CASE("--psk and --psk-identity connect to a PSK listener, which takes the identity as the user") {
  Workspace workspace;
  const std::string key = "00112233445566778899aabbccddeeff";
  const int psk_port = free_port();
  BrokerSetup setup;
  add_psk_listener(setup, workspace, psk_port, "alice", key, true);
  Broker broker{workspace, setup};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "psk", "-C", "1"});
  const std::string port = std::to_string(psk_port);
  const Outcome published =
      run_tool(workspace, "mqpub",
               {"-p", port, "--psk", key, "--psk-identity", "alice", "-t", "psk", "-m", "pre-shared"});
  CHECK_MESSAGE(published.exit_code == 0, published.err);
  CHECK(subscriber->finish().out == "pre-shared\n");
  CHECK(contains(broker.log(), "u'alice'"));

  const Outcome wrong_key = run_tool(workspace, "mqpub",
                                     {"-p", port, "--psk", "ffeeddccbbaa99887766554433221100",
                                      "--psk-identity", "alice", "-t", "psk", "-m", "x"});
  CHECK(wrong_key.exit_code == 4);
}

TEST_CASE("--tls-alpn offers the protocol name in the ClientHello") {
  Workspace workspace;
  const Certificates certificates = make_certificates(workspace / "certs");
  TlsServer server{workspace, certificates, {"-alpn", "mqtt", "-trace"}};  // -trace flushes its log
  run_tool(workspace, "mqpub",
           {"-h", "127.0.0.1", "-p", server.port_text(), "--cafile", certificates.ca.string(), "--tls-alpn",
            "mqtt", "-t", "t", "-m", "x", "--connect-timeout", "2"});
  CHECK(contains(server.log(), "ALPN protocols advertised by the client: mqtt"));
  CHECK(contains(server.log(), "ALPN protocols selected: mqtt"));
}

TEST_CASE("--tls-keylog writes the secrets of the session the server had") {
  Workspace workspace;
  const Certificates certificates = make_certificates(workspace / "certs");
  const std::string server_keys = (workspace / "server.keys").string();
  const std::string client_keys = (workspace / "client.keys").string();
  TlsServer server{workspace, certificates, {"-keylogfile", server_keys}};
  run_tool(workspace, "mqpub",
           {"-h", "127.0.0.1", "-p", server.port_text(), "--cafile", certificates.ca.string(), "--tls-keylog",
            client_keys, "-t", "t", "-m", "x", "--connect-timeout", "2"});
  const std::vector<std::string> written = lines_starting(read_file(client_keys), "CLIENT_");
  const std::vector<std::string> known = lines_starting(read_file(server_keys), "CLIENT_");
  REQUIRE(written.size() >= 2);  // TLS 1.3: the handshake and the traffic secret
  CHECK(written == known);
}

TEST_CASE("--no-tls connects in plain MQTT whatever TLS options the defaults file gives") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  Broker broker{workspace, setup};
  std::filesystem::create_directories(workspace / "config/mq");
  workspace.write("config/mq/mqpub", "--cafile " + broker.certificates().ca.string() + "\n");
  const std::map<std::string, std::string> environment{{"XDG_CONFIG_HOME", (workspace / "config").string()}};
  const std::vector<std::string> to_plain_port{"-h", "127.0.0.1", "-p", broker.port_text(),
                                               "-t", "t",         "-m", "x"};

  const Outcome with_tls = run_tool(workspace, "mqpub", to_plain_port, {}, environment);
  CHECK(with_tls.exit_code == 4);  // a TLS handshake with a plain listener
  std::vector<std::string> without_tls = to_plain_port;
  without_tls.push_back("--no-tls");
  const Outcome plain = run_tool(workspace, "mqpub", without_tls, {}, environment);
  CHECK_MESSAGE(plain.exit_code == 0, plain.err);
}

TEST_CASE("without $XDG_CONFIG_HOME, the defaults file is ~/.config/mq/TOOL under $HOME") {
  Workspace workspace;
  Broker broker{workspace};
  std::filesystem::create_directories(workspace / "home/.config/mq");
  workspace.write("home/.config/mq/mqpub", "-p " + broker.port_text() + "\n-t from/home\n");
  workspace.write("home/.config/mq/mqsub", "-p " + broker.port_text() + "\n-t from/#\n-v\n");
  const std::map<std::string, std::string> environment{{"HOME", (workspace / "home").string()},
                                                       {"XDG_CONFIG_HOME", ""}};
  auto subscriber = start_tool(workspace, "mqsub", {"-C", "1", "-d"}, {}, environment);
  REQUIRE(subscriber->wait_for_stderr("debug: subscribed to from/#"));
  const Outcome published = run_tool(workspace, "mqpub", {"-m", "found", "-q", "1"}, {}, environment);
  CHECK_MESSAGE(published.exit_code == 0, published.err);
  CHECK(subscriber->finish().out == "from/home found\n");
}
