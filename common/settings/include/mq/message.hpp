#pragma once

#include <string_view>

struct mqtt5__property;
using mosquitto_property = struct mqtt5__property;

namespace mq {

/// A received PUBLISH as the tools see it; the views are valid only while it is handled
/// (during SessionEvents::on_message).
struct Message {
  std::string_view topic;
  std::string_view payload;
  int qos;
  bool retain;
  int mid;
  const mosquitto_property* properties;  // MQTT v5 properties, nullptr when there are none
};

}  // namespace mq
