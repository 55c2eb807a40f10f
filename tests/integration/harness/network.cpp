#include "harness/network.hpp"

#include <doctest/doctest.h>
#include <sched.h>

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

void enter_private_network(const Workspace& workspace) {
  require_root("a private network namespace");
  REQUIRE_MESSAGE(::unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): ", std::strerror(errno));
  run_checked(workspace, {"ip", "link", "set", "lo", "up", "mtu", "1500"});
}

void limit_loopback(const Workspace& workspace, const std::string& rate) {
  run_checked(workspace, {"tc", "qdisc", "replace", "dev", "lo", "root", "tbf", "rate", rate, "burst", "8kb",
                          "latency", "200ms"});
}

}  // namespace mq::test
