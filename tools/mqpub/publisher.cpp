#include "publisher.hpp"

#include <fmt/format.h>
#include <mqtt_protocol.h>

#include "mq/diagnostics.hpp"
#include "mq/translate.hpp"

namespace mq::pub {
std::string DeliveryCounts::text() const {
  std::string text =
      fmt::format("sent {}, acknowledged {}, not acknowledged {}", sent, acknowledged, unacknowledged());
  if (refused != 0) text += fmt::format(", refused {}", refused);
  if (lost != 0) text += fmt::format(", QoS 0 lost with the connection {}", lost);
  return text;
}

bool Publisher::has_room() const {
  return session_->connected() && !refusal_ && counts_.unacknowledged() < static_cast<std::uint64_t>(window_);
}

void Publisher::publish(const Outgoing& message, const Properties& fallback) {
  const Properties& properties = message.properties ? *message.properties : fallback;
  ++counts_.sent;
  if (message.qos == 0) ++unwritten_qos0_;  // libmosquitto may report the write inside publish()
  const int mid = session_->publish(message.topic, message.payload, message.qos, message.retain,
                                    session_->protocol() == ProtocolVersion::v5 ? properties.get() : nullptr);
  if (message.qos > 0) in_flight_.emplace(mid, message.topic);
}

void Publisher::on_publish_done(int mid, int reason_code) {
  const auto found = in_flight_.find(mid);
  if (found == in_flight_.end()) {  // QoS 0: written
    if (unwritten_qos0_ == 0) return;
    --unwritten_qos0_;
    ++counts_.acknowledged;
    return;
  }
  if (reason_code >= 0x80) {
    ++counts_.refused;
    if (!refusal_) refusal_ = publish_refused_error(found->second, reason_code, session_->protocol());
  } else {
    ++counts_.acknowledged;
  }
  in_flight_.erase(found);
}

// libmosquitto sends unacknowledged QoS 1/2 messages again after reconnecting, but drops the
// QoS 0 packets it had not written yet: count them instead of waiting for them.
void Publisher::on_connection_lost() {
  counts_.lost += unwritten_qos0_;
  if (unwritten_qos0_ != 0)
    diag::warning(fmt::format("{} QoS 0 messages were lost with the connection", unwritten_qos0_));
  unwritten_qos0_ = 0;
}

}  // namespace mq::pub
