#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "mq/error.hpp"
#include "mq/session.hpp"
#include "source.hpp"

namespace mq::pub {

/// What happened to the messages so far.
struct DeliveryCounts {
  std::uint64_t sent = 0;          // handed to the connection
  std::uint64_t acknowledged = 0;  // QoS 1/2: PUBACK/PUBCOMP; QoS 0: written to the socket
  std::uint64_t refused = 0;       // the broker answered with a reason code >= 0x80
  std::uint64_t lost = 0;          // QoS 0 messages still queued when a connection broke

  std::uint64_t unacknowledged() const { return sent - acknowledged - refused - lost; }
  /// "sent 10, acknowledged 8, not acknowledged 2" (and refused / lost when there are any).
  std::string text() const;
};

/// Publishes messages through a session with at most `window` unacknowledged at a time, so
/// QoS 1/2 are pipelined and memory stays bounded; counts every outcome.
class Publisher : public SessionEvents {
public:
  explicit Publisher(int window) : window_(window) {}
  void attach(Session& session) { session_ = &session; }

  /// Whether another message may be sent now.
  bool has_room() const;
  /// Sends one message; `fallback` holds the -D publish properties.
  void publish(const Outgoing& message, const Properties& fallback);
  /// Whether nothing is waiting for its acknowledgement.
  bool settled() const { return counts_.unacknowledged() == 0; }
  /// The first refusal, as the error mqpub reports.
  const std::optional<Error>& refusal() const { return refusal_; }
  const DeliveryCounts& counts() const { return counts_; }

  void on_publish_done(int mid, int reason_code) override;
  void on_connection_lost() override;

private:
  int window_;
  Session* session_ = nullptr;
  DeliveryCounts counts_;
  std::uint64_t unwritten_qos0_ = 0;                // QoS 0 queued inside libmosquitto
  std::unordered_map<int, std::string> in_flight_;  // QoS 1/2 mid -> topic
  std::optional<Error> refusal_;
};

}  // namespace mq::pub
