#include "mq/subscription.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mqtt_protocol.h>

#include <map>

namespace mq {
namespace {

RetainHandling parse_retain_handling(const std::string& text) {
  static const std::map<std::string, RetainHandling> names{
      {"always", RetainHandling::always}, {"new", RetainHandling::if_new}, {"never", RetainHandling::never}};
  const auto found = names.find(text);
  if (found == names.end())
    throw CLI::ValidationError("--retain-handling", fmt::format("'{}' is not one of always|new|never", text));
  return found->second;
}

}  // namespace

const char* RetainOptions::v5_option_given() const {
  if (retain_as_published) return "--retain-as-published";
  if (retain_handling) return "--retain-handling";
  return nullptr;
}

void add_retain_options(CLI::App& app, RetainOptions& retain, const char* group) {
  app.add_flag("--retain-as-published", retain.retain_as_published,
               "Keep the publisher's retain flag on forwarded messages (MQTT v5)")
      ->group(group);
  app.add_option_function<std::string>(
         "--retain-handling",
         [&retain](const std::string& text) { retain.retain_handling = parse_retain_handling(text); },
         "Retained messages at subscribe time: always, new (only for a new subscription) or never (MQTT v5)")
      ->type_name("always|new|never")
      ->group(group);
}

int subscription_options(const RetainOptions& retain, bool no_retained) {
  int bits = 0;
  if (retain.retain_as_published) bits |= MQTT_SUB_OPT_RETAIN_AS_PUBLISHED;
  const RetainHandling handling =
      retain.retain_handling.value_or(no_retained ? RetainHandling::never : RetainHandling::always);
  return bits | static_cast<int>(handling) << 4;
}

}  // namespace mq
