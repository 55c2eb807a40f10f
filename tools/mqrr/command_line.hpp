#pragma once

#include "mq/app.hpp"
#include "mq/connectivity.hpp"
#include "rr.hpp"

namespace mq::rr {

/// Everything mqrr's command line sets: its options, and --probe to check the connection instead.
struct CommandLine {
  Options options;
  ProbeOptions probe;
};

/// The one-line description --help starts with.
inline constexpr const char* description =
    "Send an MQTT request and print its response, or answer requests with a command (--serve).";

/// Registers every option of mqrr on `app` in --help's order, the options files and the examples.
void define_command_line(ToolApp& app, CommandLine& command_line);

/// Does what the parsed command line asks: the connection check, a request, or serving.
Exit run_command_line(CommandLine& command_line);

}  // namespace mq::rr
