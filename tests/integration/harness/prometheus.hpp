#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "harness/process.hpp"
#include "harness/workspace.hpp"

// Prometheus for the metrics tests: a real server (Debian's prometheus) scraping an endpoint,
// the plain HTTP exchanges a test makes with it or with mqbench's endpoint, and a reader of
// OpenMetrics that is not ours.
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

/// GET `target` from 127.0.0.1:`port` with HTTP/1.1 and Connection: close, and an Accept header
/// with `accept` unless it is empty.
HttpAnswer http_get(int port, const std::string& target, const std::string& accept = {});

/// Reads `exposition` with the OpenMetrics parser of the Prometheus Python client
/// (harness/check_openmetrics.py): exit 0 and a line per family, "NAME TYPE UNIT SAMPLES..."
/// (UNIT "-" when none), or exit 1 and why on stderr.
Outcome check_openmetrics(const std::string& exposition, const Workspace& workspace);

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
  /// What the metadata API knows of the family `name` from its scrapes: an array of
  /// {"type", "help", "unit"}, empty when none.
  nlohmann::json metadata(const std::string& name) const;

private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

}  // namespace mq::test
