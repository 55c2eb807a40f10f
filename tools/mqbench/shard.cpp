#include "shard.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <ctime>

#include "mq/error.hpp"

namespace mq::bench {
namespace {

constexpr std::uint32_t most_shards = 100'000;
constexpr const char* shard_fix =
    "give --shard K/N with 1 <= K <= N (or --shard /N in a Kubernetes Indexed Job, which sets "
    "JOB_COMPLETION_INDEX)";

// A whole number made of digits only, within [low, high].
std::optional<std::uint64_t> whole(std::string_view text, std::uint64_t low, std::uint64_t high) {
  std::uint64_t value = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    return std::nullopt;
  return value;
}

std::uint32_t shard_count(std::string_view text, const char* source) {
  const auto count = whole(text, 1, most_shards);
  if (!count)
    throw usage_error(
        fmt::format("{} gives '{}' shards: not a whole number from 1 to {}", source, text, most_shards),
        shard_fix);
  return static_cast<std::uint32_t>(*count);
}

// K from JOB_COMPLETION_INDEX (0-based), for a run whose --shard or MQBENCH_SHARDS gave only N.
std::uint32_t index_from_job(const char* completion_index, std::uint32_t count, const char* source) {
  if (completion_index == nullptr)
    throw usage_error(fmt::format("{} gives no shard number, and JOB_COMPLETION_INDEX is not set", source),
                      shard_fix);
  const auto index = whole(completion_index, 0, count - 1);
  if (!index)
    throw usage_error(fmt::format("JOB_COMPLETION_INDEX is '{}', not a number from 0 to {} for {} shards",
                                  completion_index, count - 1, count),
                      "set the Job's completions to the number of shards");
  return static_cast<std::uint32_t>(*index + 1);
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// Nanoseconds from up to 9 digits of a decimal fraction (more are ignored): "25" is 250 ms.
std::optional<std::int64_t> fraction_nanoseconds(std::string_view digits) {
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::int64_t nanoseconds = 0;
  for (std::size_t i = 0; i < 9; ++i)
    nanoseconds = nanoseconds * 10 + (i < digits.size() ? digits[i] - '0' : 0);
  return nanoseconds;
}

std::chrono::system_clock::time_point at(std::int64_t seconds, std::int64_t nanoseconds) {
  return std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds{seconds} +
                                                                      std::chrono::nanoseconds{nanoseconds})};
}

std::optional<std::chrono::system_clock::time_point> unix_seconds(std::string_view text) {
  const std::size_t point = text.find('.');
  constexpr std::uint64_t year_9999 = 253'402'300'799;
  const auto seconds = whole(text.substr(0, point), 0, year_9999);
  const auto fraction = point == std::string_view::npos ? std::optional<std::int64_t>{0}
                                                        : fraction_nanoseconds(text.substr(point + 1));
  if (!seconds || !fraction) return std::nullopt;
  return at(static_cast<std::int64_t>(*seconds), *fraction);
}

// RFC 3339: 2026-12-01T10:00:00Z, with 't' or ' ' for 'T', an optional fraction, and 'Z' or an
// offset.
std::optional<std::chrono::system_clock::time_point> rfc3339(std::string_view text) {
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' '))
    return std::nullopt;
  const auto year = whole(text.substr(0, 4), 1970, 9999), month = whole(text.substr(5, 2), 1, 12),
             day = whole(text.substr(8, 2), 1, 31), hour = whole(text.substr(11, 2), 0, 23),
             minute = whole(text.substr(14, 2), 0, 59), second = whole(text.substr(17, 2), 0, 60);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::size_t end = 19;
  std::int64_t fraction = 0;
  if (text[end] == '.') {
    end = text.find_first_not_of("0123456789", 20);
    const auto nanoseconds =
        fraction_nanoseconds(text.substr(20, end == std::string_view::npos ? end : end - 20));
    if (end == std::string_view::npos || !nanoseconds) return std::nullopt;
    fraction = *nanoseconds;
  }
  long offset = 0;
  const std::string_view zone = text.substr(end);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const auto hours = whole(zone.substr(1, 2), 0, 23), minutes = whole(zone.substr(4, 2), 0, 59);
    if (!hours || !minutes) return std::nullopt;
    offset = (zone[0] == '+' ? 1 : -1) * static_cast<long>(*hours * 3600 + *minutes * 60);
  } else {
    return std::nullopt;
  }
  std::tm fields{};
  fields.tm_year = static_cast<int>(*year) - 1900;
  fields.tm_mon = static_cast<int>(*month) - 1;
  fields.tm_mday = static_cast<int>(*day);
  fields.tm_hour = static_cast<int>(*hour);
  fields.tm_min = static_cast<int>(*minute);
  fields.tm_sec = static_cast<int>(*second);
  const std::time_t utc = timegm(&fields);
  if (fields.tm_mday != static_cast<int>(*day)) return std::nullopt;  // 31 February
  return at(static_cast<std::int64_t>(utc) - offset, fraction);
}

}  // namespace

std::string Shard::text() const { return fmt::format("{}/{}", index, count); }

Share share_of(std::uint64_t total, Shard shard) {
  const auto boundary = [&](std::uint64_t k) {
    // total * k / count without overflow: total < 2^53 and count <= 100,000 in practice, but
    // split the product anyway.
    return total / shard.count * k + total % shard.count * k / shard.count;
  };
  const std::uint64_t first = boundary(shard.index - 1);
  return Share{first, boundary(shard.index) - first};
}

Shard resolve_shard(const std::optional<std::string>& option, const char* shards_variable,
                    const char* completion_index) {
  if (!option && shards_variable == nullptr) return Shard{};
  const char* source = option ? "--shard" : "MQBENCH_SHARDS";
  const std::string text = option ? *option : std::string{"/"} + shards_variable;
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos)
    throw usage_error(fmt::format("{} '{}' is not K/N", source, text), shard_fix);
  const std::uint32_t count = shard_count(std::string_view{text}.substr(slash + 1), source);
  if (slash == 0) return Shard{index_from_job(completion_index, count, source), count};
  const auto index = whole(std::string_view{text}.substr(0, slash), 1, count);
  if (!index)
    throw usage_error(
        fmt::format("{} '{}' does not name one of {} shards (1 to {})", source, text, count, count),
        shard_fix);
  return Shard{static_cast<std::uint32_t>(*index), count};
}

void check_run_id(const std::string& id) {
  constexpr std::size_t longest = 100;
  const bool allowed =
      !id.empty() && id.size() <= longest &&
      id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
          std::string::npos;
  if (!allowed)
    throw usage_error(fmt::format("--run-id '{}' cannot name a run", id),
                      "use 1 to 100 letters, digits, '.', '_' and '-' (it becomes a topic level)");
}

std::string default_run_id(const std::string& scenario, const std::string& settings,
                           std::chrono::system_clock::time_point start) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(start);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y%m%dT%H%M%SZ", &utc);
  return fmt::format("{}-{}-{:08x}", scenario, stamp.data(), fnv1a(settings) & 0xffff'ffff);
}

std::uint32_t run_tag_of(const std::string& run_id) {
  const std::uint64_t hash = fnv1a(run_id);
  return static_cast<std::uint32_t>(hash ^ (hash >> 32));
}

std::chrono::system_clock::time_point parse_start_time(std::string_view text, const char* option) {
  if (auto time = unix_seconds(text)) return *time;
  if (auto time = rfc3339(text)) return *time;
  throw usage_error(fmt::format("{} '{}' is not a time", option, text),
                    "give an RFC 3339 time (2026-12-01T10:00:00Z) or Unix seconds (1796119200)");
}

}  // namespace mq::bench
