#pragma once

#include <vector>

namespace mq::test {

/// TCP_NODELAY (1 or 0) of each TCP socket process `pid` has open, read from copies of its own
/// descriptors (pidfd_getfd, Linux 5.6; the test is the process's parent and root, as in CI).
std::vector<int> nodelay_of_tcp_sockets(int pid);

}  // namespace mq::test
