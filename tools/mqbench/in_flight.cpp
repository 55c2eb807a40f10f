#include "in_flight.hpp"

namespace mq::bench {

bool InFlight::add(const PendingPublish& message) {
  const std::size_t size = slots_.size();
  for (std::size_t probe = 0; probe < size; ++probe) {
    PendingPublish& slot = slots_[(static_cast<std::size_t>(message.mid) + probe) % size];
    if (slot.mid >= 0) continue;
    slot = message;
    ++count_;
    return true;
  }
  return false;
}

std::optional<PendingPublish> InFlight::take(int mid) {
  const std::size_t size = slots_.size();
  for (std::size_t probe = 0; probe < size && count_ > 0; ++probe) {
    PendingPublish& slot = slots_[(static_cast<std::size_t>(mid) + probe) % size];
    if (slot.mid != mid) continue;
    const PendingPublish found = slot;
    slot.mid = -1;
    --count_;
    return found;
  }
  return std::nullopt;
}

}  // namespace mq::bench
