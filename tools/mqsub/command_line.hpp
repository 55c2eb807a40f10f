#pragma once

#include "mq/app.hpp"
#include "mq/connectivity.hpp"
#include "sub.hpp"

namespace mq::sub {

/// Everything mqsub's command line sets: its options, and --probe to check the connection instead.
struct CommandLine {
  Options options;
  ProbeOptions probe;
};

/// The one-line description --help starts with.
inline constexpr const char* description = "Subscribe to MQTT topics and print the messages that arrive.";

/// Registers every option of mqsub on `app` in --help's order, the options files and the examples.
void define_command_line(ToolApp& app, CommandLine& command_line);

/// Does what the parsed command line asks: the connection check, or the tool's run.
Exit run_command_line(CommandLine& command_line);

}  // namespace mq::sub
