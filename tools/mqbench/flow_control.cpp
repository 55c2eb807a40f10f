#include "flow_control.hpp"

#include <algorithm>
#include <limits>

namespace mq::bench {
namespace {

// Measured messages are numbered from here: after any warm-up.
constexpr std::uint64_t measured_base = std::uint64_t{1} << 62;
constexpr std::uint64_t retired = std::numeric_limits<std::uint64_t>::max();

}  // namespace

FlowControl::FlowControl(Pattern pattern, std::uint32_t publishers, std::uint32_t subscribers,
                         std::uint64_t window)
    : pattern_(pattern), publishers_(publishers),
      links_(pattern == Pattern::fan_out ? subscribers : publishers),
      window_(std::max<std::uint64_t>(window, 1)), links_arrived_(std::make_unique<Link[]>(links_)),
      waiters_(std::make_unique<Waiter[]>(publishers)) {}

std::uint64_t FlowControl::position(const Stamp& stamp) {
  return (stamp.warmup ? 0 : measured_base) + stamp.sequence + 1;
}

std::uint64_t FlowControl::outstanding(Sent sent, std::uint64_t arrived) {
  if (arrived >= measured_base) {
    const std::uint64_t through = arrived - measured_base;
    return sent.measured > through ? sent.measured - through : 0;
  }
  return (sent.warmup > arrived ? sent.warmup - arrived : 0) + sent.measured;
}

std::uint64_t FlowControl::position_leaving(Sent sent, std::uint64_t left) {
  if (sent.measured > left) return measured_base + sent.measured - left;
  const std::uint64_t from_warmup = left - sent.measured;
  return sent.warmup > from_warmup ? sent.warmup - from_warmup : 0;
}

void FlowControl::advance(std::uint32_t link, std::uint64_t position) {
  std::atomic<std::uint64_t>& arrived = links_arrived_[link].arrived;
  std::uint64_t seen = arrived.load(std::memory_order_relaxed);
  while (position > seen && !arrived.compare_exchange_weak(seen, position)) {
  }
}

void FlowControl::delivered(std::uint32_t publisher, std::uint32_t subscriber, const Stamp& stamp) {
  const std::uint32_t link = link_of(publisher, subscriber);
  if (publisher >= publishers_ || link >= links_) return;
  const std::uint64_t now_at = position(stamp);
  advance(link, now_at);
  // Sequentially consistent with wait(): either it sees this position or we see its flag.
  Waiter& waiter = waiters_[publisher];
  if (waiter.waiting.load() && now_at >= waiter.wake_at.load() && waiter.waiting.exchange(false) && wake_)
    wake_(publisher);
}

void FlowControl::retire(std::uint32_t subscriber) {
  for (std::uint32_t publisher = 0; publisher < publishers_; ++publisher) {
    const std::uint32_t link = link_of(publisher, subscriber);
    const bool feeds = pattern_ == Pattern::fan_in || link == subscriber;
    if (!feeds || link >= links_) continue;
    advance(link, retired);
    if (waiters_[publisher].waiting.exchange(false) && wake_) wake_(publisher);
  }
}

std::uint64_t FlowControl::arrived(std::uint32_t publisher) const {
  if (pattern_ != Pattern::fan_out) return links_arrived_[publisher].arrived.load();
  std::uint64_t slowest = retired;
  for (std::uint32_t link = 0; link < links_; ++link)
    slowest = std::min(slowest, links_arrived_[link].arrived.load());
  return slowest;
}

std::uint64_t FlowControl::outstanding(std::uint32_t publisher, Sent sent) const {
  if (publisher >= publishers_) return 0;
  return outstanding(sent, arrived(publisher));
}

bool FlowControl::wait(std::uint32_t publisher, Sent sent) {
  if (publisher >= publishers_) return false;
  Waiter& waiter = waiters_[publisher];
  const std::uint64_t wake_at = position_leaving(sent, window_ / 2);
  waiter.wake_at.store(wake_at);
  waiter.waiting.store(true);
  if (arrived(publisher) < wake_at) return true;
  waiter.waiting.store(false);
  return false;
}

void FlowControl::stop_waiting(std::uint32_t publisher) {
  if (publisher < publishers_) waiters_[publisher].waiting.store(false);
}

}  // namespace mq::bench
