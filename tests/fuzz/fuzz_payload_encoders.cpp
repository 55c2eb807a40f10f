// Feeds arbitrary text to every payload encoder (mqpub --encode) as the JSON message: the first
// byte picks the format. Properties: the text encodes or is refused with an error in our words,
// never both, never a throw or a crash (deep nesting included); what encodes decodes to the
// same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "mq/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr mq::PayloadFormat formats[] = {mq::PayloadFormat::cbor, mq::PayloadFormat::msgpack,
                                           mq::PayloadFormat::bson, mq::PayloadFormat::ubjson,
                                           mq::PayloadFormat::sparkplug};
  if (size == 0) return 0;
  const mq::PayloadFormat format = formats[data[0] % std::size(formats)];
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  const mq::EncodeResult encoded = mq::encode_json_text(format, text);
  fuzz::check(encoded.bytes.has_value() != !encoded.error.empty());
  if (!encoded.bytes) {
    fuzz::check(!encoded.error.starts_with("[json.exception"));  // ours; it may quote the input
    return 0;
  }
  const mq::DecodeResult decoded = mq::decode_payload(format, *encoded.bytes, "t", nullptr);
  if (encoded.bytes->empty()) return 0;  // an empty Sparkplug payload ({}): nothing to decode
  fuzz::check(decoded.value.has_value());
  // What was sent comes back, as the JSON decoder shows the text (stand-ins kept as objects).
  // UBJSON has no binary strings, Sparkplug its own schema, and only MessagePack and BSON keep a
  // "$subtype": those are left out of the comparison.
  if (format == mq::PayloadFormat::ubjson || format == mq::PayloadFormat::sparkplug) return 0;
  if (text.find("$subtype") != std::string_view::npos) return 0;
  const mq::DecodeResult shown = mq::decode_payload(mq::PayloadFormat::json, text, "t", nullptr);
  fuzz::check(shown.value.has_value() && *shown.value == *decoded.value);
  return 0;
}
