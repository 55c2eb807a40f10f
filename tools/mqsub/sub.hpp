#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mq/cli_forward.hpp"
#include "mq/client_options.hpp"
#include "mq/codec.hpp"
#include "mq/error.hpp"
#include "mq/message_writer.hpp"
#include "mq/properties.hpp"
#include "mq/subscription.hpp"

namespace mq::sub {

/// What to subscribe to, which messages to keep, and when to stop.
struct SubscribeOptions {
  std::vector<std::string> topics;       // -t, repeatable; the topic of -L is added
  std::vector<std::string> filter_out;   // -T: received but not printed
  std::vector<std::string> unsubscribe;  // -U: sent after subscribing
  int qos = 0;
  std::optional<int> count;             // -C: stop after this many printed messages
  std::optional<double> timeout;        // -W: give up after this many seconds (exit 8)
  bool exit_after_subscribe = false;    // -E
  bool no_retained = false;             // -R: do not print retained messages
  bool retained_only = false;           // --retained-only: stop at the first fresh message
  bool remove_retained = false;         // --remove-retained
  std::optional<double> random_filter;  // --random-filter: percentage of messages printed
  RetainOptions retain;                 // --retain-as-published, --retain-handling (v5)
  Properties subscribe_properties;      // -D subscribe ... (v5)
  Properties unsubscribe_properties;    // -D unsubscribe ... (v5)
};
/// Registers -t -T -U -q -C -W -E -R --retained-only --remove-retained --random-filter
/// --retain-as-published --retain-handling.
void add_subscribe_options(CLI::App& app, SubscribeOptions& subscribe);

/// How received messages are printed: the options mqsub shares with mqrr, and its own.
struct OutputOptions : PrintOptions {
  bool message_rate = false;           // --message-rate: messages per second instead of messages
  bool sys = false;                    // --sys: the broker's $SYS tree as a dashboard
  std::optional<DecodeChoice> decode;  // --decode: payloads shown as JSON
};
/// Registers -v -N -F --pretty --json --decode -w --message-rate --sys.
void add_output_options(CLI::App& app, OutputOptions& output);

/// Every option of mqsub.
struct Options {
  ClientOptions client;
  SubscribeOptions subscribe;
  OutputOptions output;
};

/// Registers -D/--property for the packets mqsub sends: connect, subscribe, unsubscribe,
/// disconnect and will.
void add_property_options(CLI::App& app, Options& options);

/// Checks the rules between mqsub's options after parsing (and finalize_client_options) and
/// returns the filters to subscribe to. Throws a usage Error naming the offending option.
std::vector<std::string> check_options(const Options& options);

/// Rules out falling back to MQTT v3.1.1 when the subscription needs v5: options that exist only
/// in v5, and the receive maximum an exact -C at QoS 2 needs.
void require_v5_for_subscription_options(Options& options);

/// Subscribes and prints messages until -C, -E, -W, --retained-only or a signal ends the run
/// (after finalize_client_options and require_v5_for_subscription_options).
Exit run(const Options& options);

}  // namespace mq::sub
