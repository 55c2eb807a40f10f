// mqsub --sys: $SYS payloads read as typed figures, and one snapshot per burst of updates, once
// the broker published one after the subscription (the retained tree alone may be stale).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sys_dashboard.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = mq::sub::SysDashboard::Clock;

const timespec taken{1588803120, 0};

mq::sub::SysTree sample_tree() {
  mq::sub::SysTree tree;
  tree.update("$SYS/broker/version", "mosquitto version 2.0.11");
  tree.update("$SYS/broker/uptime", "3723 seconds");
  tree.update("$SYS/broker/clients/connected", "3");
  tree.update("$SYS/broker/clients/disconnected", "1");
  tree.update("$SYS/broker/clients/total", "4");
  tree.update("$SYS/broker/load/messages/received/1min", "120.00");
  tree.update("$SYS/broker/load/messages/sent/1min", "30.60");
  tree.update("$SYS/broker/load/bytes/received/1min", "6000.00");
  tree.update("$SYS/broker/subscriptions/count", "5");
  tree.update("$SYS/broker/retained messages/count", "42");
  tree.update("$SYS/broker/heap/current", "46760");
  tree.update("$SYS/broker/store/messages/bytes", "190");
  tree.update("$SYS/broker/load/sockets/5min", "0.20");
  tree.update("$SYS/broker/custom/text", "something else");
  return tree;
}

}  // namespace

TEST_CASE("a snapshot types the figures as numbers and keeps unknown topics under 'other'") {
  const nlohmann::ordered_json snapshot = sample_tree().snapshot(taken, true);
  CHECK(snapshot["version"] == "mosquitto version 2.0.11");
  CHECK(snapshot["uptime_seconds"] == 3723);
  CHECK(snapshot["clients"]["connected"] == 3);
  CHECK(snapshot["clients"]["disconnected"] == 1);
  CHECK(snapshot["clients"]["maximum"].is_null());            // not published yet
  CHECK(snapshot["messages_per_second"]["received"] == 2.0);  // per minute / 60
  CHECK(snapshot["messages_per_second"]["sent"] == 0.51);
  CHECK(snapshot["bytes_per_second"]["received"] == 100.0);
  CHECK(snapshot["bytes_per_second"]["sent"].is_null());
  CHECK(snapshot["subscriptions"] == 5);
  CHECK(snapshot["retained_messages"] == 42);
  CHECK(snapshot["heap"]["current"] == 46760);
  CHECK(snapshot["other"]["$SYS/broker/store/messages/bytes"] == 190);
  CHECK(snapshot["other"]["$SYS/broker/load/sockets/5min"] == 0.2);
  CHECK(snapshot["other"]["$SYS/broker/custom/text"] == "something else");
  CHECK_FALSE(snapshot["other"].contains("$SYS/broker/clients/connected"));
  std::vector<std::string> keys;
  for (const auto& item : snapshot.items())
    keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"tst", "live", "version", "uptime_seconds", "clients",
                                         "messages_per_second", "bytes_per_second", "subscriptions",
                                         "retained_messages", "heap", "other"});
  CHECK(snapshot["live"] == true);
  CHECK_FALSE(snapshot.contains("stale"));
}

TEST_CASE("a snapshot of retained values only says that they are stale and how old they may be") {
  const nlohmann::ordered_json snapshot = sample_tree().snapshot(taken, false);
  CHECK(snapshot["live"] == false);
  CHECK(
      snapshot["stale"] ==
      "retained values from the broker's last $SYS update before mqsub connected, up to one sys_interval old "
      "(mosquitto: 10 s unless configured)");
  CHECK(snapshot.begin().key() == "tst");
  CHECK(std::next(snapshot.begin(), 2).key() == "stale");
  CHECK(sample_tree()
            .screen("localhost", taken, false)
            .ends_with("  stale: retained values from the broker's "
                       "last $SYS update before mqsub connected, up "
                       "to one sys_interval old (mosquitto: 10 s "
                       "unless configured)\n"));
}

TEST_CASE("the screen shows the figures a person looks for") {
  const std::string screen = sample_tree().screen("localhost", taken, true);
  CHECK(screen.starts_with("localhost  mosquitto version 2.0.11  up 1h 02m 03s\n"));
  CHECK(screen.find("messages                    2.00          0.51") != std::string::npos);
  CHECK(screen.find("3 connected, 1 disconnected, - maximum, 4 total") != std::string::npos);
  CHECK(screen.find("retained messages 42") != std::string::npos);
  CHECK(screen.find("46760 bytes (maximum -)") != std::string::npos);
  CHECK(screen.find("stale") == std::string::npos);
}

TEST_CASE("an uptime no broker can have stays text, and a negative or huge load stays a finite rate") {
  for (const char* impossible : {"1e300 seconds", "1e300", "-5 seconds", "9223372036854775808 seconds"}) {
    CAPTURE(impossible);
    mq::sub::SysTree tree;
    tree.update("$SYS/broker/uptime", impossible);
    CHECK(tree.snapshot(taken, true)["uptime_seconds"] == impossible);
    CHECK(tree.screen("localhost", taken, true).starts_with("localhost  -  up -\n"));
  }
  mq::sub::SysTree tree;
  tree.update("$SYS/broker/uptime", "9.5e3");
  tree.update("$SYS/broker/load/messages/received/1min", "-120");
  tree.update("$SYS/broker/load/messages/sent/1min", "1.7e308");
  const nlohmann::ordered_json snapshot = tree.snapshot(taken, true);
  CHECK(snapshot["uptime_seconds"] == 9500);
  CHECK(snapshot["messages_per_second"]["received"].is_null());
  CHECK(snapshot["messages_per_second"]["sent"] == 1.7e308 / 60);
}

TEST_CASE("the dashboard writes one JSON line once a burst of $SYS messages has settled") {
  mq::sub::SysDashboard dashboard{"localhost", 2, false, false};
  const auto start = Clock::now();
  CHECK_FALSE(dashboard.timer());
  dashboard.add("$SYS/broker/version", "mosquitto version 2.0.11", false, start);
  dashboard.add("$SYS/broker/uptime", "5 seconds", false, start + 1ms);
  REQUIRE(dashboard.timer());
  CHECK(*dashboard.timer() == start + 1ms + mq::sub::SysDashboard::settle_time);

  std::string out;
  dashboard.on_timer(start + 100ms, out);  // too early: the burst may go on
  CHECK(out == "");
  dashboard.on_timer(start + 1s, out);
  CHECK(out.ends_with("}\n"));
  CHECK(nlohmann::json::parse(out)["uptime_seconds"] == 5);
  CHECK_FALSE(dashboard.timer());
  CHECK_FALSE(dashboard.finished());

  dashboard.add("$SYS/broker/uptime", "7 seconds", false, start + 2s);
  out.clear();
  dashboard.on_timer(start + 3s, out);
  CHECK(nlohmann::json::parse(out)["uptime_seconds"] == 7);
  CHECK(dashboard.finished());
}

TEST_CASE("on a terminal the dashboard redraws in place, a single snapshot is plain text") {
  mq::sub::SysDashboard live{"localhost", std::nullopt, true, false};
  const auto start = Clock::now();
  std::string out;
  live.add("$SYS/broker/uptime", "1 seconds", false, start);
  live.on_timer(start + 1s, out);
  CHECK(out.starts_with("\033[2J\033[Hlocalhost  -  up 1s\033[K\n"));
  CHECK(out.ends_with("\033[K\n\033[J"));
  out.clear();
  live.add("$SYS/broker/uptime", "2 seconds", false, start + 2s);
  live.on_timer(start + 3s, out);
  CHECK(out.starts_with("\033[Hlocalhost  -  up 2s\033[K\n"));

  mq::sub::SysDashboard once{"localhost", 1, true, false};
  out.clear();
  once.add("$SYS/broker/uptime", "1 seconds", false, start);
  once.on_timer(start + 1s, out);
  CHECK(out.starts_with("localhost  -  up 1s\n"));
  CHECK(out.find('\033') == std::string::npos);
}

TEST_CASE("the retained tree alone makes no snapshot: the first one waits for a live update") {
  mq::sub::SysDashboard dashboard{"localhost", 1, false, false};
  const auto start = Clock::now();
  std::string out;
  dashboard.add("$SYS/broker/version", "mosquitto version 2.0.11", true, start);
  dashboard.add("$SYS/broker/clients/connected", "0", true, start);
  dashboard.add("$SYS/broker/uptime", "5 seconds", true, start);
  dashboard.on_timer(start + 1s, out);
  CHECK(out == "");
  CHECK_FALSE(dashboard.timer());
  CHECK_FALSE(dashboard.finished());
  CHECK(dashboard.only_retained());

  // The live update repeats only what changed; the rest stays as retained, still true.
  dashboard.add("$SYS/broker/clients/connected", "1", false, start + 4s);
  dashboard.add("$SYS/broker/uptime", "10 seconds", false, start + 4s);
  dashboard.on_timer(start + 5s, out);
  const nlohmann::json snapshot = nlohmann::json::parse(out);
  CHECK(snapshot["live"] == true);
  CHECK(snapshot["clients"]["connected"] == 1);
  CHECK(snapshot["uptime_seconds"] == 10);
  CHECK(snapshot["version"] == "mosquitto version 2.0.11");
  CHECK(dashboard.finished());
  CHECK_FALSE(dashboard.only_retained());
}

TEST_CASE("when the time is up with the retained tree alone, it is written marked stale, once") {
  mq::sub::SysDashboard dashboard{"localhost", 1, false, false};
  std::string out;
  dashboard.write_stale(out);
  CHECK(out == "");  // nothing at all arrived
  dashboard.add("$SYS/broker/uptime", "5 seconds", true, Clock::now());
  dashboard.write_stale(out);
  const nlohmann::json snapshot = nlohmann::json::parse(out);
  CHECK(snapshot["live"] == false);
  CHECK(snapshot["uptime_seconds"] == 5);
  CHECK(snapshot.contains("stale"));
}

TEST_CASE("a live dashboard on a terminal shows the retained tree at once but does not count it") {
  mq::sub::SysDashboard dashboard{"localhost", 2, true, false};
  const auto start = Clock::now();
  std::string out;
  dashboard.add("$SYS/broker/uptime", "5 seconds", true, start);
  dashboard.on_timer(start + 1s, out);
  CHECK(out.starts_with("\033[2J\033[Hlocalhost  -  up 5s\033[K\n"));
  CHECK(out.find("stale: retained values") != std::string::npos);
  out.clear();
  dashboard.add("$SYS/broker/uptime", "10 seconds", false, start + 4s);
  dashboard.on_timer(start + 5s, out);
  CHECK(out.starts_with("\033[Hlocalhost  -  up 10s\033[K\n"));  // drawn over, not cleared again
  CHECK(out.find("stale") == std::string::npos);
  CHECK_FALSE(dashboard.finished());  // one of two
}
