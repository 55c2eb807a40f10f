#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "histogram.hpp"
#include "mq/error.hpp"
#include "mq/session.hpp"
#include "results.hpp"
#include "sequence_checker.hpp"

// What a worker thread measures, and how it hands it to the main thread.
namespace mq::bench {

/// A message sent more than this after its scheduled time counts as behind schedule.
inline constexpr auto behind_schedule_after = std::chrono::milliseconds(1);

/// Counts of one worker for one second of the run, merged by the main thread into the series.
struct Interval {
  int second = 0;  // covers (second-1, second] since run_start
  std::uint64_t connections = 0;
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t received = 0;
  std::uint64_t errors = 0;
  std::uint64_t reconnects = 0;
  Histogram latency;
  std::uint64_t connects = 0;  // CONNACKs
  // For the live metrics: what the per-second series does not keep.
  std::uint64_t duplicated = 0;
  std::int64_t missing_change = 0;  // messages found missing, less those that arrived late
  std::map<std::string, std::uint64_t> errors_by_cause;
  Histogram ack_latency, connect_latency;
};

/// What a subscriber saw of each publisher, for the loss count at the end.
struct SubscriberStreams {
  std::uint32_t subscriber = 0;  // its global number (Plan::sources_of)
  bool was_ready = false;
  std::vector<std::pair<std::uint64_t, SequenceChecker>> streams;  // by publisher id
};

/// Everything one worker measured, handed over after it finished.
struct WorkerTotals {
  std::uint64_t sent = 0, acked = 0, received = 0, behind_schedule = 0, unrecognized = 0;
  std::uint64_t acked_in_time = 0, received_in_time = 0;  // before the end of a --duration
  std::uint64_t connections_attempted = 0, connections_made = 0;
  std::map<std::string, std::uint64_t> errors_by_cause;
  std::map<std::string, CauseKind> cause_kinds;
  Histogram latency, ack_latency, connect_latency;
  Churn churn;  // the counts; the run fills in the rest
  Histogram reconnect_latency;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> published;  // publisher's global number, messages sent
  std::vector<SubscriberStreams> subscribers;
  std::optional<Clock::time_point> first_connect, last_connack, last_send, last_ack, first_receipt,
      last_receipt;
  Clock::duration idle{};         // blocked waiting for the network or a timer while the load was measured
  std::uint64_t window_full = 0;  // a due message waited for the broker to acknowledge (or take) earlier ones
};

/// Running totals a worker keeps current for the main thread (progress bar, drain, --count).
struct Progress {
  std::atomic<std::uint64_t> resolved{0};  // clients ready (connected, subscribed) or failed
  std::atomic<std::uint64_t> up{0};        // connected now
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> publishers_done{0};  // finished their messages, or failed
  std::atomic<std::uint64_t> ready_subscribers{0};
  std::atomic<std::uint64_t> sent{0};  // measured messages only, as the totals
  std::atomic<std::uint64_t> acked{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> changes{0};  // anything happened: for "no progress" during the drain
};

/// Adds to a counter the main thread reads; returns the new value.
inline std::uint64_t bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
  return counter.fetch_add(by, std::memory_order_relaxed) + by;
}

/// One worker's counting: the totals for the end of the run, the second under way for the
/// series, and the counters the main thread watches. "In time" means before the end of a
/// --duration; what arrives later still counts in the totals.
class Accounting {
public:
  Accounting(Progress& progress, Clock::time_point run_start);

  void connect_started(Clock::time_point due);
  void connected(Clock::time_point started, Clock::time_point now);
  /// A measured message was handed to the broker at `now`, scheduled for `scheduled`.
  void sent(Clock::time_point scheduled, Clock::time_point now);
  void acknowledged(Clock::time_point scheduled, Clock::time_point now, bool in_time);
  void received(std::uint64_t latency_us, Clock::time_point now, bool in_time);
  /// What the sequence check of a received message found; `missing_change`: how its count of
  /// missing messages changed.
  void checked(SequenceChecker::Arrival arrival, std::int64_t missing_change);
  /// A message without our stamp, or of another run.
  void unrecognized() { ++totals_.unrecognized; }
  void error(const Error& failure);
  /// --churn: a held connection closed at `now` to be reopened, due at `due`.
  void churn_started(Clock::time_point due, Clock::time_point now);
  void reconnected(Clock::time_point closed, Clock::time_point now);
  /// A reopening failed; error() counts it among the errors too.
  void reconnect_failed(const Error& failure);

  /// When the second under way ends.
  Clock::time_point next_second() const { return next_second_; }
  /// Ends the second under way and returns its counts; the next one starts.
  Interval close_second();
  /// The totals, for what is added at the end (messages per publisher, the subscribers' streams).
  WorkerTotals& totals() { return totals_; }

private:
  Progress& progress_;
  WorkerTotals totals_;
  Interval interval_;
  int second_ = 1;
  Clock::time_point next_second_;
};

}  // namespace mq::bench
