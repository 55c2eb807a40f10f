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
  /// `live`: an update published after the subscription is included; if not, "live" is false
  /// and "stale" says how old the (retained) values may be.
  nlohmann::ordered_json snapshot(const timespec& taken, bool live) const;
  /// The same figures as lines for a terminal.
  std::string screen(const std::string& broker, const timespec& taken, bool live) const;

private:
  std::optional<double> number(const std::string& topic) const;
  nlohmann::ordered_json figure(const std::string& topic) const;
  nlohmann::ordered_json per_second(const std::string& load_topic) const;

  std::map<std::string, std::string> values_;
};

/// mqsub --sys: gathers the $SYS messages of each update (mosquitto publishes what changed at
/// once every sys_interval, and the retained tree right after subscribing) and writes one
/// snapshot once the burst is over: redrawn in place on a terminal, else one JSON object.
/// The retained tree is up to one sys_interval old (on a fresh broker it counts no client), so
/// a snapshot is written once the broker published a live update, completed by the retained
/// values it did not repeat because they did not change; only a live dashboard on a terminal
/// shows the retained tree meanwhile, marked as such and not counted as a snapshot.
class SysDashboard {
public:
  using Clock = std::chrono::steady_clock;
  /// The time without a $SYS message after which a burst is taken as complete.
  static constexpr auto settle_time = std::chrono::milliseconds(200);

  /// `snapshots`: stop after that many (none: run until stopped). `terminal`: redraw a screen
  /// instead of writing JSON; `pretty`: indented JSON.
  SysDashboard(std::string broker, std::optional<int> snapshots, bool terminal, bool pretty);

  /// One $SYS message; `retained`: from the broker's store, published before we subscribed.
  void add(std::string_view topic, std::string_view payload, bool retained, Clock::time_point now);
  /// When on_timer() should run next, if a burst is pending.
  std::optional<Clock::time_point> timer() const;
  /// Writes a snapshot to `out` once the pending burst has settled.
  void on_timer(Clock::time_point now, std::string& out);
  /// Whether the asked number of snapshots was written.
  bool finished() const { return snapshots_ && written_ >= *snapshots_; }
  /// Whether only retained values arrived so far (the run timed out waiting for a live update).
  bool only_retained() const { return !live_ && !tree_.empty(); }
  /// Writes a snapshot of the retained values, marked stale, if no snapshot was written yet.
  void write_stale(std::string& out);

private:
  std::string broker_;
  std::optional<int> snapshots_;
  bool terminal_;
  bool pretty_;
  SysTree tree_;
  void write(std::string& out, bool live);

  std::optional<Clock::time_point> last_update_;  // set while a burst is pending
  bool live_ = false;                             // a message published after we subscribed arrived
  bool screen_cleared_ = false;
  int written_ = 0;
};

}  // namespace mq::sub
