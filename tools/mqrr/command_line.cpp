#include "command_line.hpp"

#include "mq/diagnostics.hpp"

namespace mq::rr {

void define_command_line(ToolApp& app, CommandLine& command_line) {
  Options& options = command_line.options;
  // --help lists the groups in this order: the request and its response, serving, then where.
  add_topic_options(app, options.topic);
  add_request_options(app, options.request);
  add_output_options(app, options.print);
  add_serve_options(app, options.serve);
  add_property_options(app, options);
  add_client_options(app, options.client);
  auto* reconnects = app.get_option("--reconnect-attempts");  // 0 for a request, -1 with --serve
  reconnects->description(reconnects->get_description() + " [default: 0, with --serve -1]");
  add_probe_options(app, command_line.probe);
  app.accept_options_files();
  app.examples({
      {"Ask and print the answer; exit 8 when none comes within 5 seconds",
       "mqrr -t svc/time/request -e svc/time/response/$$ -m now -W 5"},
      {"A service: each request's payload goes to the command, its output is the response",
       "mqrr --serve -t 'svc/+/request' -- tr a-z A-Z"},
      {"Round-trip times of 1000 requests (min/p50/p90/p99/max on stderr)",
       "mqrr -t svc/echo -e reply/$$ -m ping --repeat 1000 > /dev/null"},
      {"Four commands at once, each killed after 30 seconds",
       "mqrr --serve -t jobs/request --jobs 4 --job-timeout 30 -- ./handle-job"},
  });
}

Exit run_command_line(CommandLine& command_line) {
  Options& options = command_line.options;
  diag::set_verbosity(options.client.log.verbosity());
  finalize_client_options(options.client);
  if (command_line.probe.requested()) return run_probe(options.client, command_line.probe);
  check_options(options);
  if (options.serve.serve) return serve(options);
  // The request's Response Topic and Correlation Data exist only in MQTT v5; without -V, a
  // v3.1.1 broker is still tried (the response is then the first message on -e).
  return request(options);
}

}  // namespace mq::rr
