#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mq/cli_forward.hpp"

// Binary payloads as JSON and back: CBOR, MessagePack, BSON and UBJSON (through nlohmann/json),
// JSON itself, and Sparkplug B (protobuf). The one place that knows these formats; the tools
// only choose one (--decode, --encode) and print or publish the result.
//
// JSON has no binary strings and no NaN or infinities; a decoded value shows them, and an
// encoded one takes them, as objects of their own:
//   {"$binary": "<base64>"} (with "$subtype": N for a MessagePack extension or a BSON subtype)
//   {"$float": "nan" | "inf" | "-inf"}
namespace mq {

using JsonValue = nlohmann::ordered_json;

/// A payload format.
enum class PayloadFormat { cbor, msgpack, bson, ubjson, json, sparkplug };

/// Its name on the command line and in "payload_format": "cbor", "msgpack", ...
std::string_view format_name(PayloadFormat format);
/// The MQTT v5 content type that announces it ("application/cbor", ...).
std::string_view content_type_of(PayloadFormat format);
/// The format a content type announces (its media type, parameters ignored), if any.
std::optional<PayloadFormat> format_of_content_type(std::string_view content_type);
/// --decode auto: by the MQTT v5 content type, else by the topic (spBv1.0/ is Sparkplug B, its
/// STATE messages JSON); never by looking at the bytes. Nothing when neither says.
std::optional<PayloadFormat> auto_format(std::optional<std::string_view> content_type,
                                         std::string_view topic);

/// The deepest nesting of arrays and objects (and CBOR tags) a decoded or encoded value may
/// have: deeper input is refused before any recursion could exhaust the stack.
inline constexpr int max_nesting = 256;

/// The names behind the metric aliases of each Sparkplug B edge node, learnt from the NBIRTH
/// and DBIRTH messages decoded in this run (aliases are unique per edge node, devices included).
class SparkplugAliases {
public:
  /// Forgets the node's aliases (a new NBIRTH starts a new session).
  void forget(const std::string& node) { names_.erase(node); }
  void learn(const std::string& node, std::uint64_t alias, const std::string& name) {
    names_[node][alias] = name;
  }
  /// The name of `alias` on `node`, or nullptr.
  const std::string* name(const std::string& node, std::uint64_t alias) const;

private:
  std::map<std::string, std::unordered_map<std::uint64_t, std::string>> names_;
};

/// A decoded payload, or why it did not decode (in words for a user, without the topic).
struct DecodeResult {
  std::optional<JsonValue> value;
  std::string error;
};

/// Decodes `bytes` as `format`. `topic` places a Sparkplug message (its type, its edge node);
/// `aliases` learns from births and resolves aliases in other messages (may be nullptr).
DecodeResult decode_payload(PayloadFormat format, std::string_view bytes, std::string_view topic,
                            SparkplugAliases* aliases);

/// Encoded bytes, or why the value cannot be encoded.
struct EncodeResult {
  std::optional<std::string> bytes;
  std::string error;
};

/// Encodes `value` (with the "$binary" and "$float" objects above) as `format` (not json).
EncodeResult encode_payload(PayloadFormat format, const JsonValue& value);
/// Parses `text` as JSON and encodes it; invalid JSON is an error like any other.
EncodeResult encode_json_text(PayloadFormat format, std::string_view text);

/// Parses JSON text into a value, the "$binary" and "$float" objects turned into what they
/// stand for, nesting limited to max_nesting; nothing (and `error` says why) if it is not JSON.
std::optional<JsonValue> parse_json_text(std::string_view text, std::string& error);

/// --decode's value: a format, or auto (no format).
struct DecodeChoice {
  std::optional<PayloadFormat> format;
};

/// What a tool that prints messages does with --decode: picks the format of each message (auto:
/// by content type and topic), decodes it, keeps the Sparkplug aliases of the run, and counts the
/// payloads that did not decode. One per run (the aliases are the run's).
class PayloadDecoder {
public:
  explicit PayloadDecoder(DecodeChoice choice) : choice_(choice) {}

  /// The payload as JSON, valid until the next call; nullptr when no format applies (auto found
  /// none, or the payload is empty) or when it did not decode: then `error` says why, in words
  /// that follow "the payload on 'TOPIC' ...: ", and undecodable() counts it.
  const JsonValue* decode(std::string_view payload, std::optional<std::string_view> content_type,
                          std::string_view topic, std::string& error);
  /// The format of the last payload decoded.
  PayloadFormat format() const { return format_; }
  /// How many payloads did not decode.
  long undecodable() const { return undecodable_; }
  /// "cbor", ..., or "auto".
  std::string_view choice_name() const { return choice_.format ? format_name(*choice_.format) : "auto"; }

private:
  DecodeChoice choice_;
  PayloadFormat format_ = PayloadFormat::json;
  SparkplugAliases aliases_;
  JsonValue value_;
  long undecodable_ = 0;
};

/// Registers --decode FORMAT (cbor, msgpack, bson, ubjson, json, sparkplug, auto) in `group`.
void add_decode_option(CLI::App& app, std::optional<DecodeChoice>& decode, const char* group);
/// Registers --encode FORMAT (cbor, msgpack, bson, ubjson, sparkplug) in `group`.
void add_encode_option(CLI::App& app, std::optional<PayloadFormat>& encode, const char* group);

}  // namespace mq
