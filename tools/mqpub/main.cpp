#include "mq/app.hpp"
#include "mq/connectivity.hpp"
#include "pub.hpp"

int main(int argc, char** argv) {
  mq::pub::Options options;
  mq::ProbeOptions probe;
  mq::ToolApp app{"mqpub", "Publish messages to an MQTT broker and make sure it has every one."};
  // --help lists the groups in this order: what to publish first, then where to.
  mq::pub::add_message_options(app, options.message);
  mq::pub::add_source_options(app, options.source);
  mq::pub::add_pacing_options(app, options.pacing);
  mq::pub::add_property_options(app, options);
  mq::add_client_options(app, options.client);
  mq::add_probe_options(app, probe);
  app.accept_options_files();
  app.examples({
      {"Publish a reading; exit 0 only once the broker acknowledged it",
       "mqpub -h broker.example -t sensors/room1 -m 21.5 -q 1"},
      {"Publish a file as one message, binary safe", "mqpub -t firmware/v2 -f image.bin -q 1"},
      {"One message per line, 100 a second at most; exit 9 with the counts if any is lost",
       "mqpub -t logs/app -l -q 1 --rate 100 < app.log"},
      {"CI health check over TLS: connect, print what the broker said, exit with the cause",
       "mqpub -h broker.example --cafile ca.pem --probe"},
  });
  return mq::run_main(app, argc, argv, [&] {
    return probe.requested() ? mq::run_probe(options.client, probe) : mq::pub::run(options);
  });
}
