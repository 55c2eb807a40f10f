#pragma once

#include "bench.hpp"
#include "mq/app.hpp"

namespace mq::bench {

/// What --help starts with.
inline constexpr const char* description =
    "Load-test an MQTT broker: connections, throughput, latency percentiles and loss.\n"
    "Without a subcommand, mqbench runs pubsub.";

/// Registers every subcommand and option of mqbench on `app` and the examples of --help.
void define_command_line(ToolApp& app, Options& options);

/// After parsing: sets the diagnostics' verbosity, completes the client options once (not for
/// `report`, which connects to nothing) and runs the scenario.
Exit run_command_line(Options& options);

}  // namespace mq::bench
