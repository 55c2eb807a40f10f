#include "mq/app.hpp"
#include "mq/connectivity.hpp"
#include "pub.hpp"

int main(int argc, char** argv) {
  mq::pub::Options options;
  mq::ProbeOptions probe;
  mq::ToolApp app{"mqpub", "Publish messages to an MQTT broker and make sure it has every one."};
  mq::add_client_options(app, options.client);
  mq::pub::add_message_options(app, options.message);
  mq::pub::add_source_options(app, options.source);
  mq::pub::add_pacing_options(app, options.pacing);
  mq::pub::add_property_options(app, options);
  mq::add_probe_options(app, probe);
  app.accept_options_files();
  return mq::run_main(app, argc, argv, [&] {
    return probe.requested() ? mq::run_probe(options.client, probe) : mq::pub::run(options);
  });
}
