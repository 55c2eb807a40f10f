#include "http_request.hpp"

#include <algorithm>
#include <vector>

#include "mq/http_response.hpp"
#include "mq/text.hpp"

namespace mq::bench {
namespace {

constexpr int full_quality = 1000;  // q=1, in thousandths

// Visible ASCII only: no spaces, controls or bytes above 0x7e in a target.
bool is_visible(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

bool is_http1_version(std::string_view version) {
  return version.size() == 8 && version.starts_with("HTTP/1.") && version[7] >= '0' && version[7] <= '9';
}

// "Name: value": a token, a colon, then no control characters but tab.
bool is_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_http_token(line.substr(0, colon))) return false;
  const std::string_view value = line.substr(colon + 1);
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return (static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7f; });
}

std::optional<HttpRequest> parse_request_line(std::string_view line) {
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) return std::nullopt;
  const std::string_view method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  if (!is_http_token(method) || !is_visible(target) || !target.starts_with('/') ||
      !is_http1_version(line.substr(last_space + 1)))
    return std::nullopt;
  return HttpRequest{std::string{method}, std::string{target.substr(0, target.find('?'))}, {}};
}

// Adds the value of an Accept header line to what the request accepts.
void note_accept(std::string_view line, HttpRequest& request) {
  const std::size_t colon = line.find(':');
  if (ascii_lowercase(line.substr(0, colon)) != "accept") return;
  const std::string_view value = trimmed_http_whitespace(line.substr(colon + 1));
  if (!request.accept.empty() && !value.empty()) request.accept += ',';
  request.accept += value;
}

// The pieces of `text` between `separator`s that are not inside a quoted string.
std::vector<std::string_view> split_outside_quotes(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (quoted && text[i] == '\\')
      ++i;  // a quoted pair: the next character is literal
    else if (text[i] == '"')
      quoted = !quoted;
    else if (!quoted && text[i] == separator) {
      pieces.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

// A parameter's value: a token, or a quoted string without its quotes and escapes.
std::optional<std::string> parameter_value(std::string_view text) {
  if (is_http_token(text)) return std::string{text};
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::nullopt;
  std::string value;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == '\\') {
      if (++i + 1 == text.size()) return std::nullopt;  // the closing quote escaped: no end
    } else if (text[i] == '"') {
      return std::nullopt;
    }
    value += text[i];
  }
  return value;
}

// A qvalue ("0", "0.5", "1.000") in thousandths.
std::optional<int> quality_of(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int thousandths = (text[0] - '0') * full_quality;
  if (text.size() == 1) return thousandths;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  int scale = full_quality / 10;
  for (const char digit : text.substr(2)) {
    if (digit < '0' || digit > '9') return std::nullopt;
    thousandths += (digit - '0') * scale;
    scale /= 10;
  }
  if (thousandths > full_quality) return std::nullopt;
  return thousandths;
}

// One media range of an Accept header: "text/plain;version=0.0.4;q=0.5".
struct MediaRange {
  std::string type, subtype;  // lower-case; "*" for any
  std::optional<std::string> version;
  int quality = full_quality;  // thousandths
};

std::optional<MediaRange> parse_media_range(std::string_view text) {
  const std::vector<std::string_view> pieces = split_outside_quotes(text, ';');
  const std::string_view name = trimmed_http_whitespace(pieces.front());
  const std::size_t slash = name.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  MediaRange range{ascii_lowercase(name.substr(0, slash)), ascii_lowercase(name.substr(slash + 1)), {}};
  if (!is_http_token(range.type) || !is_http_token(range.subtype) ||
      (range.type == "*" && range.subtype != "*"))
    return std::nullopt;
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    const std::string_view parameter = trimmed_http_whitespace(pieces[i]);
    if (parameter.empty()) continue;
    const std::size_t equals = parameter.find('=');
    const std::string parameter_name = ascii_lowercase(parameter.substr(0, equals));
    if (equals == std::string_view::npos || !is_http_token(parameter_name)) return std::nullopt;
    const std::string_view raw_value = parameter.substr(equals + 1);
    if (parameter_name == "q") {
      const std::optional<int> quality = quality_of(raw_value);
      if (!quality) return std::nullopt;
      range.quality = *quality;
      break;  // what follows the weight are extensions of the Accept header, not the type's parameters
    }
    std::optional<std::string> value = parameter_value(raw_value);
    if (!value) return std::nullopt;
    if (parameter_name == "version") range.version = std::move(value);
  }
  return range;
}

// How specifically `range` names `offered`: 3 type/subtype and version, 2 type/subtype, 1
// type/*, 0 */*; nothing when it does not match it.
std::optional<int> specificity(const MediaRange& range, const OfferedType& offered) {
  const std::size_t slash = offered.media_type.find('/');
  const std::string_view type = offered.media_type.substr(0, slash);
  const std::string_view subtype = offered.media_type.substr(slash + 1);
  if (range.type == "*") return 0;
  if (range.type != type) return std::nullopt;
  if (range.subtype == "*") return 1;
  if (range.subtype != subtype) return std::nullopt;
  if (!range.version) return 2;
  if (*range.version != offered.version) return std::nullopt;
  return 3;
}

// How much the header wants one offered type, from the most specific range that matches it.
struct Acceptance {
  int quality = 0;  // thousandths; 0 when no range matches
  int specificity = -1;
  std::size_t position = 0;  // of the range in the header
};

bool preferred_over(const Acceptance& a, const Acceptance& b) {
  if (a.quality != b.quality) return a.quality > b.quality;
  if (a.specificity != b.specificity) return a.specificity > b.specificity;
  return a.position < b.position;
}

Acceptance acceptance_of(const OfferedType& offered, const std::vector<MediaRange>& ranges) {
  Acceptance acceptance;
  for (std::size_t position = 0; position < ranges.size(); ++position) {
    const std::optional<int> match = specificity(ranges[position], offered);
    if (match && *match > acceptance.specificity) acceptance = {ranges[position].quality, *match, position};
  }
  return acceptance;
}

std::vector<MediaRange> parse_accept(std::string_view accept) {
  std::vector<MediaRange> ranges;
  for (const std::string_view element : split_outside_quotes(accept, ',')) {
    if (std::optional<MediaRange> range = parse_media_range(element)) ranges.push_back(std::move(*range));
  }
  return ranges;
}

}  // namespace

std::optional<HttpRequest> parse_http_request(std::string_view head) {
  std::optional<HttpRequest> request = parse_request_line(next_http_line(head));
  if (!request) return std::nullopt;
  while (!head.empty()) {
    const std::string_view line = next_http_line(head);
    if (line.empty()) break;  // the blank line that ends the head
    if (line.front() == ' ' || line.front() == '\t' || !is_header_line(line)) return std::nullopt;
    note_accept(line, *request);
  }
  return request;
}

std::size_t preferred_type(std::string_view accept, std::span<const OfferedType> offered) {
  const std::vector<MediaRange> ranges = parse_accept(accept);
  std::size_t best = 0;
  Acceptance best_acceptance = acceptance_of(offered[0], ranges);
  for (std::size_t i = 1; i < offered.size(); ++i) {
    const Acceptance acceptance = acceptance_of(offered[i], ranges);
    if (preferred_over(acceptance, best_acceptance)) {
      best = i;
      best_acceptance = acceptance;
    }
  }
  return best_acceptance.quality > 0 ? best : 0;
}

}  // namespace mq::bench
