#include "harness/tls_server.hpp"

#include <signal.h>

#include <stdexcept>

namespace mq::test {
namespace {

constexpr int start_attempts = 3;  // a kernel-chosen port can be taken again before s_server binds it

}  // namespace

TlsServer::TlsServer(const Workspace& workspace, const Certificates& certificates,
                     const std::vector<std::string>& options) {
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    Command command{{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_), "-cert",
                     certificates.server_cert.string(), "-key", certificates.server_key.string(),
                     "-www"},  // answers by itself; without it s_server reads commands from stdin
                    {},
                    {}};
    command.argv.insert(command.argv.end(), options.begin(), options.end());
    process_ = std::make_unique<Process>(command, workspace.path());
    if (process_->wait_for_stdout("ACCEPT") && process_->running()) return;
    const std::string failure = process_->err();
    process_.reset();
    if (attempt == start_attempts) throw std::runtime_error("openssl s_server did not start: " + failure);
  }
}

TlsServer::~TlsServer() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_for_exit(std::chrono::seconds(5));
}

}  // namespace mq::test
