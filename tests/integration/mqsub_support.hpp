#pragma once
// Helpers shared by the mqsub_*.cpp integration tests.

#include <string>
#include <vector>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

namespace mq::test {

/// Runs mosquitto_pub (the reference tool: it has -D publish and -f) against `broker`.
inline Outcome reference_publish(const Workspace& workspace, const Broker& broker,
                                 const std::vector<std::string>& arguments) {
  Command command{{"mosquitto_pub", "-p", broker.port_text()}, std::nullopt, {}};
  command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
  return run(command, workspace.path());
}

/// Runs mosquitto_sub 2.0.11 (installed) against `broker`, to compare output with.
inline Outcome reference_subscribe(const Workspace& workspace, const Broker& broker,
                                   const std::vector<std::string>& arguments) {
  Command command{{"mosquitto_sub", "-p", broker.port_text()}, std::nullopt, {}};
  command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
  return run(command, workspace.path());
}

/// Runs mqsub against `broker`.
inline Outcome subscribe(const Workspace& workspace, const Broker& broker,
                         std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {"-p", broker.port_text()});
  return run_tool(workspace, "mqsub", arguments);
}

/// Runs a shell command line (for pipes and pseudo-terminals).
inline Outcome shell(const Workspace& workspace, const std::string& command_line) {
  return run(Command{{"bash", "-c", command_line}, std::nullopt, {}}, workspace.path());
}

}  // namespace mq::test
