#include "bench.hpp"

namespace mq::bench {

void add_options(CLI::App&, Options&) {}

Exit run(const Options&) {
  throw Error{Exit::usage, "mqbench cannot run load tests yet",
              "this version of mq ships only the command's --help and --version",
              "use emqtt-bench or mqtt-benchmark until mqbench is complete"};
}

}  // namespace mq::bench
