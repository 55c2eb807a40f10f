#include "accounting.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mq::bench {
namespace {

using namespace std::chrono_literals;

std::uint64_t microseconds_between(Clock::time_point from, Clock::time_point to) {
  return to > from ? static_cast<std::uint64_t>(
                         std::chrono::duration_cast<std::chrono::microseconds>(to - from).count())
                   : 0;
}

std::string cause_of(const Error& failure) {
  return failure.cause().empty() ? std::string{failure.what()}
                                 : fmt::format("{} ({})", failure.what(), failure.cause());
}

}  // namespace

Accounting::Accounting(Progress& progress, Clock::time_point run_start)
    : progress_(progress), next_second_(run_start + 1s) {}

void Accounting::connect_started(Clock::time_point due) {
  if (!totals_.first_connect) totals_.first_connect = due;
  ++totals_.connections_attempted;
}

void Accounting::connected(Clock::time_point started, Clock::time_point now) {
  const std::uint64_t latency_us = microseconds_between(started, now);
  totals_.connect_latency.record(latency_us);
  interval_.connect_latency.record(latency_us);
  ++interval_.connects;
  ++totals_.connections_made;
  totals_.last_connack = now;
}

void Accounting::sent(Clock::time_point scheduled, Clock::time_point now) {
  ++totals_.sent;
  ++interval_.sent;
  bump(progress_.sent);
  totals_.last_send = now;
  if (now - scheduled > behind_schedule_after) ++totals_.behind_schedule;
}

void Accounting::acknowledged(Clock::time_point scheduled, Clock::time_point now, bool in_time) {
  totals_.ack_latency.record(microseconds_between(scheduled, now));
  interval_.ack_latency.record(microseconds_between(scheduled, now));
  totals_.last_ack = now;
  if (in_time) ++totals_.acked_in_time;
  ++totals_.acked;
  ++interval_.acked;
  bump(progress_.acked);
  bump(progress_.changes);
}

void Accounting::received(std::uint64_t latency_us, Clock::time_point now, bool in_time) {
  totals_.latency.record(latency_us);
  interval_.latency.record(latency_us);
  if (in_time) ++totals_.received_in_time;
  ++totals_.received;
  ++interval_.received;
  bump(progress_.received);
  bump(progress_.changes);
  if (!totals_.first_receipt) totals_.first_receipt = now;
  totals_.last_receipt = now;
}

void Accounting::checked(SequenceChecker::Arrival arrival, std::int64_t missing_change) {
  if (arrival == SequenceChecker::Arrival::duplicate) ++interval_.duplicated;
  interval_.missing_change += missing_change;
}

void Accounting::error(const Error& failure) {
  const std::string cause = cause_of(failure);
  ++totals_.errors_by_cause[cause];
  ++interval_.errors_by_cause[cause];
  totals_.cause_kinds.try_emplace(cause, CauseKind{failure.code(), failure.fix()});
  ++interval_.errors;
  bump(progress_.changes);
}

void Accounting::churn_started(Clock::time_point due, Clock::time_point now) {
  ++totals_.churn.started;
  if (now > due)
    totals_.churn.most_behind_s =
        std::max(totals_.churn.most_behind_s, std::chrono::duration<double>(now - due).count());
}

void Accounting::reconnected(Clock::time_point closed, Clock::time_point now) {
  totals_.reconnect_latency.record(microseconds_between(closed, now));
  ++totals_.churn.made;
  ++interval_.reconnects;
}

void Accounting::reconnect_failed(const Error& failure) {
  ++totals_.churn.failed;
  ++totals_.churn.failures_by_cause[cause_of(failure)];
}

Interval Accounting::close_second() {
  Interval closed = std::exchange(interval_, Interval{});
  closed.second = second_++;
  closed.connections = progress_.up.load(std::memory_order_relaxed);
  next_second_ += 1s;
  return closed;
}

}  // namespace mq::bench
