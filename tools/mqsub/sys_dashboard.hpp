#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mq::sub {

/// The latest value of every $SYS topic a broker published, read as a set of figures.
class SysTree {
public:
  /// Records the payload of one $SYS message.
  void update(std::string_view topic, std::string_view payload);
  bool empty() const { return values_.empty(); }
  /// The figures as JSON, numbers typed as numbers: version, uptime, clients, messages and bytes
  /// per second (the broker's 1-minute load figures), subscriptions, retained messages, heap,
  /// and every other topic under "other". A figure the broker has not published is null.
  nlohmann::ordered_json snapshot(const timespec& taken) const;
  /// The same figures as lines for a terminal.
  std::string screen(const std::string& broker, const timespec& taken) const;

private:
  std::optional<double> number(const std::string& topic) const;
  nlohmann::ordered_json figure(const std::string& topic) const;
  nlohmann::ordered_json per_second(const std::string& load_topic) const;

  std::map<std::string, std::string> values_;
};

/// mqsub --sys: gathers the $SYS messages of each update (mosquitto publishes its whole tree
/// at once every sys_interval, and the retained tree right after subscribing) and writes one
/// snapshot once the burst is over: redrawn in place on a terminal, else one JSON object.
class SysDashboard {
public:
  using Clock = std::chrono::steady_clock;
  /// The time without a $SYS message after which a burst is taken as complete.
  static constexpr auto settle_time = std::chrono::milliseconds(200);

  /// `snapshots`: stop after that many (none: run until stopped). `terminal`: redraw a screen
  /// instead of writing JSON; `pretty`: indented JSON.
  SysDashboard(std::string broker, std::optional<int> snapshots, bool terminal, bool pretty);

  void add(std::string_view topic, std::string_view payload, Clock::time_point now);
  /// When on_timer() should run next, if a burst is pending.
  std::optional<Clock::time_point> timer() const;
  /// Writes a snapshot to `out` once the pending burst has settled.
  void on_timer(Clock::time_point now, std::string& out);
  /// Whether the asked number of snapshots was written.
  bool finished() const { return snapshots_ && written_ >= *snapshots_; }

private:
  std::string broker_;
  std::optional<int> snapshots_;
  bool terminal_;
  bool pretty_;
  SysTree tree_;
  std::optional<Clock::time_point> last_update_;  // set while a burst is pending
  int written_ = 0;
};

}  // namespace mq::sub
