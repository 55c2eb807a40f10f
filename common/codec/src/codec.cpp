#include "mq/codec.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "codec_parts.hpp"
#include "mq/base64.hpp"
#include "mq/option_checks.hpp"
#include "mq/text.hpp"

namespace mq {
namespace codec {

JsonValue binary_json(std::string_view bytes, std::optional<std::uint64_t> subtype) {
  JsonValue object = JsonValue::object();
  object["$binary"] = base64_encode(bytes);
  if (subtype) object["$subtype"] = *subtype;
  return object;
}

JsonValue float_json(double value) {
  if (std::isfinite(value)) return value;
  JsonValue object = JsonValue::object();
  object["$float"] = std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
  return object;
}

std::optional<std::string> bytes_of(const JsonValue& value) {
  if (value.is_binary()) {
    const auto& bytes = value.get_binary();
    return std::string(bytes.begin(), bytes.end());
  }
  return std::nullopt;
}

std::optional<double> double_of(const JsonValue& value) {
  if (value.is_number()) return value.get<double>();
  return std::nullopt;
}

}  // namespace codec

namespace {

using codec::binary_json;
using codec::float_json;

struct FormatFacts {
  PayloadFormat format;
  std::string_view name;
  std::string_view content_type;
  std::string_view title;  // in messages: "not valid CBOR"
};

constexpr FormatFacts formats[] = {
    {PayloadFormat::cbor, "cbor", "application/cbor", "CBOR"},
    {PayloadFormat::msgpack, "msgpack", "application/msgpack", "MessagePack"},
    {PayloadFormat::bson, "bson", "application/bson", "BSON"},
    {PayloadFormat::ubjson, "ubjson", "application/ubjson", "UBJSON"},
    {PayloadFormat::json, "json", "application/json", "JSON"},
    {PayloadFormat::sparkplug, "sparkplug", "application/vnd.sparkplug.b", "Sparkplug B"},
};

const FormatFacts& facts(PayloadFormat format) {
  return *std::find_if(std::begin(formats), std::end(formats),
                       [format](const FormatFacts& f) { return f.format == format; });
}

// Content types other programs use for the same formats.
constexpr std::pair<std::string_view, PayloadFormat> other_content_types[] = {
    {"application/x-msgpack", PayloadFormat::msgpack},
    {"application/vnd.msgpack", PayloadFormat::msgpack},
    {"application/x-bson", PayloadFormat::bson},
    {"application/x-ubjson", PayloadFormat::ubjson},
    {"text/json", PayloadFormat::json},
    {"application/x-protobuf; sparkplug", PayloadFormat::sparkplug},
};

std::string lower(std::string_view text) {
  std::string result{text};
  for (char& c : result)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return result;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// Builds the decoded value from nlohmann's SAX events without recursion, so that the depth of a
// payload is checked before it is reached: binary strings and non-finite numbers become their
// JSON stand-ins (decoding), or those stand-ins become what they stand for (parsing JSON to
// encode). Objects keep the payload's order of keys, and are built in linear time: keys are
// appended, never looked up (a payload's duplicate keys are kept, as it has them).
class Builder {
public:
  using number_integer_t = JsonValue::number_integer_t;
  using number_unsigned_t = JsonValue::number_unsigned_t;
  using number_float_t = JsonValue::number_float_t;
  using string_t = JsonValue::string_t;
  using binary_t = JsonValue::binary_t;

  enum class Mode { decode, parse };

  Builder(Mode mode, std::size_t value_budget, bool bson = false)
      : mode_(mode), value_budget_(value_budget), bson_(bson) {}

  bool null() { return add(nullptr); }
  bool boolean(bool value) { return add(value); }
  bool number_integer(number_integer_t value) { return add(value); }
  bool number_unsigned(number_unsigned_t value) { return add(value); }
  bool number_float(number_float_t value, const string_t&) {
    return add(mode_ == Mode::decode ? float_json(value) : JsonValue(value));
  }
  bool string(string_t& value) {
    if (is_valid_utf8(value)) return add(std::move(value));
    return add(binary_json(value));  // a text string that is not text: its bytes
  }
  bool binary(binary_t& value) {
    const std::string_view bytes{reinterpret_cast<const char*>(value.data()), value.size()};
    // BSON's generic subtype 0 is what BSON gives bytes that had none: not shown.
    const bool subtype = value.has_subtype() && !(bson_ && value.subtype() == 0);
    return add(binary_json(bytes, subtype ? std::optional<std::uint64_t>{value.subtype()} : std::nullopt));
  }
  bool start_object(std::size_t) { return open(JsonValue::object()); }
  bool key(string_t& value) {
    if (!is_valid_utf8(value)) return fail("an object key is not UTF-8 text");
    key_ = std::move(value);
    return true;
  }
  bool end_object() {
    if (mode_ == Mode::parse && !stand_in(*open_.back())) return false;
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return open(JsonValue::array()); }
  bool end_array() {
    open_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& failure) {
    position_ = position;
    library_error_ = failure.what();
    return false;
  }

  JsonValue& root() { return root_; }
  const std::string& error() const { return error_; }
  const std::string& library_error() const { return library_error_; }
  std::size_t position() const { return position_; }

private:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  // The place of a new value: the root, the end of the open array, or the key's in the open object.
  JsonValue* add(JsonValue value) {
    if (++values_ > value_budget_) {
      fail("it declares more values than its bytes can hold");
      return nullptr;
    }
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    JsonValue& parent = *open_.back();
    if (parent.is_array()) {
      parent.get_ref<JsonValue::array_t&>().push_back(std::move(value));
      return &parent.get_ref<JsonValue::array_t&>().back();
    }
    auto& members = parent.get_ref<JsonValue::object_t&>();
    members.JsonValue::object_t::Container::emplace_back(std::move(key_), std::move(value));
    return &members.JsonValue::object_t::Container::back().second;
  }

  bool open(JsonValue container) {
    if (open_.size() >= static_cast<std::size_t>(max_nesting))
      return fail(fmt::format("it nests arrays and objects deeper than {} levels", max_nesting));
    JsonValue* place = add(std::move(container));
    if (place == nullptr) return false;
    open_.push_back(place);
    return true;
  }

  // {"$binary": ...} and {"$float": ...} as what they stand for; other objects as they are.
  bool stand_in(JsonValue& object) {
    const auto member = [&object](std::string_view name) -> const JsonValue* {
      for (const auto& [key, value] : object.get_ref<const JsonValue::object_t&>())
        if (key == name) return &value;
      return nullptr;
    };
    if (const JsonValue* text = member("$binary"); text != nullptr) {
      const JsonValue* subtype = member("$subtype");
      if (object.size() != (subtype ? 2u : 1u) || !text->is_string())
        return fail("a \"$binary\" object holds one string of base64, and \"$subtype\" at most");
      // Canonical base64 only (unused bits zero), so that the bytes are shown as they were given.
      std::optional<std::string> bytes = base64_decode(text->get_ref<const std::string&>());
      if (!bytes || base64_encode(*bytes) != text->get_ref<const std::string&>())
        return fail(fmt::format("\"$binary\": \"{}\" is not base64", printable(text->get<std::string>())));
      if (subtype && (!subtype->is_number_unsigned() || subtype->get<std::uint64_t>() > 255))
        return fail("\"$subtype\" must be a whole number from 0 to 255");
      std::vector<std::uint8_t> data(bytes->begin(), bytes->end());
      object = subtype ? JsonValue::binary(std::move(data),
                                           static_cast<std::uint8_t>(subtype->get<std::uint64_t>()))
                       : JsonValue::binary(std::move(data));
      return true;
    }
    if (const JsonValue* name = member("$float"); name != nullptr) {
      const std::string text = name->is_string() ? name->get<std::string>() : "";
      if (object.size() != 1 || (text != "nan" && text != "inf" && text != "-inf"))
        return fail("a \"$float\" object holds one of \"nan\", \"inf\" and \"-inf\"");
      object = text == "nan"   ? std::numeric_limits<double>::quiet_NaN()
               : text == "inf" ? std::numeric_limits<double>::infinity()
                               : -std::numeric_limits<double>::infinity();
      return true;
    }
    return true;
  }

  Mode mode_;
  std::size_t value_budget_;
  bool bson_;
  std::size_t values_ = 0;
  JsonValue root_;
  std::vector<JsonValue*> open_;
  std::string key_;
  std::string error_;
  std::string library_error_;
  std::size_t position_ = 0;
};

// nlohmann/json's message in ours: "[json.exception.parse_error.110] parse error at byte 3:
// syntax error while parsing CBOR value: unexpected end of input" is "not valid CBOR: it ends
// after 3 bytes, in the middle of a value".
std::string in_our_words(std::string_view title, std::string_view library, std::size_t size) {
  std::string text{library};
  if (text.starts_with("[json.exception.")) text.erase(0, text.find("] ") + 2);
  if (text.find("unexpected end of input") != std::string::npos)
    return fmt::format("not valid {}: it ends after {} bytes, in the middle of a value", title, size);
  if (text.find("expected end of input") != std::string::npos)
    return fmt::format("not valid {}: more bytes follow the end of its value", title);
  // JSON text: "line 1, column 2: syntax error while parsing object key - invalid literal; last
  // read: '{o'; expected string literal" says where and what came; the rest is the parser's.
  const std::size_t parse_error = text.find("parse error at ");
  const std::string_view last_read = "last read: '";
  const std::string_view unexpected = "unexpected '";
  const std::size_t read = text.find(last_read);
  const std::size_t found = read != std::string::npos ? read + last_read.size()
                            : text.find(unexpected) != std::string::npos
                                ? text.find(unexpected) + unexpected.size()
                                : std::string::npos;
  if (parse_error != std::string::npos && found != std::string::npos) {
    const std::size_t where = parse_error + std::string_view{"parse error at "}.size();
    const std::size_t quote_end =
        text.find("';", found) != std::string::npos ? text.find("';", found) : text.rfind('\'');
    const std::string_view token{text.data() + found, quote_end > found ? quote_end - found : 0};
    return fmt::format("not valid {}: at {}, near '{}'", title,
                       text.substr(where, text.find(':', where) - where), printable(token));
  }
  // "line 1, column 6: syntax error while parsing object separator - unexpected number literal;
  // expected ':'": what came, by kind.
  if (const std::size_t kind = text.find("unexpected ");
      parse_error != std::string::npos && kind != std::string::npos) {
    const std::size_t where = parse_error + std::string_view{"parse error at "}.size();
    const std::size_t from = kind + std::string_view{"unexpected "}.size();
    return fmt::format("not valid {}: at {}, an unexpected {}", title,
                       text.substr(where, text.find(':', where) - where),
                       text.substr(from, text.find(';', from) - from));
  }
  for (const std::string_view noise : {"syntax error while parsing ", "parse error at "}) {
    for (std::size_t at; (at = text.find(noise)) != std::string::npos;)
      text.erase(at, noise.size());
  }
  // "byte 3: CBOR value: invalid byte: 0x1C" -> "byte 3: invalid byte: 0x1C"
  for (const std::string_view noise : {"value: ", "value - ", "string: "}) {
    const std::size_t at = text.find(noise);
    if (at == std::string::npos) continue;
    const std::size_t start = text.rfind(": ", at);
    text.erase(start == std::string::npos ? 0 : start + 2,
               at + noise.size() - (start == std::string::npos ? 0 : start + 2));
  }
  return fmt::format("not valid {}: at {}", title, text);
}

// CBOR tags: nlohmann/json skips each by recursing once, with no SAX event to stop it, so a run
// of tags could exhaust the stack. This walk of the item heads (iterative, nothing decoded)
// measures the nesting of arrays, maps, indefinite strings and tags; malformed input is left to
// the decoder to describe. It also notes where the tags 0 to 5 are (dates, bignums), which
// nlohmann/json 3.11 takes for invalid bytes: see with_long_tags.
bool cbor_nesting_within(std::string_view bytes, int limit, std::vector<std::size_t>& small_tags,
                         bool& too_small_integer) {
  struct Level {
    std::uint64_t remaining;  // items still to come; ignored when indefinite
    bool indefinite;
    int weight;  // this level and the tags before it
  };
  std::vector<Level> levels;
  int depth = 0;
  int tags = 0;
  std::size_t at = 0;
  // One item ended: count it off its container, and close the containers it completes.
  const auto item_done = [&] {
    while (!levels.empty() && !levels.back().indefinite && --levels.back().remaining == 0) {
      depth -= levels.back().weight;
      levels.pop_back();
    }
    return !levels.empty();
  };
  while (at < bytes.size()) {
    const auto head = static_cast<unsigned char>(bytes[at++]);
    if (head == 0xFF && !levels.empty() && levels.back().indefinite) {
      depth -= levels.back().weight;
      levels.pop_back();
      if (!item_done()) return true;
      continue;
    }
    const int major = head >> 5;
    const int info = head & 0x1F;
    std::uint64_t argument = static_cast<std::uint64_t>(info);
    if (info >= 24 && info <= 27) {
      const std::size_t length = std::size_t{1} << (info - 24);
      if (bytes.size() - at < length) return true;
      argument = 0;
      for (std::size_t i = 0; i < length; ++i)
        argument = argument << 8 | static_cast<unsigned char>(bytes[at++]);
    } else if (info >= 28 && info <= 30) {
      return true;
    }
    const bool indefinite = info == 31;
    if (major == 1 && argument > static_cast<std::uint64_t>(INT64_MAX)) {
      // -1 - argument is below int64's range: nlohmann/json would wrap it around.
      too_small_integer = true;
      return true;
    }
    if (major == 6) {
      if (info <= 5) small_tags.push_back(at - 1);
      if (++tags + depth > limit) return false;
      continue;
    }
    std::optional<std::uint64_t> items;  // a container's items, or nothing for an atom
    if (major == 2 || major == 3) {
      if (indefinite) {
        items = 0;
      } else {
        if (bytes.size() - at < argument) return true;
        at += static_cast<std::size_t>(argument);
      }
    } else if (major == 4 || major == 5) {
      if (indefinite)
        items = 0;
      else if (argument > 0)
        items = major == 5 ? (argument > UINT64_MAX / 2 ? UINT64_MAX : argument * 2) : argument;
    }
    if (items) {
      levels.push_back(Level{*items, indefinite, 1 + tags});
      depth += 1 + tags;
      tags = 0;
      if (depth > limit) return false;
      continue;
    }
    tags = 0;
    if (!item_done()) return true;
  }
  return true;
}

// The same CBOR with each one-byte tag head 0xC0 to 0xC5 written in its two-byte form (0xD8 n),
// which nlohmann/json skips as it should.
std::string with_long_tags(std::string_view bytes, const std::vector<std::size_t>& small_tags) {
  std::string out;
  out.reserve(bytes.size() + small_tags.size());
  std::size_t from = 0;
  for (const std::size_t at : small_tags) {
    out.append(bytes.substr(from, at - from));
    out += '\xD8';
    out += static_cast<char>(bytes[at] & 0x1F);
    from = at + 1;
  }
  out.append(bytes.substr(from));
  return out;
}

std::optional<JsonValue> parse_binary(PayloadFormat format, std::string_view bytes, std::string& error) {
  const std::string_view title = facts(format).title;
  if (bytes.empty()) {
    error = fmt::format("not valid {}: the payload is empty", title);
    return std::nullopt;
  }
  std::string rewritten;
  if (format == PayloadFormat::cbor) {
    std::vector<std::size_t> small_tags;
    bool too_small_integer = false;
    if (!cbor_nesting_within(bytes, max_nesting, small_tags, too_small_integer)) {
      error = fmt::format("not decoded: it nests values deeper than {} levels", max_nesting);
      return std::nullopt;
    }
    if (too_small_integer) {
      error = "not decoded: it holds an integer below -9223372036854775808, which mq cannot show exactly";
      return std::nullopt;
    }
    if (!small_tags.empty()) {
      rewritten = with_long_tags(bytes, small_tags);
      bytes = rewritten;
    }
  }
  // A value takes at least one byte, except in UBJSON's typed containers of nulls and booleans:
  // those may not declare more values than the payload has bytes (and a thousand), so that the
  // memory a payload costs stays in proportion to its size.
  Builder builder{Builder::Mode::decode, bytes.size() + 1024, format == PayloadFormat::bson};
  using Adapter = decltype(nlohmann::detail::input_adapter(bytes.begin(), bytes.end()));
  using Reader = nlohmann::detail::binary_reader<JsonValue, Adapter, Builder>;
  const auto input_format = format == PayloadFormat::cbor      ? nlohmann::detail::input_format_t::cbor
                            : format == PayloadFormat::msgpack ? nlohmann::detail::input_format_t::msgpack
                            : format == PayloadFormat::bson    ? nlohmann::detail::input_format_t::bson
                                                               : nlohmann::detail::input_format_t::ubjson;
  bool parsed = false;
  try {
    Reader reader{nlohmann::detail::input_adapter(bytes.begin(), bytes.end()), input_format};
    // CBOR tags (dates, bignums, ...) are skipped: the tagged value shows as it is.
    parsed = reader.sax_parse(input_format, &builder, true, nlohmann::json::cbor_tag_handler_t::ignore);
  } catch (const nlohmann::json::exception& failure) {
    error = in_our_words(title, failure.what(), bytes.size());
    return std::nullopt;
  }
  if (parsed) return std::move(builder.root());
  if (!builder.error().empty())
    error = fmt::format("not decoded as {}: {}", title, builder.error());
  else
    error = in_our_words(title, builder.library_error(), bytes.size());
  return std::nullopt;
}

std::optional<JsonValue> parse_json(std::string_view text, Builder::Mode mode, std::string& error) {
  if (trimmed(text).empty()) {
    error = "not valid JSON: there is no value, only blanks or nothing";
    return std::nullopt;
  }
  Builder builder{mode, text.size() + 1024};
  bool parsed = false;
  try {
    parsed = JsonValue::sax_parse(text, &builder);
  } catch (const nlohmann::json::exception& failure) {
    error = in_our_words("JSON", failure.what(), text.size());
    return std::nullopt;
  }
  if (parsed) return std::move(builder.root());
  error = !builder.error().empty() ? fmt::format("not usable JSON: {}", builder.error())
                                   : in_our_words("JSON", builder.library_error(), text.size());
  // One line of text: its column says where.
  if (const std::size_t at = error.find("line 1, column ");
      at != std::string::npos && text.find('\n') == std::string_view::npos)
    error.erase(at, std::string_view{"line 1, "}.size());
  return std::nullopt;
}

std::string type_words(const JsonValue& value) {
  switch (value.type()) {
  case JsonValue::value_t::object:
    return "an object";
  case JsonValue::value_t::array:
    return "an array";
  case JsonValue::value_t::string:
    return "a string";
  case JsonValue::value_t::boolean:
    return "a boolean";
  case JsonValue::value_t::binary:
    return "binary data";
  case JsonValue::value_t::null:
    return "null";
  default:
    return "a number";
  }
}

std::vector<std::uint8_t> encode_binary(PayloadFormat format, const JsonValue& value) {
  switch (format) {
  case PayloadFormat::cbor:
    return JsonValue::to_cbor(value);
  case PayloadFormat::msgpack:
    return JsonValue::to_msgpack(value);
  case PayloadFormat::bson:
    return JsonValue::to_bson(value);
  default:
    return JsonValue::to_ubjson(value);
  }
}

}  // namespace

std::string_view format_name(PayloadFormat format) { return facts(format).name; }
std::string_view content_type_of(PayloadFormat format) { return facts(format).content_type; }

std::optional<PayloadFormat> format_of_content_type(std::string_view content_type) {
  const std::string whole = lower(trimmed(content_type));
  for (const auto& [type, format] : other_content_types)
    if (whole == type) return format;
  const std::string media{trimmed(std::string_view{whole}.substr(0, whole.find(';')))};
  for (const FormatFacts& f : formats)
    if (media == f.content_type) return f.format;
  for (const auto& [type, format] : other_content_types)
    if (media == type) return format;
  if (media.ends_with("+json")) return PayloadFormat::json;  // application/ld+json, ...
  if (media.ends_with("+cbor")) return PayloadFormat::cbor;  // application/senml+cbor, ...
  return std::nullopt;
}

std::optional<PayloadFormat> auto_format(std::optional<std::string_view> content_type,
                                         std::string_view topic) {
  if (content_type) {
    if (const std::optional<PayloadFormat> format = format_of_content_type(*content_type)) return format;
  }
  if (topic.starts_with("spBv1.0/STATE/")) return PayloadFormat::json;  // Sparkplug 3.0 host state
  if (topic.starts_with("spBv1.0/")) return PayloadFormat::sparkplug;
  return std::nullopt;
}

const std::string* SparkplugAliases::name(const std::string& node, std::uint64_t alias) const {
  const auto found_node = names_.find(node);
  if (found_node == names_.end()) return nullptr;
  const auto found = found_node->second.find(alias);
  return found == found_node->second.end() ? nullptr : &found->second;
}

DecodeResult decode_payload(PayloadFormat format, std::string_view bytes, std::string_view topic,
                            SparkplugAliases* aliases) {
  DecodeResult result;
  try {
    if (format == PayloadFormat::sparkplug) return codec::decode_sparkplug(bytes, topic, aliases);
    if (format == PayloadFormat::json)
      result.value = parse_json(bytes, Builder::Mode::decode, result.error);
    else
      result.value = parse_binary(format, bytes, result.error);
  } catch (const std::bad_alloc&) {
    result.value.reset();
    result.error = "not decoded: it needs more memory than there is";
  }
  return result;
}

const JsonValue* PayloadDecoder::decode(std::string_view payload,
                                        std::optional<std::string_view> content_type, std::string_view topic,
                                        std::string& error) {
  if (payload.empty()) return nullptr;  // a retained message being cleared: nothing to decode
  const std::optional<PayloadFormat> format =
      choice_.format ? choice_.format : auto_format(content_type, topic);
  if (!format) return nullptr;
  DecodeResult result = decode_payload(*format, payload, topic, &aliases_);
  if (!result.value) {
    ++undecodable_;
    error = std::move(result.error);
    return nullptr;
  }
  format_ = *format;
  value_ = std::move(*result.value);
  return &value_;
}

std::optional<JsonValue> parse_json_text(std::string_view text, std::string& error) {
  return parse_json(text, Builder::Mode::parse, error);
}

EncodeResult encode_payload(PayloadFormat format, const JsonValue& value) {
  EncodeResult result;
  if (format == PayloadFormat::sparkplug) return codec::encode_sparkplug(value);
  if (format == PayloadFormat::json) {
    result.bytes = value.dump();
    return result;
  }
  if (format == PayloadFormat::bson && !value.is_object()) {
    result.error = fmt::format("BSON holds an object (a document) at the top, not {}", type_words(value));
    return result;
  }
  try {
    const std::vector<std::uint8_t> bytes = encode_binary(format, value);
    result.bytes = std::string(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& failure) {
    std::string text = failure.what();
    if (text.starts_with("[json.exception.")) text.erase(0, text.find("] ") + 2);
    result.error = fmt::format("{} cannot hold this value: {}", facts(format).title, text);
  }
  return result;
}

EncodeResult encode_json_text(PayloadFormat format, std::string_view text) {
  EncodeResult result;
  std::optional<JsonValue> value = parse_json_text(text, result.error);
  if (!value) return result;
  return encode_payload(format, *value);
}

void add_decode_option(CLI::App& app, std::optional<DecodeChoice>& decode, const char* group) {
  app.add_option_function<std::string>(
         "--decode",
         [&decode](const std::string& name) {
           DecodeChoice choice;
           for (const FormatFacts& f : formats)
             if (name == f.name) choice.format = f.format;
           decode = choice;  // auto: no format
         },
         "Show payloads in this format as JSON (auto: by content type, spBv1.0/ topics as Sparkplug)")
      ->type_name("FORMAT")
      ->check(one_of({"cbor", "msgpack", "bson", "ubjson", "json", "sparkplug", "auto"}))
      ->group(group);
}

void add_encode_option(CLI::App& app, std::optional<PayloadFormat>& encode, const char* group) {
  app.add_option_function<std::string>(
         "--encode",
         [&encode](const std::string& name) {
           for (const FormatFacts& f : formats)
             if (name == f.name) encode = f.format;
         },
         "Publish the JSON message converted to this format (MQTT v5: with its content type)")
      ->type_name("FORMAT")
      ->check(one_of({"cbor", "msgpack", "bson", "ubjson", "sparkplug"}))
      ->group(group);
}

}  // namespace mq
