#include "harness/network.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/process.hpp"
#include "harness/tools.hpp"

namespace mq::test {
namespace {

void run_checked(const Workspace& workspace, const std::vector<std::string>& argv) {
  const Outcome outcome = run(Command{argv, {}, {}}, workspace.path());
  REQUIRE_MESSAGE(outcome.exit_code == 0, argv.front(), " failed: ", outcome.err);
}

}  // namespace

PrivateNetwork::PrivateNetwork(const Workspace& workspace) {
  require_root("a private network namespace");
  original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  REQUIRE_MESSAGE(original_ >= 0, "open(/proc/self/ns/net): ", std::strerror(errno));
  REQUIRE_MESSAGE(::unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): ", std::strerror(errno));
  run_checked(workspace, {"ip", "link", "set", "lo", "up", "mtu", "1500"});
}

// The private namespace goes with its last process once this one has left it.
PrivateNetwork::~PrivateNetwork() {
  if (original_ < 0) return;
  const bool back = ::setns(original_, CLONE_NEWNET) == 0;
  const int error = errno;
  ::close(original_);
  CHECK_MESSAGE(back, "setns back to the original network namespace: ", std::strerror(error));
}

void limit_loopback(const Workspace& workspace, const std::string& rate) {
  run_checked(workspace, {"tc", "qdisc", "replace", "dev", "lo", "root", "tbf", "rate", rate, "burst", "8kb",
                          "latency", "200ms"});
}

}  // namespace mq::test
