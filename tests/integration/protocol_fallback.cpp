// MQTT v5 by default, v3.1.1 when the broker refuses v5 and -V was not given.
#include <doctest/doctest.h>

#include "harness/fake_broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

TEST_CASE("a broker that refuses MQTT v5 gets a second CONNECT with v3.1.1, shown under -d") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_v5};

  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-h", "127.0.0.1", "-p", broker.port_text(), "-t", "t", "-m", "x", "-q", "1", "-d"});

  CHECK(outcome.exit_code == 0);
  CHECK(broker.connect_levels() == std::vector<int>{5, 4});
  CHECK(contains(outcome.err, "refused MQTT v5; connecting again with MQTT v3.1.1"));
}

TEST_CASE("the fallback is silent without -d") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_v5};
  const Outcome outcome =
      run_tool(workspace, "mqpub", {"-h", "127.0.0.1", "-p", broker.port_text(), "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.err == "");
}

TEST_CASE("with -V 5 given, a refused v5 is exit 7 naming the version and suggesting -V 311") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_v5};

  const Outcome outcome = run_tool(
      workspace, "mqpub", {"-h", "127.0.0.1", "-p", broker.port_text(), "-V", "5", "-t", "t", "-m", "x"});

  CHECK(outcome.exit_code == 7);
  CHECK(broker.connect_levels() == std::vector<int>{5});
  CHECK(contains(outcome.err, "refused MQTT v5"));
  CHECK(contains(outcome.err, "-V 311"));
}

TEST_CASE("a server that accepts TCP but never answers ends with the connect timeout, exit 3") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::silent};

  const Outcome outcome =
      run_tool(workspace, "mqsub",
               {"-h", "127.0.0.1", "-p", broker.port_text(), "-t", "t", "--connect-timeout", "0.5"});

  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "no answer from 127.0.0.1:" + broker.port_text() + " within 0.5 s"));
}
