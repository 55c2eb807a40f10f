#include "harness/web_servers.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace mq::test {
namespace {

constexpr int start_attempts = 5;

void wait_until_accepting(Process& process, int port, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts_connections(port)) return;
    if (!process.running())
      throw std::runtime_error(what + " exited at start: " + process.err() + process.out());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error(what + " did not accept connections within 10 s");
}

std::string with_credentials(const std::string& scheme, int port, const std::string& credentials) {
  return scheme + "://" + (credentials.empty() ? "" : credentials + "@") +
         "127.0.0.1:" + std::to_string(port);
}

}  // namespace

FakeWebSocketServer::FakeWebSocketServer(const Workspace& workspace,
                                         const std::vector<std::string>& behaviour)
    : requests_(workspace / "websocket-requests") {
  std::vector<std::string> argv{
      "/usr/bin/python3", std::string{MQ_SOURCE_DIR} + "/tests/integration/harness/fake_websocket_server.py",
      requests_.string()};
  argv.insert(argv.end(), behaviour.begin(), behaviour.end());
  process_ = std::make_unique<Process>(Command{argv, {}, {}}, workspace.path());
  if (!process_->wait_for_stdout("\n"))
    throw std::runtime_error("the fake WebSocket server did not start: " + process_->err());
  port_ = std::stoi(process_->out());
}

std::string FakeWebSocketServer::requests() const { return read_file(requests_); }

HttpProxy::HttpProxy(const Workspace& workspace, int connect_port,
                     const std::map<std::string, std::string>& users) {
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    std::string config = "Port " + std::to_string(port_) + "\nListen 127.0.0.1\nTimeout 30\nLogLevel Info\n" +
                         "MaxClients 20\nAllow 127.0.0.1\nConnectPort " + std::to_string(connect_port) + "\n";
    for (const auto& [user, password] : users)
      config += "BasicAuth " + user + " " + password + "\n";
    const auto path = workspace.write("tinyproxy.conf", config);
    process_ = std::make_unique<Process>(Command{{"/usr/bin/tinyproxy", "-d", "-c", path.string()}, {}, {}},
                                         workspace.path());
    try {
      wait_until_accepting(*process_, port_, "tinyproxy");
      return;
    } catch (const std::runtime_error&) {
      if (attempt == start_attempts) throw;
    }
  }
}

std::string HttpProxy::url(const std::string& credentials) const {
  return with_credentials("http", port_, credentials);
}

SocksProxy::SocksProxy(const Workspace& workspace, const std::string& user, const std::string& password) {
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    std::vector<std::string> argv{"/usr/bin/microsocks", "-i", "127.0.0.1", "-p", std::to_string(port_)};
    if (!user.empty()) argv.insert(argv.end(), {"-u", user, "-P", password});
    process_ = std::make_unique<Process>(Command{argv, {}, {}}, workspace.path());
    try {
      wait_until_accepting(*process_, port_, "microsocks");
      return;
    } catch (const std::runtime_error&) {
      if (attempt == start_attempts) throw;
    }
  }
}

std::string SocksProxy::url(const std::string& credentials) const {
  return with_credentials("socks5h", port_, credentials);
}

}  // namespace mq::test
