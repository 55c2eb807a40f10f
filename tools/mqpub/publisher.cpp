#include "publisher.hpp"

#include <fmt/format.h>
#include <mqtt_protocol.h>

#include <algorithm>

#include "mq/diagnostics.hpp"
#include "mq/packet_size.hpp"
#include "mq/translate.hpp"

namespace mq::pub {
std::string DeliveryCounts::text() const {
  std::string text =
      fmt::format("sent {}, acknowledged {}, not acknowledged {}", sent, acknowledged, unacknowledged());
  if (refused != 0) text += fmt::format(", refused {}", refused);
  if (lost != 0) text += fmt::format(", QoS 0 lost with the connection {}", lost);
  if (not_encoded != 0) text += fmt::format(", not encoded (not sent) {}", not_encoded);
  return text;
}

bool Publisher::has_room() const {
  const std::uint64_t waiting = counts_.unacknowledged();
  // The next message is taken to be as large as the last one (exact for --repeat): a large one
  // waits until it fits, so that at most one of them is in flight.
  return session_->connected() && !stopping_ && waiting < static_cast<std::uint64_t>(window_) &&
         (waiting == 0 || bytes_in_flight_ + last_bytes_ <= max_bytes_in_flight);
}

void Publisher::publish(const Outgoing& message, const Properties& fallback) {
  const Properties& properties = message.properties ? *message.properties : fallback;
  const mosquitto_property* sent_properties =
      session_->protocol() == ProtocolVersion::v5 ? properties.get() : nullptr;
  if (!message.not_encoded.empty()) {  // --encode could not convert it: said, counted, and the others go
    ++counts_.not_encoded;
    diag::warning(fmt::format("{} was {}", source_.describe(message.number), message.not_encoded));
    return;
  }
  ++counts_.sent;
  const std::size_t bytes = message.payload.size();
  last_bytes_ = bytes;
  if (message.skipped_size) {  // a line longer than MQTT allows, never read into memory
    const PublishShape shape{message.topic.size(), *message.skipped_size, message.qos, session_->protocol(),
                             sent_properties};
    return refuse(message.number, message_too_large_error(message.topic, shape, 0, session_->endpoint()));
  }
  // libmosquitto reports a QoS 0 write inside try_publish() when the socket takes it at once,
  // so the message is counted before; a message that did not go is taken off again, so that
  // nothing waits for it.
  if (message.qos == 0) unwritten_qos0_.push_back(bytes);
  bytes_in_flight_ += bytes;
  const auto take_back = [&] {
    if (message.qos == 0) unwritten_qos0_.pop_back();
    bytes_in_flight_ -= bytes;
  };
  PublishResult result;
  try {
    result = session_->try_publish(message.topic, message.payload.view(), message.qos, message.retain,
                                   sent_properties);
  } catch (const Error&) {
    take_back();
    --counts_.sent;
    throw;
  }
  if (result.refused) {
    take_back();
    return refuse(message.number, *result.refused);
  }
  if (message.qos > 0) in_flight_.emplace(result.mid, InFlight{message.number, message.topic, bytes});
}

void Publisher::refuse(std::uint64_t number, const Error& why) {
  ++counts_.refused;
  if (refusal_) return;
  refusal_ = Error{why.code(), fmt::format("{} was not sent: {}", source_.describe(number), why.what()),
                   why.cause(), why.fix()};
}

void Publisher::on_connected(const ConnackInfo&) {
  if (suspect_mid_) reconnected_since_suspect_ = true;
}

void Publisher::on_publish_done(int mid, int reason_code) {
  const auto found = in_flight_.find(mid);
  if (found == in_flight_.end()) {  // QoS 0: written
    if (unwritten_qos0_.empty()) return;
    bytes_in_flight_ -= unwritten_qos0_.front();
    unwritten_qos0_.pop_front();
    ++counts_.acknowledged;
    return;
  }
  const InFlight& message = found->second;
  bytes_in_flight_ -= message.bytes;
  if (suspect_mid_ == mid) suspect_mid_.reset();
  if (reason_code >= 0x80) {
    ++counts_.refused;
    if (!refusal_) refusal_ = publish_refused_error(message.topic, reason_code, session_->protocol());
    // A message too large for the broker says nothing about the others: they still go.
    stopping_ = stopping_ || reason_code != MQTT_RC_PACKET_TOO_LARGE;
  } else {
    ++counts_.acknowledged;
  }
  in_flight_.erase(found);
}

// libmosquitto sends unacknowledged QoS 1/2 messages again after reconnecting, but drops the
// QoS 0 packets it had not written yet: count them instead of waiting for them.
void Publisher::on_connection_lost() {
  counts_.lost += unwritten_qos0_.size();
  if (!unwritten_qos0_.empty())
    diag::warning(fmt::format("{} QoS 0 messages were lost with the connection", unwritten_qos0_.size()));
  for (const std::size_t bytes : unwritten_qos0_)
    bytes_in_flight_ -= bytes;
  unwritten_qos0_.clear();
  if (session_->protocol() != ProtocolVersion::v5) suspect_largest_in_flight();
}

// MQTT v3.1.x cannot announce a maximum packet size: a broker closes the connection on a larger
// packet instead. Every message the broker took before was smaller, so the largest one in flight
// is the suspect; if the broker accepts us again and the connection that resends it ends too,
// it is the cause, and resending it would only repeat that.
void Publisher::suspect_largest_in_flight() {
  const auto largest =
      std::max_element(in_flight_.begin(), in_flight_.end(), [](const auto& a, const auto& b) {
        return a.second.bytes != b.second.bytes ? a.second.bytes < b.second.bytes
                                                : a.second.number > b.second.number;
      });
  if (largest == in_flight_.end()) return;
  if (suspect_mid_ == largest->first && reconnected_since_suspect_) {
    const InFlight message = largest->second;
    bytes_in_flight_ -= message.bytes;
    in_flight_.erase(largest);
    ++counts_.refused;
    stopping_ = true;
    const Error why = closed_on_message_error(source_.describe(message.number), message.topic, message.bytes,
                                              session_->endpoint(), session_->protocol());
    if (!refusal_) refusal_ = why;
    session_->fail(why);
    return;
  }
  suspect_mid_ = largest->first;
  reconnected_since_suspect_ = false;
}

}  // namespace mq::pub
