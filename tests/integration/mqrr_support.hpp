#pragma once
// Helpers shared by the mqrr_*.cpp integration tests.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

namespace mq::test {

/// Starts `mqrr --serve` on `filter` with `options`, running `command` for each request, and
/// returns once the broker acknowledged its subscription.
inline std::unique_ptr<Process> start_responder(const Workspace& workspace, const Broker& broker,
                                                const std::string& filter,
                                                const std::vector<std::string>& options,
                                                const std::vector<std::string>& command) {
  std::vector<std::string> arguments{"-p", broker.port_text(), "--serve", "-t", filter, "-d"};
  arguments.insert(arguments.end(), options.begin(), options.end());
  arguments.push_back("--");
  arguments.insert(arguments.end(), command.begin(), command.end());
  auto responder = start_tool(workspace, "mqrr", arguments);
  if (!responder->wait_for_stderr("debug: serving " + filter))
    throw std::runtime_error("mqrr --serve did not subscribe: " + responder->err());
  return responder;
}

/// Runs mqrr (the requester) against `broker`.
inline Outcome request(const Workspace& workspace, const Broker& broker, std::vector<std::string> arguments,
                       std::optional<std::string> input = std::nullopt) {
  arguments.insert(arguments.begin(), {"-p", broker.port_text()});
  return run_tool(workspace, "mqrr", arguments, std::move(input));
}

/// Runs mosquitto_rr 2.0.11 (installed) against `broker`, to compare with.
inline Outcome reference_request(const Workspace& workspace, const Broker& broker,
                                 const std::vector<std::string>& arguments) {
  Command command{{"mosquitto_rr", "-p", broker.port_text()}, std::nullopt, {}};
  command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
  return run(command, workspace.path());
}

}  // namespace mq::test
