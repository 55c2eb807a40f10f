#include "harness/prometheus.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace mq::test {
namespace {

constexpr int start_attempts = 3;

std::string percent_encoded(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += c;
    } else {
      encoded += '%';
      encoded += hex[byte >> 4];
      encoded += hex[byte & 15];
    }
  }
  return encoded;
}

int connect_to_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

HttpAnswer parsed_answer(const std::string& received) {
  HttpAnswer answer;
  const std::size_t end = received.find("\r\n\r\n");
  if (!received.starts_with("HTTP/1.") || end == std::string::npos || received.size() < 12) return answer;
  answer.status = std::stoi(received.substr(9, 3));
  answer.head = received.substr(0, end + 2);
  answer.body = received.substr(end + 4);
  return answer;
}

std::string config(int target_port) {
  return "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
         "scrape_configs:\n  - job_name: mqbench\n    static_configs:\n      - targets: ['127.0.0.1:" +
         std::to_string(target_port) + "']\n";
}

}  // namespace

HttpAnswer http_exchange(int port, const std::string& request) {
  const int fd = connect_to_loopback(port);
  if (fd < 0) return {};
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buffer[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd readable{fd, POLLIN, 0};
    if (poll(&readable, 1, 100) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return parsed_answer(received);
}

HttpAnswer http_get(int port, const std::string& target, const std::string& accept) {
  const std::string accept_line = accept.empty() ? std::string{} : "Accept: " + accept + "\r\n";
  return http_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + accept_line +
                                 "Connection: close\r\n\r\n");
}

Outcome check_openmetrics(const std::string& exposition, const Workspace& workspace) {
  return run(Command{{"/usr/bin/python3",
                      std::string{MQ_SOURCE_DIR} + "/tests/integration/harness/check_openmetrics.py"},
                     exposition,
                     {}},
             workspace.path());
}

PrometheusServer::PrometheusServer(const Workspace& workspace, int target_port) {
  const auto config_path = workspace.write("prometheus.yml", config(target_port));
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    process_ = std::make_unique<Process>(
        Command{{"/usr/bin/prometheus", "--config.file=" + config_path.string(),
                 "--storage.tsdb.path=" + (workspace / "prometheus-data").string(),
                 "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
                {},
                {}},
        workspace.path());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      if (http_get(port_, "/-/ready").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (attempt == start_attempts)
      throw std::runtime_error("prometheus did not become ready: " + process_->err());
  }
}

nlohmann::json PrometheusServer::query(const std::string& promql) const {
  const HttpAnswer answer = http_get(port_, "/api/v1/query?query=" + percent_encoded(promql));
  if (answer.status != 200) throw std::runtime_error("prometheus query failed: " + answer.head + answer.body);
  return nlohmann::json::parse(answer.body).at("data").at("result");
}

nlohmann::json PrometheusServer::metadata(const std::string& name) const {
  const HttpAnswer answer = http_get(port_, "/api/v1/metadata?metric=" + percent_encoded(name));
  if (answer.status != 200)
    throw std::runtime_error("prometheus metadata failed: " + answer.head + answer.body);
  const nlohmann::json data = nlohmann::json::parse(answer.body).at("data");
  return data.contains(name) ? data.at(name) : nlohmann::json::array();
}

}  // namespace mq::test
