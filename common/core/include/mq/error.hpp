#pragma once

#include <stdexcept>
#include <string>

namespace mq {

/// Process exit codes shared by every tool (design.md §4); the numbers are a public interface.
enum class Exit : int {
  ok = 0,
  internal = 1,        // a bug in mq
  usage = 2,           // bad option, value, combination, or unreadable input file
  network = 3,         // resolve, refuse, unreachable, connect timeout, connection lost
  tls = 4,             // handshake, certificate or unusable TLS file
  authentication = 5,  // broker refused our credentials
  authorization = 6,   // publish or subscribe not authorized
  protocol = 7,        // protocol version, client id, unavailable, banned, protocol violation
  timeout = 8,         // -W expired
  incomplete = 9,      // QoS 1/2 messages not acknowledged
  file = 10,           // a file we write could not be written safely
  threshold = 11,      // mqbench --fail-* limit not met
  interrupted = 130,   // SIGINT, after a clean shutdown
  terminated = 143,    // SIGTERM, after a clean shutdown
};

/// The numeric process exit status of an Exit code.
constexpr int exit_status(Exit code) { return static_cast<int>(code); }

/// A failure to report: what failed, why (the facts), how to fix it, and the exit code.
/// Thrown where the failure is found, caught only by run_main.
class Error : public std::runtime_error {
public:
  Error(Exit code, std::string what_failed, std::string cause = {}, std::string fix = {});

  Exit code() const noexcept { return code_; }
  const std::string& cause() const noexcept { return cause_; }
  const std::string& fix() const noexcept { return fix_; }

private:
  Exit code_;
  std::string cause_;
  std::string fix_;
};

/// Shorthand for the most common failure: a usage error with an optional fix.
Error usage_error(std::string what_failed, std::string fix = {});

}  // namespace mq
