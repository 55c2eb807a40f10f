#pragma once

#include <string>

#include "harness/workspace.hpp"

namespace mq::test {

/// Moves this test process, and every process it starts from now on, into a network namespace
/// of its own that holds only a loopback interface (up, with an Ethernet-sized MTU so that a
/// rate limit sees real packet sizes). The namespace goes when the process ends. Needs root.
void enter_private_network(const Workspace& workspace);

/// Limits what the private loopback carries to `rate` (tc's words: "2mbit"), in both directions
/// together, with a token bucket; replaces any earlier limit.
void limit_loopback(const Workspace& workspace, const std::string& rate);

}  // namespace mq::test
