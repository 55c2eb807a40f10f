#include "command_line.hpp"

#include "mq/diagnostics.hpp"

namespace mq::sub {

void define_command_line(ToolApp& app, CommandLine& command_line) {
  Options& options = command_line.options;
  // --help lists the groups in this order: what to subscribe to and print first, then where.
  add_subscribe_options(app, options.subscribe);
  add_output_options(app, options.output);
  add_property_options(app, options);
  add_client_options(app, options.client);
  auto* reconnects = app.get_option("--reconnect-attempts");  // each tool has its own default (sub.cpp)
  reconnects->description(reconnects->get_description() + " [default: -1]");
  add_probe_options(app, command_line.probe);
  app.accept_options_files();
  app.examples({
      {"Wait at most 10 seconds for one message, in a script",
       "state=$(mqsub -t status/door -C 1 -W 10) || exit"},
      {"Messages as JSON Lines, into jq", "mqsub -t 'sensors/#' --json | jq -r '.topic + \" \" + .payload'"},
      {"CI health check: exit non-zero unless the broker accepts a connection",
       "mqsub -h broker.example --probe=json | jq -e .connected"},
      {"The broker's $SYS figures as a live dashboard", "mqsub -h broker.example --sys"},
      {"Sparkplug B (and CBOR, MessagePack... by content type) as JSON",
       "mqsub -t 'spBv1.0/#' --decode auto --json | jq .payload.metrics"},
  });
}

Exit run_command_line(CommandLine& command_line) {
  Options& options = command_line.options;
  diag::set_verbosity(options.client.log.verbosity());
  finalize_client_options(options.client);
  if (command_line.probe.requested()) return run_probe(options.client, command_line.probe);
  require_v5_for_subscription_options(options);
  return run(options);
}

}  // namespace mq::sub
