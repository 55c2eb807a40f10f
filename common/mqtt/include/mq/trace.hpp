#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "mq/client_options.hpp"
#include "mq/translate.hpp"

// The -d/--debug trace of the MQTT conversation: what libmosquitto's own log lines leave out
// (CONNECT fields, CONNACK properties, SUBACK and PUBACK reason codes, DISCONNECT reasons) and
// reconnects. Each function prints nothing unless -d is on, so callers need no check.
namespace mq::trace {

/// A property list on one line: "topic-alias-maximum=10, user-property 'a'='b'"; "none" if empty.
std::string properties_text(const mosquitto_property* properties);

/// The CONNECT about to be sent: version, client id, clean start, keepalive, credentials, will.
void connect_sent(const ConnectAttempt& attempt, const ClientOptions& options, std::string_view client_id,
                  const mosquitto_property* properties);

/// A CONNACK: accepted or refused with its reason, session present, and every property.
void connack_received(int reason_code, int flags, const mosquitto_property* properties,
                      ProtocolVersion protocol);

/// A SUBACK: the granted QoS or refusal of each filter, in request order.
void suback_received(int mid, std::span<const int> granted, const mosquitto_property* properties);

/// The end of a publish: written (QoS 0), PUBACK or PUBCOMP, with its reason code.
void publish_done(int mid, int reason_code, const mosquitto_property* properties, ProtocolVersion protocol);

/// The properties of a received PUBLISH (libmosquitto's line has the rest); nothing if none.
void message_properties(int mid, const mosquitto_property* properties);

/// The connection ended: a v5 DISCONNECT reason (>= 0x80) with its properties, or an error.
void connection_ended(int rc, int error_number, const mosquitto_property* properties);

/// A reconnect about to be tried: attempt number (from 1) of `max_attempts` (<= 0: no limit),
/// the wait before it, and why.
void reconnect(const Endpoint& endpoint, int attempt, int max_attempts, std::chrono::milliseconds delay,
               std::string_view why);

}  // namespace mq::trace
