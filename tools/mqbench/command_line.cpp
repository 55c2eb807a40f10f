#include "command_line.hpp"

#include "mq/diagnostics.hpp"

namespace mq::bench {

void define_command_line(ToolApp& app, Options& options) {
  add_options(app, options);
  app.default_subcommand("pubsub");
  app.examples({
      {"100 publisher-subscriber pairs, 10 messages a second each, QoS 1, for a minute",
       "mqbench -h broker.example -c 100 --rate 10 -q 1 --duration 60"},
      {"CI gate: exit 11 unless p99 latency stays under 20 ms with nothing lost",
       "mqbench -c 50 --rate 100 -q 1 --duration 30 --fail-p99 20 --fail-loss 0"},
      {"10000 idle connections, opened 500 a second, held for a minute",
       "mqbench conn -c 10000 --conn-rate 500 --hold 60"},
      {"A reconnect storm: 1000 held, 200 a second dropped (no DISCONNECT) and reopened",
       "mqbench conn -c 1000 --hold 60 --churn 200"},
      {"The results as JSON, into jq", "mqbench -c 10 --duration 10 --json - | jq .totals.latency_ms"},
  });
}

Exit run_command_line(Options& options) {
  diag::set_verbosity(options.client.log.verbosity());
  if (options.scenario != Scenario::report || options.shards.collect) {
    finalize_client_options(options.client);
  }
  return run(options);
}

}  // namespace mq::bench
