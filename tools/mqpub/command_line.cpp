#include "command_line.hpp"

#include "mq/diagnostics.hpp"

namespace mq::pub {

void define_command_line(ToolApp& app, CommandLine& command_line) {
  Options& options = command_line.options;
  // --help lists the groups in this order: what to publish first, then where to.
  add_message_options(app, options.message);
  add_source_options(app, options.source);
  add_pacing_options(app, options.pacing);
  add_property_options(app, options);
  add_client_options(app, options.client);
  auto* reconnects = app.get_option("--reconnect-attempts");  // each tool has its own default (pub.cpp)
  reconnects->description(reconnects->get_description() + " [default: 10]");
  add_probe_options(app, command_line.probe);
  app.accept_options_files();
  app.examples({
      {"Publish a reading; exit 0 only once the broker acknowledged it",
       "mqpub -h broker.example -t sensors/room1 -m 21.5 -q 1"},
      {"Publish a file as one message, binary safe", "mqpub -t firmware/v2 -f image.bin -q 1"},
      {"Publish JSON as CBOR (MQTT v5: content type application/cbor)",
       "mqpub -t sensors/room1 --encode cbor -m '{\"t\": 21.5}'"},
      {"One message per line, 100 a second at most; exit 9 with the counts if any is lost",
       "mqpub -t logs/app -l -q 1 --rate 100 < app.log"},
      {"CI health check over TLS: connect, print what the broker said, exit with the cause",
       "mqpub -h broker.example --cafile ca.pem --probe"},
  });
}

Exit run_command_line(CommandLine& command_line) {
  diag::set_verbosity(command_line.options.client.log.verbosity());
  finalize_client_options(command_line.options.client);
  if (command_line.probe.requested()) return run_probe(command_line.options.client, command_line.probe);
  return run(command_line.options);
}

}  // namespace mq::pub
