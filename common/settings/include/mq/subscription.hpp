#pragma once

#include <optional>
#include <string>

#include "mq/cli_forward.hpp"

// What a subscription asks of the broker about retained messages: MQTT v5's subscription
// options, the same for every tool that subscribes (mqsub, mqrr).
namespace mq {

/// Retained messages at subscribe time (MQTT v5 retain handling).
enum class RetainHandling { always = 0, if_new = 1, never = 2 };

/// --retain-as-published and --retain-handling (both MQTT v5 only).
struct RetainOptions {
  bool retain_as_published = false;
  std::optional<RetainHandling> retain_handling;
  /// The first of the two options given, for "needs MQTT v5" messages, or nullptr.
  const char* v5_option_given() const;
};
/// Registers --retain-as-published and --retain-handling in --help's group `group`.
void add_retain_options(CLI::App& app, RetainOptions& retain, const char* group);

/// The subscription options byte of a v5 SUBSCRIBE. `no_retained` (-R, retained messages are not
/// printed) also asks the broker not to send them, unless --retain-handling says otherwise.
int subscription_options(const RetainOptions& retain, bool no_retained);

}  // namespace mq
