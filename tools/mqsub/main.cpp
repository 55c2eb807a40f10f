#include "mq/app.hpp"
#include "mq/connectivity.hpp"
#include "sub.hpp"

int main(int argc, char** argv) {
  mq::sub::Options options;
  mq::ProbeOptions probe;
  mq::ToolApp app{"mqsub", "Subscribe to MQTT topics and print the messages that arrive."};
  mq::add_client_options(app, options.client);
  mq::sub::add_subscribe_options(app, options.subscribe);
  mq::sub::add_output_options(app, options.output);
  mq::sub::add_property_options(app, options);
  mq::add_probe_options(app, probe);
  app.accept_options_files();
  return mq::run_main(app, argc, argv, [&] {
    return probe.requested() ? mq::run_probe(options.client, probe) : mq::sub::run(options);
  });
}
