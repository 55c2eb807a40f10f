// The harness's private network namespace is the test's only while it lasts: a later test case
// of the same process is back on the machine's network, without the earlier one's limits.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "harness/network.hpp"
#include "harness/process.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

ino_t network_namespace() {
  struct stat status {};
  REQUIRE(::stat("/proc/self/ns/net", &status) == 0);
  return status.st_ino;
}

std::string loopback_queueing(const Workspace& workspace) {
  const Outcome outcome = run(Command{{"tc", "qdisc", "show", "dev", "lo"}, {}, {}}, workspace.path());
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  return outcome.out;
}

}  // namespace

TEST_CASE("a private network lasts as long as its object, and afterwards the test is back on the machine's") {
  Workspace workspace;
  const ino_t original = network_namespace();
  {
    const PrivateNetwork network{workspace};
    CHECK(network_namespace() != original);
    limit_loopback(workspace, "2mbit");
    CHECK(contains(loopback_queueing(workspace), "tbf"));
  }
  CHECK(network_namespace() == original);
  CHECK_FALSE(contains(loopback_queueing(workspace), "rate 2Mbit"));
}
