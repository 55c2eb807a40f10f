#include "mq/app.hpp"
#include "pub.hpp"

int main(int argc, char** argv) {
  mq::pub::Options options;
  mq::ToolApp app{"mqpub", "Publish a message to an MQTT broker and wait until it has it."};
  mq::add_client_options(app, options.client);
  mq::pub::add_message_options(app, options.message);
  return mq::run_main(app, argc, argv, [&] { return mq::pub::run(options); });
}
