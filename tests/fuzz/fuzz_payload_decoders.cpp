// Feeds arbitrary bytes to every payload decoder (mqsub --decode): the first byte picks the
// format, the rest is the payload. Properties: a decoder returns a value or an error in our
// words (never nlohmann/json's), never both, never throws; a decoded value is plain JSON (binary
// data and non-finite numbers as their stand-in objects); and it encodes again into bytes that
// decode to the same value (Sparkplug B: whenever the schema lets it encode again).
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.hpp"
#include "mq/codec.hpp"
#include "mq/text.hpp"

namespace {

constexpr mq::PayloadFormat formats[] = {mq::PayloadFormat::cbor, mq::PayloadFormat::msgpack,
                                         mq::PayloadFormat::bson, mq::PayloadFormat::ubjson,
                                         mq::PayloadFormat::json, mq::PayloadFormat::sparkplug};

bool plain_json(const mq::JsonValue& value) {
  // Iterative: a decoded value may be nested up to the limit, and a check must not recurse.
  std::vector<const mq::JsonValue*> pending{&value};
  while (!pending.empty()) {
    const mq::JsonValue* next = pending.back();
    pending.pop_back();
    if (next->is_binary() || next->is_discarded()) return false;
    if (next->is_number_float() && !std::isfinite(next->get<double>())) return false;
    if (next->is_string() && !mq::is_valid_utf8(next->get_ref<const std::string&>())) return false;
    if (next->is_object())
      for (const auto& [key, item] : next->items())
        if (!mq::is_valid_utf8(key)) return false;
    if (next->is_structured())
      for (const auto& item : *next)
        pending.push_back(&item);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const mq::PayloadFormat format = formats[data[0] % std::size(formats)];
  const std::string_view payload = fuzz::as_text(data + 1, size - 1);
  constexpr std::string_view topic = "spBv1.0/G/NBIRTH/E";
  mq::SparkplugAliases aliases;
  const mq::DecodeResult decoded = mq::decode_payload(format, payload, topic, &aliases);
  fuzz::check(decoded.value.has_value() != !decoded.error.empty());
  if (!decoded.value) {
    fuzz::check(!decoded.error.starts_with("[json.exception"));  // ours; it may quote the input
    fuzz::check(decoded.error.find('\n') == std::string::npos);  // one line of a warning
    return 0;
  }
  fuzz::check(plain_json(*decoded.value));
  if (format == mq::PayloadFormat::json) return 0;
  // The stand-ins read back as what they stand for, and encode to the same value.
  std::string error;
  const std::optional<mq::JsonValue> parsed = mq::parse_json_text(decoded.value->dump(), error);
  fuzz::check(parsed.has_value());
  const mq::EncodeResult encoded = mq::encode_payload(format, *parsed);
  if (format == mq::PayloadFormat::sparkplug && !encoded.bytes)
    return 0;  // data the schema cannot hold again
  fuzz::check(encoded.bytes.has_value());
  // Under the same topic and as fresh aliases: a Sparkplug metric named from an earlier one of
  // its own birth ("name_from_birth") is encoded without its name, and named again here.
  mq::SparkplugAliases fresh;
  const mq::DecodeResult again = mq::decode_payload(format, *encoded.bytes, topic, &fresh);
  fuzz::check(again.value.has_value() && *again.value == *decoded.value);
  return 0;
}
