#pragma once

#include <optional>
#include <string>

#include "mq/codec.hpp"
#include "mq/json_output.hpp"
#include "mq/message.hpp"

// --decode in a tool that prints received messages (mqsub, mqrr): one way to decode a message
// for the printer and to warn about one that does not decode.
namespace mq {

/// The message's payload as JSON for MessageWriter (valid until the next call), or nothing: no
/// format applies (auto found none), or it did not decode, which a warning on stderr says,
/// naming the topic; it is then printed as it is.
std::optional<DecodedPayload> decode_message(PayloadDecoder& decoder, const Message& message);

/// The warning that ends a run in which payloads did not decode ("2 payloads were not decoded
/// (--decode cbor) and printed as they arrived"), or "" when every one did.
std::string undecodable_summary(const PayloadDecoder& decoder);

}  // namespace mq
