#include "sys_dashboard.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <set>

#include "mq/json_output.hpp"

namespace mq::sub {
namespace {

using Json = nlohmann::ordered_json;

const std::string broker_prefix = "$SYS/broker/";
const std::string uptime_topic = broker_prefix + "uptime";
const std::string version_topic = broker_prefix + "version";
const std::string subscriptions_topic = broker_prefix + "subscriptions/count";
const std::string retained_topic = broker_prefix + "retained messages/count";
const std::string clients_prefix = broker_prefix + "clients/";
const std::string heap_prefix = broker_prefix + "heap/";
const char* const client_figures[] = {"connected", "disconnected", "maximum", "total", "expired"};
const char* const heap_figures[] = {"current", "maximum"};
const char* const directions[] = {"received", "sent"};
const char* const stale_note =
    "retained values from the broker's last $SYS update before mqsub connected, up to one sys_interval old "
    "(mosquitto: 10 s unless configured)";

std::string load_topic(const std::string& what, const std::string& direction) {
  return fmt::format("{}load/{}/{}/1min", broker_prefix, what, direction);
}

// The topics shown as figures; the others go under "other".
const std::set<std::string>& known_topics() {
  static const std::set<std::string> topics = [] {
    std::set<std::string> known{uptime_topic, version_topic, subscriptions_topic, retained_topic};
    for (const char* figure : client_figures)
      known.insert(clients_prefix + figure);
    for (const char* figure : heap_figures)
      known.insert(heap_prefix + figure);
    for (const char* direction : directions) {
      known.insert(load_topic("messages", direction));
      known.insert(load_topic("bytes", direction));
    }
    return known;
  }();
  return topics;
}

// A $SYS payload as a number: "42", "0.97", or "42 seconds" for the uptime.
std::optional<double> parse_number(const std::string& text) {
  const char* start = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(start, &end);
  if (end == start || !std::isfinite(value)) return std::nullopt;
  const std::string_view rest{end};
  if (!rest.empty() && rest != " seconds") return std::nullopt;
  return value;
}

// The uptime as whole seconds ("3723 seconds", "3723"); nothing for a value no uptime can be:
// negative, or too large for the count of seconds the screen shows as days and hours.
std::optional<std::int64_t> uptime_seconds(const std::string& text) {
  constexpr double beyond_int64 = 9223372036854775808.0;  // 2^63
  const std::optional<double> value = parse_number(text);
  if (!value || *value < 0 || *value >= beyond_int64) return std::nullopt;
  return static_cast<std::int64_t>(*value);
}

Json typed(const std::string& text) {
  const std::optional<double> value = parse_number(text);
  if (!value || text.find(' ') != std::string::npos) return text;
  if (text.find_first_of(".eE") == std::string::npos && std::fabs(*value) < 9e15)
    return static_cast<std::int64_t>(*value);
  return *value;
}

std::string show(const Json& value, const char* unit = "") {
  if (value.is_null()) return "-";
  if (value.is_number_float()) return fmt::format("{:.2f}{}", value.get<double>(), unit);
  if (value.is_number()) return fmt::format("{}{}", value.get<std::int64_t>(), unit);
  return value.get<std::string>();
}

std::string duration(const Json& seconds) {
  if (!seconds.is_number_integer()) return "-";
  auto left = seconds.get<std::int64_t>();
  const auto days = left / 86400, hours = left / 3600 % 24, minutes = left / 60 % 60;
  left %= 60;
  if (days > 0) return fmt::format("{}d {:02}h {:02}m {:02}s", days, hours, minutes, left);
  if (hours > 0) return fmt::format("{}h {:02}m {:02}s", hours, minutes, left);
  if (minutes > 0) return fmt::format("{}m {:02}s", minutes, left);
  return fmt::format("{}s", left);
}

}  // namespace

void SysTree::update(std::string_view topic, std::string_view payload) {
  values_[std::string{topic}] = std::string{payload};
}

std::optional<double> SysTree::number(const std::string& topic) const {
  const auto found = values_.find(topic);
  return found == values_.end() ? std::nullopt : parse_number(found->second);
}

Json SysTree::figure(const std::string& topic) const {
  const auto found = values_.find(topic);
  if (found == values_.end()) return nullptr;
  if (topic == uptime_topic) {
    if (const auto seconds = uptime_seconds(found->second)) return *seconds;
    return found->second;  // not an uptime: shown as the broker wrote it
  }
  return typed(found->second);
}

// mosquitto's load figures count per minute, averaged over the last minute.
Json SysTree::per_second(const std::string& load_topic) const {
  const std::optional<double> per_minute = number(load_topic);
  if (!per_minute || *per_minute < 0) return nullptr;  // no rate is negative
  const double rate = *per_minute / 60;
  const double rounded = std::round(rate * 100) / 100;
  return std::isfinite(rounded) ? rounded : rate;  // near the largest double, rate * 100 is infinite
}

Json SysTree::snapshot(const timespec& taken, bool live) const {
  Json clients = Json::object(), heap = Json::object(), messages = Json::object(), bytes = Json::object();
  for (const char* name : client_figures)
    clients[name] = figure(clients_prefix + name);
  for (const char* name : heap_figures)
    heap[name] = figure(heap_prefix + name);
  for (const char* direction : directions) {
    messages[direction] = per_second(load_topic("messages", direction));
    bytes[direction] = per_second(load_topic("bytes", direction));
  }
  Json other = Json::object();
  for (const auto& [topic, text] : values_) {
    if (!known_topics().contains(topic)) other[topic] = typed(text);
  }
  Json figures{{"tst", iso8601_microseconds(taken)}, {"live", live}};
  if (!live) figures["stale"] = stale_note;
  figures.update(Json{{"version", figure(version_topic)},
                      {"uptime_seconds", figure(uptime_topic)},
                      {"clients", clients},
                      {"messages_per_second", messages},
                      {"bytes_per_second", bytes},
                      {"subscriptions", figure(subscriptions_topic)},
                      {"retained_messages", figure(retained_topic)},
                      {"heap", heap},
                      {"other", other}});
  return figures;
}

std::string SysTree::screen(const std::string& broker, const timespec& taken, bool live) const {
  const Json figures = snapshot(taken, live);
  const Json& clients = figures["clients"];
  const Json& messages = figures["messages_per_second"];
  const Json& bytes = figures["bytes_per_second"];
  const Json& heap = figures["heap"];
  std::string text;
  auto line = std::back_inserter(text);
  fmt::format_to(line, "{}  {}  up {}\n", broker, show(figures["version"]),
                 duration(figures["uptime_seconds"]));
  fmt::format_to(line, "  {:<18}{:>14}{:>14}\n", "per second", "received", "sent");
  fmt::format_to(line, "  {:<18}{:>14}{:>14}\n", "messages", show(messages["received"]),
                 show(messages["sent"]));
  fmt::format_to(line, "  {:<18}{:>14}{:>14}\n", "bytes", show(bytes["received"]), show(bytes["sent"]));
  fmt::format_to(line, "  {:<18}{} connected, {} disconnected, {} maximum, {} total\n", "clients",
                 show(clients["connected"]), show(clients["disconnected"]), show(clients["maximum"]),
                 show(clients["total"]));
  fmt::format_to(line, "  {:<18}{}\n", "subscriptions", show(figures["subscriptions"]));
  fmt::format_to(line, "  {:<18}{}\n", "retained messages", show(figures["retained_messages"]));
  fmt::format_to(line, "  {:<18}{} (maximum {})\n", "heap", show(heap["current"], " bytes"),
                 show(heap["maximum"], " bytes"));
  fmt::format_to(line, "  {:<18}{} other $SYS topics (--json shows them)\n",
                 "updated " + show(figures["tst"]).substr(11, 8), figures["other"].size());
  if (!live) fmt::format_to(line, "  stale: {}\n", stale_note);
  return text;
}

SysDashboard::SysDashboard(std::string broker, std::optional<int> snapshots, bool terminal, bool pretty)
    : broker_(std::move(broker)), snapshots_(snapshots), terminal_(terminal), pretty_(pretty) {}

void SysDashboard::add(std::string_view topic, std::string_view payload, bool retained,
                       Clock::time_point now) {
  tree_.update(topic, payload);
  if (!retained) live_ = true;
  last_update_ = now;
}

std::optional<SysDashboard::Clock::time_point> SysDashboard::timer() const {
  if (!last_update_) return std::nullopt;
  return *last_update_ + settle_time;
}

void SysDashboard::on_timer(Clock::time_point now, std::string& out) {
  if (!last_update_ || now < *last_update_ + settle_time || finished()) return;
  last_update_.reset();
  const bool dashboard = terminal_ && snapshots_ != 1;
  if (!live_ && !dashboard) return;  // only the retained tree so far: wait for a live update
  write(out, live_);
}

void SysDashboard::write_stale(std::string& out) {
  if (written_ == 0 && only_retained()) write(out, false);
}

void SysDashboard::write(std::string& out, bool live) {
  timespec taken{};
  clock_gettime(CLOCK_REALTIME, &taken);
  if (!terminal_) {
    out += tree_.snapshot(taken, live).dump(pretty_ ? 2 : -1, ' ', false, Json::error_handler_t::replace);
    out += '\n';
  } else if (snapshots_ == 1) {
    out += tree_.screen(broker_, taken, live);  // a single snapshot is plain text, no screen control
  } else {
    // Home, each line cleared to its end, then the rest of the screen cleared: no flicker.
    if (!screen_cleared_) out += "\033[2J";
    screen_cleared_ = true;
    out += "\033[H";
    const std::string screen = tree_.screen(broker_, taken, live);
    for (std::size_t start = 0, end; (end = screen.find('\n', start)) != std::string::npos; start = end + 1) {
      out.append(screen, start, end - start);
      out += "\033[K\n";
    }
    out += "\033[J";
  }
  if (live) ++written_;  // the retained tree shown while waiting is no snapshot
}

}  // namespace mq::sub
