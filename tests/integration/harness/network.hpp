#pragma once

#include <string>

#include "harness/workspace.hpp"

namespace mq::test {

/// Moves this test process, and every process it starts from now on, into a network namespace
/// of its own that holds only a loopback interface (up, with an Ethernet-sized MTU so that a
/// rate limit sees real packet sizes), for the lifetime of this object: its destructor moves the
/// process back into the namespace it came from, so that a later test case of the same process
/// sees the machine's network again (and none of this one's limits). Declare it before the
/// brokers and tools it should hold, so that they end first. Needs root.
class PrivateNetwork {
public:
  explicit PrivateNetwork(const Workspace& workspace);
  ~PrivateNetwork();
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;

private:
  int original_ = -1;  // a descriptor of the namespace the process came from
};

/// Limits what the private loopback carries to `rate` (tc's words: "2mbit"), in both directions
/// together, with a token bucket; replaces any earlier limit.
void limit_loopback(const Workspace& workspace, const std::string& rate);

}  // namespace mq::test
