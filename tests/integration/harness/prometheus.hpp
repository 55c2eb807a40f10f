#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "harness/process.hpp"
#include "harness/workspace.hpp"

// Prometheus for the metrics tests: a real server (Debian's prometheus) scraping an endpoint,
// and the plain HTTP exchanges a test makes with it or with mqbench's endpoint.
namespace mq::test {

/// What an HTTP server answered: the status code, the head and the body.
struct HttpAnswer {
  int status = 0;
  std::string head;
  std::string body;
};

/// Sends `request` (bytes as they are) to 127.0.0.1:`port` and reads until the server closes
/// (at most 10 s); status 0 when the answer is not HTTP.
HttpAnswer http_exchange(int port, const std::string& request);

/// GET `target` from 127.0.0.1:`port` with HTTP/1.1 and Connection: close.
HttpAnswer http_get(int port, const std::string& target);

/// Prometheus on a free loopback port, scraping 127.0.0.1:`target_port`/metrics every second,
/// with its storage in the workspace; ready when the constructor returns, stopped by the
/// destructor.
class PrometheusServer {
public:
  PrometheusServer(const Workspace& workspace, int target_port);
  int port() const { return port_; }
  /// The result of an instant query of the HTTP API (data.result: an array of series, each
  /// with its "metric" labels and its "value" [time, "number"]).
  nlohmann::json query(const std::string& promql) const;

private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

}  // namespace mq::test
