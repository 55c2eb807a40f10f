#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mq/cli_forward.hpp"
#include "mq/client_options.hpp"
#include "mq/codec.hpp"
#include "mq/error.hpp"
#include "mq/message_input.hpp"
#include "mq/properties.hpp"

namespace mq::pub {

/// Where and how each message is published.
struct MessageOptions {
  std::optional<std::string> topic;  // -t; else the topic of -L
  int qos = 0;
  bool retain = false;
  Properties properties;                // -D publish ...
  std::optional<PayloadFormat> encode;  // --encode: the JSON message converted to this format
};
/// Registers -t -q -r --encode.
void add_message_options(CLI::App& app, MessageOptions& message);

/// What to publish: exactly one source, one message (-m -f -s -n) or a line each (-l).
struct SourceOptions : WholeMessageOptions {
  bool stdin_lines = false;  // -l: one message per line
  bool json_lines = false;   // --json-lines: each -l line is a JSON message
};
/// Registers -m -f -s -l -n --json-lines.
void add_source_options(CLI::App& app, SourceOptions& source);

/// How fast, and how often.
struct PacingOptions {
  int repeat = 1;              // --repeat: publish -m/-f/-s/-n this many times
  double repeat_delay = 0;     // --repeat-delay: seconds between repeats
  std::optional<double> rate;  // --rate: at most this many messages per second
};
/// Registers --repeat --repeat-delay --rate.
void add_pacing_options(CLI::App& app, PacingOptions& pacing);
/// --rate and --repeat-delay as one rate for the pacer (mq::Schedule): the stricter of the two,
/// in messages per second; 0 for none.
double pacing_rate(const PacingOptions& pacing);
/// How many messages may go at once after input stalled (mq::Schedule::limit_backlog): --rate
/// stays "at most R a second" while a loop that wakes late still catches up.
std::uint64_t catch_up_messages(const PacingOptions& pacing);

/// Every option of mqpub.
struct Options {
  ClientOptions client;
  MessageOptions message;
  SourceOptions source;
  PacingOptions pacing;
};
/// Registers -D for the packets mqpub sends (connect, publish, will, disconnect).
void add_property_options(CLI::App& app, Options& options);

/// Publishes as the options say (after finalize_client_options); returns Exit::ok only when the
/// broker has every message (QoS 1/2 acknowledged, QoS 0 written), and throws Error with the
/// counts otherwise.
Exit run(const Options& options);

}  // namespace mq::pub
