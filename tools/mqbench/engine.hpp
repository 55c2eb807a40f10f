#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "flow_control.hpp"
#include "histogram.hpp"
#include "mq/pacer.hpp"
#include "plan.hpp"
#include "results.hpp"
#include "sequence_checker.hpp"

// The load engine: each worker thread drives its share of the clients — non-threaded
// libmosquitto sessions — from one epoll loop. Never a thread per client.
namespace mq::bench {

/// A message sent more than this after its scheduled time counts as behind schedule.
inline constexpr auto behind_schedule_after = std::chrono::milliseconds(1);

/// Nanoseconds since the Unix epoch at `time`: the wall clock read once, advanced by the steady
/// clock, so that stamps from another process (or machine, with synchronized clocks) compare.
std::uint64_t wall_nanoseconds(Clock::time_point time);

/// What the main thread tells the workers while a run goes on.
struct Control {
  explicit Control(Clock::time_point start) : run_start(start) {}

  const Clock::time_point run_start;
  std::atomic<std::int64_t> publish_start_ns{-1};  // since run_start; -1 until the publishers may start
  std::atomic<bool> stop{false};                   // disconnect everything and finish

  /// When the publishers may start, if the main thread said so.
  std::optional<Clock::time_point> publish_start() const;
};

/// Counts of one worker for one second of the run, merged by the main thread into the series.
struct Interval {
  int second = 0;  // covers (second-1, second] since run_start
  std::uint64_t connections = 0;
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t received = 0;
  std::uint64_t errors = 0;
  Histogram latency;
};

/// What a subscriber saw of each publisher, for the loss count at the end.
struct SubscriberStreams {
  std::uint32_t subscriber = 0;
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
  std::vector<std::pair<std::uint32_t, std::uint64_t>> published;  // publisher number, messages sent
  std::vector<SubscriberStreams> subscribers;
  std::optional<Clock::time_point> first_connect, last_connack, last_send, last_ack, first_receipt,
      last_receipt;
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

class WorkerLoop;

/// One thread with its epoll loop and its share of the clients.
class Worker {
public:
  /// `flow` is the end-to-end flow control of pubsub without --rate, or null.
  Worker(const Plan& plan, Control& control, FlowControl* flow, std::vector<const ClientPlan*> clients,
         int index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  /// Makes the loop look at Control now instead of at its next timer.
  void wake();
  void join();

  const Progress& progress() const { return progress_; }
  /// The seconds completed since the last call.
  std::vector<Interval> take_intervals();
  /// Everything measured; after join().
  WorkerTotals take_totals();

private:
  friend class WorkerLoop;
  std::unique_ptr<WorkerLoop> loop_;
  Progress progress_;
  std::mutex intervals_mutex_;
  std::vector<Interval> intervals_;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace mq::bench
