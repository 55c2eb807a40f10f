#pragma once

#include <optional>

namespace mq::test {

/// Whether the TCP connection that process `pid` has open to `peer_port` has Nagle's algorithm
/// off (TCP_NODELAY), read from a duplicate of the process's own socket (pidfd_getfd, Linux
/// 5.6, needs root as CI runs); nullopt when the process has no such connection.
std::optional<bool> tcp_nodelay_towards(int pid, int peer_port);

}  // namespace mq::test
