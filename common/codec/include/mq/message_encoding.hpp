#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mq/codec.hpp"
#include "mq/message_input.hpp"
#include "mq/properties.hpp"

// --encode in a tool that publishes one message of -m, -f or -s (mqpub, mqrr): one way to read
// it, convert it and announce its format.
namespace mq {

/// The message of -m, -f, -s or -n read whole (see read_whole_message) and, with `encode`, taken
/// as JSON and converted to that format. Throws a usage Error for -n with `encode`, for JSON the
/// format cannot hold (naming the message), and for a converted payload over `limit`.
WholeMessage read_encoded_message(const WholeMessageOptions& options, std::optional<PayloadFormat> encode,
                                  std::size_t limit, std::string_view topic);

/// How to fix a message that --encode `format` cannot convert.
std::string encode_fix(PayloadFormat format);

/// Adds the MQTT v5 content type of `format` to `properties`, unless they have one (-D).
void add_content_type(Properties& properties, PayloadFormat format);

}  // namespace mq
