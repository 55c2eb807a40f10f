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

#include "accounting.hpp"
#include "flow_control.hpp"
#include "mq/pacer.hpp"
#include "plan.hpp"

// The load engine: each worker thread drives its share of the clients — non-threaded
// libmosquitto sessions — from one epoll loop. Never a thread per client.
namespace mq::bench {

/// Nanoseconds since the Unix epoch at `time`: the wall clock read once, advanced by the steady
/// clock, so that stamps from another process (or machine, with synchronized clocks) compare.
std::uint64_t wall_nanoseconds(Clock::time_point time);

/// What the main thread tells the workers while a run goes on.
struct Control {
  explicit Control(Clock::time_point start) : run_start(start) {}

  const Clock::time_point run_start;
  std::atomic<std::int64_t> publish_start_ns{-1};  // since run_start; -1 until the publishers may start
  std::atomic<bool> stop{false};                   // disconnect everything and finish
  std::atomic<std::int64_t> churn_start_ns{-1};    // conn --churn: since run_start; -1 until the hold

  /// When the publishers may start, if the main thread said so.
  std::optional<Clock::time_point> publish_start() const;
  /// When conn --churn may start closing and reopening connections, if the main thread said so.
  std::optional<Clock::time_point> churn_start() const;
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
