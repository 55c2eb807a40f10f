#include "mq/format.hpp"

#include <fmt/format.h>
#include <mqtt_protocol.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "mq/error.hpp"
#include "mq/json_output.hpp"
#include "mq/local_time.hpp"
#include "mq/properties.hpp"
#include "mq/text.hpp"

namespace mq {
namespace {

constexpr std::string_view conversion_letters = "%ACDdEFfIjJlmPpqRrStUvxX";
// mosquitto_sub 2.1 takes any of these after the precision as the separator of hex groups.
constexpr std::string_view separator_characters = "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~ ";
constexpr std::string_view conversions_fix =
    "the conversions are %% %A %C %D %d %E %F %f %I %j %J %l %m %P %p %q %R %r %S %t %U %v %x %X "
    "(FORMAT in mqsub(1)); write %% for a literal %";
// "  cause: " in front of the format, so that the caret lines up under it.
constexpr std::size_t cause_indent = 9;

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char byte : text)
    count += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return count;
}

// A usage error that shows the format with a caret under character `at`.
[[noreturn]] void reject(std::string_view format, std::size_t at, const std::string& what,
                         std::string_view fix) {
  const std::size_t column = code_points(printable(format.substr(0, at)));
  throw Error{Exit::usage, fmt::format("invalid -F format: {}", what),
              fmt::format("{}\n{}^ character {}", printable(format), std::string(cause_indent + column, ' '),
                          code_points(format.substr(0, at)) + 1),
              std::string{fix}};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads the digits at `at` as a width or precision.
int read_number(std::string_view format, std::size_t& at, const char* what) {
  const std::size_t start = at;
  long value = 0;
  while (at < format.size() && is_digit(format[at])) {
    value = value * 10 + (format[at] - '0');
    if (value > max_field_size)
      reject(format, start,
             fmt::format("the {} {}... is too large", what, format.substr(start, at + 1 - start)),
             fmt::format("use at most {}", max_field_size));
    ++at;
  }
  return static_cast<int>(value);
}

// Parses "%[-][0][width][.[precision]][separator]letter" starting at the '%'.
FormatPiece parse_conversion(std::string_view format, std::size_t& at) {
  const std::size_t start = at++;
  FormatPiece piece;
  piece.kind = FormatPiece::Kind::conversion;
  FieldOptions& options = piece.options;
  if (at < format.size() && format[at] == '-') options.left_align = true, ++at;
  if (at < format.size() && format[at] == '0') options.zero_pad = true, ++at;
  options.width = read_number(format, at, "field width");
  if (at < format.size() && format[at] == '.') options.precision = read_number(format, ++at, "precision");
  if (at < format.size() && separator_characters.find(format[at]) != std::string_view::npos)
    options.separator = format[at++];
  if (at == format.size())
    reject(format, start, fmt::format("the conversion '{}' has no letter", printable(format.substr(start))),
           conversions_fix);
  piece.letter = format[at];
  if (conversion_letters.find(piece.letter) == std::string_view::npos)
    reject(format, at,
           fmt::format("'{}' is not a conversion letter (in '{}')", printable(format.substr(at, 1)),
                       printable(format.substr(start, at + 1 - start))),
           conversions_fix);
  ++at;
  return piece;
}

char escaped_character(std::string_view format, std::size_t at) {
  switch (at + 1 < format.size() ? format[at + 1] : '\0') {
  case '\\':
    return '\\';
  case '0':
    return '\0';
  case 'a':
    return '\a';
  case 'e':
    return '\033';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  case 'v':
    return '\v';
  }
  if (at + 1 == format.size())
    reject(format, at, "'\\' ends the format", "write \\\\ for a literal backslash");
  reject(format, at + 1, fmt::format("'\\{}' is not an escape", printable(format.substr(at + 1, 1))),
         "the escapes are \\\\ \\0 \\a \\e \\n \\r \\t \\v; write \\\\ for a literal backslash");
}

void append_literal(std::vector<FormatPiece>& pieces, std::string_view text) {
  if (pieces.empty() || pieces.back().kind != FormatPiece::Kind::literal)
    pieces.emplace_back();  // a piece is a literal until said otherwise
  pieces.back().text.append(text);
}

FormatPiece time_piece(char letter) {
  FormatPiece piece;
  piece.kind = letter == 'N' ? FormatPiece::Kind::nanoseconds : FormatPiece::Kind::time;
  piece.letter = letter;
  return piece;
}

std::vector<FormatPiece> parse(std::string_view format) {
  std::vector<FormatPiece> pieces;
  std::size_t at = 0;
  while (at < format.size()) {
    const char c = format[at];
    if (c == '%') {
      FormatPiece piece = parse_conversion(format, at);
      if (piece.letter == '%')  // "%%", whatever its options, prints '%'
        append_literal(pieces, "%");
      else
        pieces.push_back(std::move(piece));
    } else if (c == '@') {
      if (at + 1 == format.size())
        reject(format, at, "'@' ends the format", "write @@ for a literal @, or @ and a strftime(3) letter");
      const char letter = format[at + 1];
      if (letter == '@')
        append_literal(pieces, "@");
      else
        pieces.push_back(time_piece(letter));
      at += 2;
    } else if (c == '\\') {
      const char escaped = escaped_character(format, at);
      append_literal(pieces, std::string_view{&escaped, 1});
      at += 2;
    } else {
      const std::size_t next = format.find_first_of("%@\\", at);
      const std::size_t end = next == std::string_view::npos ? format.size() : next;
      append_literal(pieces, format.substr(at, end - at));
      at = end;
    }
  }
  return pieces;
}

bool needs_time(const FormatPiece& piece) {
  if (piece.kind == FormatPiece::Kind::time || piece.kind == FormatPiece::Kind::nanoseconds) return true;
  return piece.kind == FormatPiece::Kind::conversion &&
         std::string_view{"IUjJ"}.find(piece.letter) != std::string_view::npos;
}

// --- rendering, as mosquitto_sub 2.1 prints each conversion ---

void append_repeated(std::string& out, int count, char c) {
  if (count > 0) out.append(static_cast<std::size_t>(count), c);
}

char pad_character(const FieldOptions& options) { return options.zero_pad ? '0' : ' '; }

// printf's "%d", "%-*d", "%0*d" or "%*d".
void append_int(std::string& out, long long value, const FieldOptions& options) {
  auto into = std::back_inserter(out);
  if (options.width == 0)
    fmt::format_to(into, "{}", value);
  else if (options.left_align)
    fmt::format_to(into, "{:<{}}", value, options.width);
  else if (options.zero_pad)
    fmt::format_to(into, "{:0{}}", value, options.width);
  else
    fmt::format_to(into, "{:>{}}", value, options.width);
}

// printf's "%*.*s": at most `precision` bytes, padded with blanks to the width.
void append_text(std::string& out, std::string_view text, const FieldOptions& options) {
  if (options.precision >= 0 && text.size() > static_cast<std::size_t>(options.precision))
    text = text.substr(0, static_cast<std::size_t>(options.precision));
  const int padding = options.width - static_cast<int>(text.size());
  if (!options.left_align) append_repeated(out, padding, ' ');
  out.append(text);
  if (options.left_align) append_repeated(out, padding, ' ');
}

// An absent property still fills its field.
void append_blank(std::string& out, const FieldOptions& options) {
  append_repeated(out, options.width, pad_character(options));
}

enum class HexCase { none, lower, upper };

// mosquitto_sub 2.1's write_payload(): a width also truncates the payload to that many bytes;
// hex digits are grouped by the precision (counting padding), and with '-' the padding after
// the payload is the width minus the printed length, taken as positive (printf("%*s") with a
// negative width pads to its absolute value).
void append_payload(std::string& out, std::string_view payload, HexCase hex, const FieldOptions& options) {
  int length = static_cast<int>(payload.size());
  int padding = options.width - length;
  if (options.width > 0) {
    length = std::min(length, options.width);
    padding = options.width - (hex == HexCase::none ? length : 2 * length);
  }
  int nibble = 0;
  const auto separate = [&] {
    if (options.precision > 0 && nibble % options.precision == options.precision - 1)
      out += options.separator;
    ++nibble;
  };
  if (!options.left_align) {
    for (int i = 0; i < padding; ++i) {
      out += pad_character(options);
      if (hex != HexCase::none) separate();
    }
  }
  if (hex == HexCase::none) {
    out.append(payload.substr(0, static_cast<std::size_t>(length)));
  } else {
    const char* digits = hex == HexCase::lower ? "0123456789abcdef" : "0123456789ABCDEF";
    for (int i = 0; i < length; ++i) {
      const auto byte = static_cast<unsigned char>(payload[static_cast<std::size_t>(i)]);
      out += digits[byte >> 4];
      separate();
      out += digits[byte & 0x0F];
      if (i < length - 1) separate();
    }
  }
  if (options.left_align) append_repeated(out, std::abs(padding), ' ');
}

// %f and %d: the payload is a 4- or 8-byte IEEE 754 number in this machine's byte order.
bool append_float(std::string& out, std::string_view payload, char letter, const FieldOptions& options) {
  double value = 0;
  if (letter == 'f') {
    float single = 0;
    if (payload.size() != sizeof single) return false;
    std::memcpy(&single, payload.data(), sizeof single);
    value = single;
  } else {
    if (payload.size() != sizeof value) return false;
    std::memcpy(&value, payload.data(), sizeof value);
  }
  const char* layout = options.width == 0   ? "%.*f"
                       : options.left_align ? "%-*.*f"
                       : options.zero_pad   ? "%0*.*f"
                                            : "%*.*f";
  // A precision of -1 means none, as printf() takes a negative one: six decimals.
  const auto print = [&](char* buffer, std::size_t size) {
    return options.width == 0 ? std::snprintf(buffer, size, layout, options.precision, value)
                              : std::snprintf(buffer, size, layout, options.width, options.precision, value);
  };
  const int length = print(nullptr, 0);
  if (length <= 0) return true;
  std::string text(static_cast<std::size_t>(length) + 1, '\0');
  print(text.data(), text.size());
  out.append(text.data(), static_cast<std::size_t>(length));
  return true;
}

// %P: "name:value" of each user property, separated by blanks.
void append_user_properties(std::string& out, const mosquitto_property* properties) {
  bool first = true;
  for (const ReadProperty& pair : read_properties(properties, MQTT_PROP_USER_PROPERTY)) {
    if (!first) out += ' ';
    first = false;
    out += pair.pair_name.view();
    out += ':';
    out += pair.bytes.view();
  }
}

// The property a number conversion prints: %A, %E, %F or %S.
int number_property_of(char letter) {
  return letter == 'A'   ? MQTT_PROP_TOPIC_ALIAS
         : letter == 'E' ? MQTT_PROP_MESSAGE_EXPIRY_INTERVAL
         : letter == 'F' ? MQTT_PROP_PAYLOAD_FORMAT_INDICATOR
                         : MQTT_PROP_SUBSCRIPTION_IDENTIFIER;
}

// A number property as printf's "%d" (a 32-bit one above INT_MAX wraps, as in mosquitto_sub),
// or a blank field when the message has none.
void append_number_property(std::string& out, const mosquitto_property* properties, int identifier,
                            const FieldOptions& options) {
  if (const std::optional<ReadProperty> property = find_property(properties, identifier))
    append_int(out, static_cast<int>(property->number), options);
  else
    append_blank(out, options);
}

// A string property as printf's "%s"; whether the message has it.
bool append_string_property(std::string& out, const mosquitto_property* properties, int identifier,
                            const FieldOptions& options) {
  const std::optional<ReadProperty> property = find_property(properties, identifier);
  if (property) append_text(out, property->bytes.view(), options);
  return property.has_value();
}

}  // namespace

OutputFormat::OutputFormat(std::string_view format, bool pretty_json)
    : pieces_(parse(format)), pretty_json_(pretty_json) {
  for (const FormatPiece& piece : pieces_)
    uses_time_ = uses_time_ || needs_time(piece);
  cached_time_texts_.resize(pieces_.size());
}

const std::string& OutputFormat::time_text(std::size_t piece_index, const timespec& when) const {
  if (when.tv_sec != cached_second_) {
    const std::tm& calendar = local_time(when.tv_sec);
    for (std::size_t i = 0; i < pieces_.size(); ++i) {
      const FormatPiece& piece = pieces_[i];
      const bool iso = piece.kind == FormatPiece::Kind::conversion && piece.letter == 'I';
      if (piece.kind != FormatPiece::Kind::time && !iso) continue;
      const char layout[] = {'%', piece.letter, '\0'};
      char text[128];
      const std::size_t length = std::strftime(text, sizeof text, iso ? "%FT%T%z" : layout, &calendar);
      cached_time_texts_[i].assign(text, length);
    }
    cached_second_ = when.tv_sec;
  }
  return cached_time_texts_[piece_index];
}

void OutputFormat::render(const Message& message, const timespec& when, std::string& out,
                          std::string* problem, const DecodedPayload* decoded) const {
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    const FormatPiece& piece = pieces_[i];
    switch (piece.kind) {
    case FormatPiece::Kind::literal:
      out += piece.text;
      break;
    case FormatPiece::Kind::time:
      out += time_text(i, when);
      break;
    case FormatPiece::Kind::nanoseconds:
      fmt::format_to(std::back_inserter(out), "{:09}", when.tv_nsec);
      break;
    case FormatPiece::Kind::conversion:
      if (piece.letter == 'I')
        append_text(out, time_text(i, when), piece.options);
      else
        render_conversion(piece, message, when, out, problem, decoded);
      break;
    }
  }
}

void OutputFormat::render_conversion(const FormatPiece& piece, const Message& message, const timespec& when,
                                     std::string& out, std::string* problem,
                                     const DecodedPayload* decoded) const {
  const FieldOptions& options = piece.options;
  const mosquitto_property* properties = message.properties;
  switch (piece.letter) {
  case 'A':
  case 'E':
  case 'F':
  case 'S':
    append_number_property(out, properties, number_property_of(piece.letter), options);
    break;
  case 'C':
    if (!append_string_property(out, properties, MQTT_PROP_CONTENT_TYPE, options)) append_blank(out, options);
    break;
  case 'D':
    if (const std::optional<ReadProperty> data = find_property(properties, MQTT_PROP_CORRELATION_DATA))
      out += data->bytes.view();
    break;
  case 'R':
    append_string_property(out, properties, MQTT_PROP_RESPONSE_TOPIC, options);
    break;
  case 'P':
    append_user_properties(out, properties);
    break;
  case 'j':
  case 'J':
    append_message_json(out, message, when, piece.letter == 'j' ? JsonPayload::text : JsonPayload::json,
                        pretty_json_, decoded);
    break;
  case 'v':  // the decoded payload as JSON; the payload itself when there is none
    if (decoded != nullptr && decoded->value != nullptr)
      append_cjson_layout(out, *decoded->value, pretty_json_, /*exact_integers=*/true);
    else
      append_payload(out, message.payload, HexCase::none, options);
    break;
  case 'l':
    append_int(out, static_cast<long long>(message.payload.size()), options);
    break;
  case 'm':
    append_int(out, message.mid, options);
    break;
  case 'p':
    append_payload(out, message.payload, HexCase::none, options);
    break;
  case 'x':
    append_payload(out, message.payload, HexCase::lower, options);
    break;
  case 'X':
    append_payload(out, message.payload, HexCase::upper, options);
    break;
  case 'q':
    out += static_cast<char>('0' + message.qos);
    break;
  case 'r':
    out += message.retain ? '1' : '0';
    break;
  case 't':
    append_text(out, message.topic, options);
    break;
  case 'U':
    fmt::format_to(std::back_inserter(out), "{}.{:09}", when.tv_sec, when.tv_nsec);
    break;
  case 'f':
  case 'd':
    if (!append_float(out, message.payload, piece.letter, options) && problem != nullptr)
      *problem =
          fmt::format("%{} needs a payload of {} bytes (an IEEE 754 {}), but the message on '{}' has {}",
                      piece.letter, piece.letter == 'f' ? 4 : 8, piece.letter == 'f' ? "float" : "double",
                      printable(message.topic), message.payload.size());
    break;
  }
}

}  // namespace mq
