#include "mq/app.hpp"
#include "mq/connectivity.hpp"
#include "sub.hpp"

int main(int argc, char** argv) {
  mq::sub::Options options;
  mq::ProbeOptions probe;
  mq::ToolApp app{"mqsub", "Subscribe to MQTT topics and print the messages that arrive."};
  // --help lists the groups in this order: what to subscribe to and print first, then where.
  mq::sub::add_subscribe_options(app, options.subscribe);
  mq::sub::add_output_options(app, options.output);
  mq::sub::add_property_options(app, options);
  mq::add_client_options(app, options.client);
  mq::add_probe_options(app, probe);
  app.accept_options_files();
  app.examples({
      {"Wait at most 10 seconds for one message, in a script",
       "state=$(mqsub -t status/door -C 1 -W 10) || exit"},
      {"Messages as JSON Lines, into jq", "mqsub -t 'sensors/#' --json | jq -r '.topic + \" \" + .payload'"},
      {"CI health check: exit non-zero unless the broker accepts a connection",
       "mqsub -h broker.example --probe=json | jq -e .connected"},
      {"The broker's $SYS figures as a live dashboard", "mqsub -h broker.example --sys"},
  });
  return mq::run_main(app, argc, argv, [&] {
    return probe.requested() ? mq::run_probe(options.client, probe) : mq::sub::run(options);
  });
}
