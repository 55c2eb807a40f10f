#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/certificates.hpp"
#include "harness/process.hpp"
#include "harness/workspace.hpp"

namespace mq::test {

/// `openssl s_server` on a kernel-chosen loopback port, presenting the server certificate of
/// `certificates`, with extra s_server options (e.g. {"-tls1_2"}, {"-cipher", "..."}): TLS
/// settings a mosquitto listener cannot be given. Ready when constructed, killed when destroyed.
class TlsServer {
public:
  TlsServer(const Workspace& workspace, const Certificates& certificates,
            const std::vector<std::string>& options);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  int port() const { return port_; }
  /// What s_server printed so far (with {"-trace"}: every handshake message it saw).
  std::string log() const { return process_->out(); }
  std::string port_text() const { return std::to_string(port_); }

private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

}  // namespace mq::test
