#include "mq/app.hpp"
#include "pub.hpp"

int main(int argc, char** argv) {
  mq::pub::Options options;
  mq::ToolApp app{"mqpub", "Publish messages to an MQTT broker and make sure it has every one."};
  mq::add_client_options(app, options.client);
  mq::pub::add_message_options(app, options.message);
  mq::pub::add_source_options(app, options.source);
  mq::pub::add_pacing_options(app, options.pacing);
  mq::pub::add_property_options(app, options);
  app.accept_options_files();
  return mq::run_main(app, argc, argv, [&] { return mq::pub::run(options); });
}
