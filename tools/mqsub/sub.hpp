#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "mq/client_options.hpp"
#include "mq/error.hpp"

namespace mq::sub {

/// What to subscribe to and when to stop.
struct SubscribeOptions {
  std::vector<std::string> topics;  // -t, repeatable; the topic of -L is added
  int qos = 0;
  std::optional<int> count;       // -C: stop after this many messages
  std::optional<double> timeout;  // -W: give up after this many seconds (exit 8)
};
/// Registers -t -q -C -W.
void add_subscribe_options(CLI::App& app, SubscribeOptions& subscribe);

/// How received messages are printed.
struct OutputOptions {
  bool verbose = false;  // -v: "topic payload"
};
/// Registers -v.
void add_output_options(CLI::App& app, OutputOptions& output);

/// Every option of mqsub.
struct Options {
  ClientOptions client;
  SubscribeOptions subscribe;
  OutputOptions output;
};

/// Subscribes and prints messages until -C, -W or a signal ends the run.
Exit run(Options& options);

}  // namespace mq::sub
