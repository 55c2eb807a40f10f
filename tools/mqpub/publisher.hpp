#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "mq/error.hpp"
#include "mq/session.hpp"
#include "source.hpp"

namespace mq::pub {

/// What happened to the messages so far.
struct DeliveryCounts {
  std::uint64_t sent = 0;          // handed to the connection, or refused before it could be
  std::uint64_t acknowledged = 0;  // QoS 1/2: PUBACK/PUBCOMP; QoS 0: written to the socket
  std::uint64_t refused = 0;       // too large to send, or the broker answered a reason code >= 0x80
  std::uint64_t lost = 0;          // QoS 0 messages still queued when a connection broke
  std::uint64_t not_encoded = 0;   // lines --encode could not convert: never sent

  std::uint64_t unacknowledged() const { return sent - acknowledged - refused - lost; }
  /// "sent 10, acknowledged 8, not acknowledged 2" (and refused / lost when there are any).
  std::string text() const;
};

/// Publishes messages through a session with at most `window` unacknowledged at a time, and at
/// most max_bytes_in_flight of payload (or one larger message), so that QoS 1/2 are pipelined
/// and memory stays bounded; counts every outcome.
class Publisher : public SessionEvents {
public:
  /// Payload bytes in flight beyond which no other message is sent (libmosquitto keeps a copy
  /// of each until it is written, or acknowledged for QoS 1/2).
  static constexpr std::size_t max_bytes_in_flight = 16 * 1024 * 1024;

  Publisher(int window, const MessageSource& source) : window_(window), source_(source) {}
  void attach(Session& session) { session_ = &session; }

  /// Whether another message may be sent now.
  bool has_room() const;
  /// Sends one message; `fallback` holds the -D publish properties. A message too large to
  /// send is counted as refused, and the others still go.
  void publish(const Outgoing& message, const Properties& fallback);
  /// Whether nothing is waiting for its acknowledgement.
  bool settled() const { return counts_.unacknowledged() == 0; }
  /// Whether a refusal ends the run: the broker refused a message for another reason than its size.
  bool stopped() const { return stopping_; }
  /// The first refusal, as the error mqpub reports.
  const std::optional<Error>& refusal() const { return refusal_; }
  const DeliveryCounts& counts() const { return counts_; }

  void on_connected(const ConnackInfo& info) override;
  void on_publish_done(int mid, int reason_code) override;
  void on_connection_lost() override;

private:
  struct InFlight {
    std::uint64_t number;  // the source's number for the message
    std::string topic;
    std::size_t bytes;
  };

  // Counts a message that could not be sent at all; the others still go.
  void refuse(std::uint64_t number, const Error& why);
  void suspect_largest_in_flight();

  int window_;
  const MessageSource& source_;
  Session* session_ = nullptr;
  DeliveryCounts counts_;
  std::deque<std::size_t> unwritten_qos0_;       // payload sizes of QoS 0 queued in libmosquitto
  std::unordered_map<int, InFlight> in_flight_;  // QoS 1/2 by mid
  std::size_t bytes_in_flight_ = 0;
  std::size_t last_bytes_ = 0;  // the payload of the last message sent
  std::optional<Error> refusal_;
  bool stopping_ = false;
  // MQTT v3.1.x: the message in flight when the broker closed the connection (the largest:
  // every one the broker took was smaller), and whether the broker accepted us again since.
  std::optional<int> suspect_mid_;
  bool reconnected_since_suspect_ = false;
};

}  // namespace mq::pub
