// mqsub -C taking messages from a persistent session: each run prints and acknowledges exactly
// the next N messages, exits promptly, and leaves every other message to the next run.
#include <doctest/doctest.h>

#include "mqsub_support.hpp"

using namespace mq::test;

namespace {

// "first\n...\nlast\n"
std::string lines(int first, int last) {
  std::string text;
  for (int number = first; number <= last; ++number)
    text += std::to_string(number) + "\n";
  return text;
}

// Sets up the persistent session `id` on `topic`, then publishes the numbers 1 to `count`
// while it is away, so that the broker queues them.
void queue_jobs(const Workspace& workspace, const Broker& broker, const std::string& id,
                const std::string& qos, int count, const std::vector<std::string>& protocol = {}) {
  std::vector<std::string> setup{"-t", "jobs/" + id, "-q", qos, "-c", "-i", id, "-E"};
  setup.insert(setup.end(), protocol.begin(), protocol.end());
  REQUIRE(subscribe(workspace, broker, setup).exit_code == 0);
  const Outcome published =
      run(Command{{"mosquitto_pub", "-p", broker.port_text(), "-t", "jobs/" + id, "-q", qos, "-l"},
                  lines(1, count),
                  {}},
          workspace.path());
  REQUIRE(published.exit_code == 0);
}

}  // namespace

TEST_CASE("-C 5 on a persistent session takes exactly the next five queued messages at QoS 1 and 2") {
  Workspace workspace;
  Broker broker{workspace};
  for (const std::string qos : {"1", "2"}) {
    CAPTURE(qos);
    const std::string id = "worker" + qos;
    queue_jobs(workspace, broker, id, qos, 15);
    const std::vector<std::string> take_five{"-t", "jobs/" + id, "-q", qos,  "-c", "-i",
                                             id,   "-C",         "5",  "-W", "10"};
    // Each run acknowledged what it printed before it exited (else the next run gets some of
    // them again), and nothing after it (else the next run misses them).
    for (int run = 0; run < 3; ++run) {
      CAPTURE(run);
      const Outcome outcome = subscribe(workspace, broker, take_five);
      CHECK(outcome.exit_code == 0);
      CHECK(outcome.out == lines(5 * run + 1, 5 * run + 5));
      CHECK(outcome.err == "");
    }
    const Outcome rest =
        subscribe(workspace, broker, {"-t", "jobs/" + id, "-q", qos, "-c", "-i", id, "-C", "1", "-W", "1"});
    CHECK(rest.exit_code == 8);
    CHECK(rest.out == "");
  }
}

// Over MQTT v3.1.1 the broker sends the queued messages right behind its CONNACK, often in the
// same read: -C 1 is then reached before mqsub has even subscribed. It used to wait for a
// CONNACK it had already handled, until --connect-timeout, and exit 3.
TEST_CASE("-C reached by messages queued for a persistent session before the SUBACK exits 0 at once") {
  Workspace workspace;
  Broker broker{workspace};
  const std::vector<std::string> v311{"-V", "311"};
  queue_jobs(workspace, broker, "early", "1", 10, v311);
  for (int run = 1; run <= 10; ++run) {
    CAPTURE(run);
    const Outcome outcome = subscribe(workspace, broker,
                                      {"-t", "jobs/early", "-q", "1", "-c", "-i", "early", "-V", "311", "-C",
                                       "1", "-W", "5", "--connect-timeout", "3"});
    REQUIRE(outcome.exit_code == 0);
    CHECK(outcome.out == lines(run, run));
    CHECK(outcome.err == "");
  }
}

TEST_CASE("-C at QoS 2 from a persistent session needs MQTT v5: refused with -V 311") {
  Workspace workspace;
  const Outcome outcome =
      run_tool(workspace, "mqsub", {"-t", "jobs", "-q", "2", "-c", "-i", "w", "-C", "5", "-V", "311"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "-C with -q 2 and a persistent session needs MQTT v5"));
  CHECK(contains(outcome.err, "-q 1"));
  // A clean session loses nothing by leaving: no restriction.
  const Outcome clean =
      run_tool(workspace, "mqsub",
               {"-p", "1", "-t", "jobs", "-q", "2", "-C", "5", "-V", "311", "--connect-timeout", "1"});
  CHECK(clean.exit_code == 3);
}
