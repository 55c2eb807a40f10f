#include "bench.hpp"
#include "mq/app.hpp"

int main(int argc, char** argv) {
  mq::bench::Options options;
  mq::ToolApp app{"mqbench", "Load-test an MQTT broker.\n"
                             "NOT YET IMPLEMENTED: this version only prints --help and --version."};
  mq::bench::add_options(app, options);
  return mq::run_main(app, argc, argv, [&] { return mq::bench::run(options); });
}
