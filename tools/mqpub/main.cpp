#include "mq/app.hpp"
#include "mq/connectivity.hpp"
#include "pub.hpp"

int main(int argc, char** argv) {
  mq::pub::Options options;
  mq::ProbeOptions probe;
  mq::ToolApp app{"mqpub", "Publish a message to an MQTT broker and wait until it has it."};
  mq::add_client_options(app, options.client);
  mq::pub::add_message_options(app, options.message);
  mq::add_probe_options(app, probe);
  return mq::run_main(app, argc, argv, [&] {
    return probe.requested() ? mq::run_probe(options.client, probe) : mq::pub::run(options);
  });
}
