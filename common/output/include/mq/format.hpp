#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "mq/json_output.hpp"
#include "mq/message.hpp"

// mosquitto_sub's -F output format, parsed once and rendered for every message: % conversions
// with flags, width, precision and hex separator, @ strftime sequences and \ escapes.
namespace mq {

/// The flags, width, precision and hex separator of one % conversion ("%-08.2:x").
struct FieldOptions {
  bool left_align = false;  // '-'
  bool zero_pad = false;    // '0'
  int width = 0;            // 0: none
  int precision = -1;       // -1: none; the group size in nibbles for %x and %X
  char separator = ' ';     // between hex groups
};

/// One element of a parsed format.
struct FormatPiece {
  enum class Kind {
    literal,      // text, escapes already resolved
    conversion,   // %<letter>
    time,         // @<letter>, given to strftime as %<letter>
    nanoseconds,  // @N
  };
  Kind kind = Kind::literal;
  char letter = 0;
  FieldOptions options;
  std::string text;
};

/// The largest field width or precision a format may ask for.
inline constexpr int max_field_size = 65535;

/// A -F format. Not thread-safe: rendering caches the text of the current second.
class OutputFormat {
public:
  /// Parses `format`; throws a usage Error naming and pointing at the offending character.
  /// `pretty_json` lays %j and %J out over several lines (--pretty).
  explicit OutputFormat(std::string_view format, bool pretty_json = false);

  /// Appends `message`, received at `when`, as the format says (without a newline). A
  /// conversion that cannot be printed for this message (%f on a payload that is not 4 bytes)
  /// prints nothing and, if `problem` is given, is described there. A `decoded` payload
  /// (--decode) is what %v prints and %j and %J show; %p stays the payload's bytes.
  void render(const Message& message, const timespec& when, std::string& out, std::string* problem = nullptr,
              const DecodedPayload* decoded = nullptr) const;

  /// Whether rendering reads the clock (@ sequences, %I, %U, %j, %J).
  bool uses_time() const { return uses_time_; }
  /// The parsed pieces, for tests.
  const std::vector<FormatPiece>& pieces() const { return pieces_; }

private:
  void render_conversion(const FormatPiece& piece, const Message& message, const timespec& when,
                         std::string& out, std::string* problem, const DecodedPayload* decoded) const;
  const std::string& time_text(std::size_t piece_index, const timespec& when) const;

  std::vector<FormatPiece> pieces_;
  bool pretty_json_ = false;
  bool uses_time_ = false;
  // strftime results of the current second, one per piece (only time pieces and %I use theirs)
  mutable std::time_t cached_second_ = -1;
  mutable std::vector<std::string> cached_time_texts_;
};

}  // namespace mq
