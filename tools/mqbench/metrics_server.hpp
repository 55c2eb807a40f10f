#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "live_metrics.hpp"

// The HTTP endpoint of --metrics-port: one thread with one poll loop serves every scrape, never
// a thread per request. A request head is limited in size and a connection in time and number,
// so a slow or hostile client delays only other scrapes, never the load engine.
namespace mq::bench {

/// Serves GET /metrics with what `render` returns in the format the request's Accept header
/// negotiates (negotiated_format), from construction to destruction.
class MetricsServer {
public:
  static constexpr std::size_t request_limit = 8 * 1024;  // a longer head is answered 431
  static constexpr std::size_t connection_limit = 16;     // more at once are closed at once
  static constexpr std::chrono::seconds connection_time{10};

  /// Listens at --metrics-bind (every address when empty) and --metrics-port (the kernel's
  /// choice when 0), or throws Exit::network naming why it cannot (port in use, address not of
  /// this machine, privileged port).
  MetricsServer(const MetricsOptions& options, std::function<std::string(ExpositionFormat)> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// The port it listens on.
  int port() const { return port_; }
  /// "http://ADDRESS:PORT/metrics", with [::] or 0.0.0.0 for every address.
  std::string url() const;

private:
  struct Connection {
    int fd = -1;
    std::string received;
    std::string answer;
    std::size_t written = 0;
    std::chrono::steady_clock::time_point deadline;
  };

  void serve();
  void accept_connections();
  bool read_request(Connection& connection);
  bool write_answer(Connection& connection);
  std::string answer_to(std::string_view head) const;

  std::function<std::string(ExpositionFormat)> render_;
  std::string address_text_;
  int listener_ = -1;
  int port_ = 0;
  int stop_ = -1;  // an eventfd: readable when the thread should end
  std::chrono::steady_clock::time_point accept_paused_until_{};
  std::vector<Connection> connections_;
  std::thread thread_;
};

}  // namespace mq::bench
