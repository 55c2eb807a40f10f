#include <sys/socket.h>

#include <cerrno>

#include "bench.hpp"
#include "mq/app.hpp"

// libmosquitto opens a socket pair per client to wake its own threaded loop, which mqbench never
// runs: that would be three descriptors per connection instead of one, and a third of the
// connections the open-file limit allows. Refusing it makes libmosquitto go without (it logs a
// debug warning) and saves a write per publish too. Only this executable refuses it.
extern "C" int socketpair(int, int, int, int*) noexcept {
  errno = EMFILE;
  return -1;
}

int main(int argc, char** argv) {
  mq::bench::Options options;
  mq::ToolApp app{"mqbench",
                  "Load-test an MQTT broker: connections, throughput, latency percentiles and loss.\n"
                  "Without a subcommand, mqbench runs pubsub."};
  mq::bench::add_options(app, options);
  app.examples({
      {"100 publisher-subscriber pairs, 10 messages a second each, QoS 1, for a minute",
       "mqbench -h broker.example -c 100 --rate 10 -q 1 --duration 60"},
      {"CI gate: exit 11 unless p99 latency stays under 20 ms with nothing lost",
       "mqbench -c 50 --rate 100 -q 1 --duration 30 --fail-p99 20 --fail-loss 0"},
      {"10000 idle connections, opened 500 a second, held for a minute",
       "mqbench conn -c 10000 --conn-rate 500 --hold 60"},
      {"The results as JSON, into jq", "mqbench -c 10 --duration 10 --json - | jq .totals.latency_ms"},
  });
  std::vector<char*> arguments = mq::bench::with_default_scenario(argc, argv);
  return mq::run_main(app, static_cast<int>(arguments.size() - 1), arguments.data(),
                      [&] { return mq::bench::run(options); });
}
