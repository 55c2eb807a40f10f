// Logging in with a username and password: accepted, refused, or missing.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

BrokerSetup password_broker() {
  BrokerSetup setup;
  setup.anonymous = false;
  setup.users = {{"alice", "wonderland"}};
  return setup;
}

}  // namespace

TEST_CASE("the right username and password are accepted") {
  Workspace workspace;
  Broker broker{workspace, password_broker()};
  const Outcome outcome = run_tool(
      workspace, "mqpub",
      {"-p", broker.port_text(), "-u", "alice", "-P", "wonderland", "-t", "t", "-m", "x", "-q", "1"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.err == "");
}

TEST_CASE("the password can come from MQ_PASSWORD or --pw-file") {
  Workspace workspace;
  Broker broker{workspace, password_broker()};
  const auto from_environment =
      run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-u", "alice", "-t", "t", "-m", "x"}, {},
               {{"MQ_PASSWORD", "wonderland"}});
  CHECK(from_environment.exit_code == 0);
  const auto file = workspace.write("password.txt", "wonderland\n");
  const auto from_file =
      run_tool(workspace, "mqpub",
               {"-p", broker.port_text(), "-u", "alice", "--pw-file", file.string(), "-t", "t", "-m", "x"});
  CHECK(from_file.exit_code == 0);
}

TEST_CASE("a wrong password is refused with exit 5, over MQTT v5 and v3.1.1") {
  Workspace workspace;
  Broker broker{workspace, password_broker()};
  for (const std::string version : {"5", "311"}) {
    CAPTURE(version);
    const Outcome outcome = run_tool(
        workspace, "mqpub",
        {"-p", broker.port_text(), "-V", version, "-u", "alice", "-P", "wrong", "-t", "t", "-m", "x"});
    CHECK(outcome.exit_code == 5);
    CHECK(contains(outcome.err, "refused the login"));
    CHECK(contains(outcome.err, "the password for user 'alice' is wrong"));
  }
}

TEST_CASE("-u without a password from any source is refused with exit 5 saying no password was given") {
  Workspace workspace;
  Broker broker{workspace, password_broker()};
  for (const std::string version : {"5", "311"}) {
    CAPTURE(version);
    const Outcome outcome = run_tool(
        workspace, "mqpub", {"-p", broker.port_text(), "-V", version, "-u", "alice", "-t", "t", "-m", "x"});
    CHECK(outcome.exit_code == 5);
    CHECK(contains(outcome.err, "user 'alice' was sent without a password"));
    CHECK(contains(outcome.err, "--pw-file FILE"));
    CHECK_FALSE(contains(outcome.err, "is wrong"));
  }
  // the same words from every tool
  const Outcome subscriber =
      run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-u", "alice", "-t", "t"});
  CHECK(subscriber.exit_code == 5);
  CHECK(contains(subscriber.err, "user 'alice' was sent without a password"));
}

TEST_CASE("no credentials where the broker requires them is exit 5 and says none were given") {
  Workspace workspace;
  Broker broker{workspace, password_broker()};
  const Outcome outcome = run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-t", "t"});
  CHECK(outcome.exit_code == 5);
  CHECK(contains(outcome.err, "none was given"));
}

TEST_CASE("a denied subscription is exit 6 naming the filter, over MQTT v5 and v3.1.1") {
  Workspace workspace;
  BrokerSetup setup = password_broker();
  setup.denied_subscriptions = {"secret/#"};
  Broker broker{workspace, setup};
  for (const std::string version : {"5", "311"}) {
    CAPTURE(version);
    const Outcome outcome = run_tool(workspace, "mqsub",
                                     {"-p", broker.port_text(), "-V", version, "-u", "alice", "-P",
                                      "wonderland", "-t", "public/#", "-t", "secret/#", "-W", "5"});
    CHECK(outcome.exit_code == 6);
    CHECK(contains(outcome.err, "refused the subscription to 'secret/#'"));
    CHECK_FALSE(contains(outcome.err, "'public/#'"));
  }
}
