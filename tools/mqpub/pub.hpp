#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "mq/client_options.hpp"
#include "mq/error.hpp"

namespace mq::pub {

/// What to publish, where, and how.
struct MessageOptions {
  std::optional<std::string> topic;    // -t; else the topic of -L
  std::optional<std::string> message;  // -m
  bool null_message = false;           // -n
  int qos = 0;
  bool retain = false;
};
/// Registers -t -m -n -q -r.
void add_message_options(CLI::App& app, MessageOptions& message);

/// Every option of mqpub.
struct Options {
  ClientOptions client;
  MessageOptions message;
};

/// Publishes as the options say; returns Exit::ok only when the broker has the message.
Exit run(Options& options);

}  // namespace mq::pub
