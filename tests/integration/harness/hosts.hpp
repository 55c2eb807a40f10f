#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/process.hpp"
#include "harness/workspace.hpp"

namespace mq::test {

/// Machines simulated on this one: a hub network namespace with a bridge at 10.99.0.1/24, and
/// `hosts` network namespaces at 10.99.0.11, .12, ..., each linked to the bridge by a veth pair.
/// The test process stays in its own namespace: it starts a server in the hub (in_hub) and
/// programs in a host (inside). The destructor removes every namespace. Needs root.
class SimulatedHosts {
public:
  SimulatedHosts(const Workspace& workspace, int hosts);
  ~SimulatedHosts();
  SimulatedHosts(const SimulatedHosts&) = delete;
  SimulatedHosts& operator=(const SimulatedHosts&) = delete;

  /// The bridge's address in the hub.
  std::string hub_address() const { return "10.99.0.1"; }
  /// The address of host 1 to `hosts`.
  std::string address(int host) const { return "10.99.0." + std::to_string(10 + host); }
  /// `command` run in host `host` (0: the hub) through `ip netns exec`.
  Command inside(int host, Command command) const;
  /// Calls `start` with this thread in the hub's namespace, then returns it to its own: what
  /// `start` starts (a broker) lives in the hub.
  void in_hub(const std::function<void()>& start) const;

private:
  void link_hosts(int hosts);
  void remove();
  std::string name(int host) const;

  const Workspace& workspace_;
  std::string prefix_;
  std::vector<std::string> created_;
};

}  // namespace mq::test
