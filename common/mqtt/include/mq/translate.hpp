#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mq/addresses.hpp"
#include "mq/client_options.hpp"
#include "mq/error.hpp"
#include "mq/packet_size.hpp"

// The one place where libmosquitto return codes, MQTT reason codes, errno values and TLS
// handshake facts become mq::Error with the right exit code, cause and fix.
struct mqtt5__property;
using mosquitto_property = struct mqtt5__property;

namespace mq {

class TlsContext;
struct PortProbe;

/// The broker as the user addressed it.
struct Endpoint {
  std::string host;
  int port = 0;
  std::string unix_path;  // set for --unix
  bool tls = false;
  std::string web_path;  // set for WebSockets: the HTTP path

  /// "localhost:1883", "[::1]:8883", "unix socket /run/mosquitto.sock" or "ws://localhost:8080/mqtt".
  std::string text() const;
};

/// What we sent in CONNECT, so that a refusal can be explained.
struct ConnectAttempt {
  Endpoint endpoint;
  ProtocolVersion protocol = ProtocolVersion::v5;
  bool protocol_given = false;  // -V was on the command line
  bool sent_username = false;
  std::string username;        // sent with -u (or -L)
  bool sent_password = false;  // from -P, --pw-file, MQ_PASSWORD or -L
  bool sent_client_id = false;
  bool fell_back = false;    // the broker refused MQTT v5 and we are trying v3.1.1
  std::string bind_address;  // -A: the local address connected from; empty: the kernel's choice
};

/// What the broker said with a refusal or a DISCONNECT: the reason code and, over MQTT v5,
/// the reason string and server reference properties ("" when absent).
struct BrokerReason {
  int code = 0;
  std::string reason_string;
  std::string server_reference;
};

/// Reads the reason code and the explaining properties of a CONNACK or DISCONNECT.
BrokerReason broker_reason(int code, const mosquitto_property* properties);

/// "not authorized (0x87)": the name of an MQTT v5 reason code, or of a v3 CONNACK code.
std::string reason_text(int reason_code, ProtocolVersion protocol);

/// The exit code for a refusal (PUBACK, SUBACK) with an MQTT v5 reason code >= 0x80.
Exit exit_for_reason(int reason_code);

/// Whether a MOSQ_ERR_* code (with its errno) means the TCP connection was made and then failed:
/// in the TLS handshake, or closed or broken by the server.
bool failed_after_tcp_connect(int mosq_rc, int error_number);

/// mosquitto_connect*() failed: resolve, refuse, unreachable, or a TLS handshake that failed
/// at once (`tls` holds its facts).
Error connect_call_error(int mosq_rc, int error_number, const ConnectAttempt& attempt, const TlsContext* tls);

/// The TLS handshake failed: the certificate check, the server's alert or its silence says why.
Error tls_handshake_error(const ConnectAttempt& attempt, const TlsContext& tls);

/// The broker answered CONNECT with a refusal.
Error connack_error(int reason_code, const ConnectAttempt& attempt);
/// The broker answered CONNECT with a refusal, and perhaps said why (MQTT v5).
Error connack_error(const BrokerReason& reason, const ConnectAttempt& attempt);

/// The broker ended the connection with an MQTT v5 DISCONNECT carrying a reason code >= 0x80.
Error broker_disconnect_error(const BrokerReason& reason, const ConnectAttempt& attempt);

/// The connection ended without our asking. `mosq_rc` is a MOSQ_ERR_* code with `error_number`
/// its errno, or an MQTT v5 reason code (>= 0x80) from the broker's DISCONNECT.
Error connection_ended_error(int mosq_rc, int error_number, bool was_connected, const ConnectAttempt& attempt,
                             const TlsContext* tls);

/// No CONNACK within --connect-timeout.
Error connect_timeout_error(double seconds, const ConnectAttempt& attempt, const TlsContext* tls);

/// A failure whose first diagnosis was ambiguous, explained again with what a second look at
/// the port found (which protocol it speaks, which TLS versions it accepts).
Error port_mismatch_error(const Error& first_diagnosis, const ConnectAttempt& attempt, const PortProbe& probe,
                          const TlsContext* tls);

/// The broker refused a publish (v5 PUBACK/PUBREC reason code >= 0x80).
Error publish_refused_error(std::string_view topic, int reason_code, ProtocolVersion protocol);

/// The broker refused a subscription (SUBACK code >= 0x80; v3.1.1 only says 0x80 "failure").
Error subscribe_refused_error(std::string_view filter, int reason_code, ProtocolVersion protocol);

/// Why a publish that succeeded may still have been dropped by the broker without our knowing:
/// QoS 0 is never acknowledged, and a v3.1.1 PUBACK cannot say "refused". "" when a refusal
/// would have been reported.
std::string unconfirmed_publish_note(ProtocolVersion protocol, int qos);

/// A stop signal (SIGINT or SIGTERM) ended the run: exit 130 or 143.
Error interrupted_error(int signal_number);

/// A message that cannot be sent at all: its PUBLISH packet is larger than MQTT allows, or than
/// `broker_limit`, the maximum packet size in the broker's CONNACK (0: none). Exit 9.
Error message_too_large_error(std::string_view topic, const PublishShape& shape, std::uint32_t broker_limit,
                              const Endpoint& endpoint);

/// Over MQTT v3.1.x the broker closed the connection each time it received `message` (it
/// accepted us again in between): most likely over its maximum packet size, which v3.1.1 cannot
/// announce. Exit 9.
Error closed_on_message_error(std::string_view message, std::string_view topic, std::size_t payload_bytes,
                              const Endpoint& endpoint, ProtocolVersion protocol);

/// A libmosquitto request (publish, subscribe, ...) was refused before reaching the broker.
Error request_error(int mosq_rc, std::string_view request);

/// The broker's name, or the -A address, did not resolve (`resolution.lookup_error`).
Error resolve_error(const Resolution& resolution, const ConnectAttempt& attempt,
                    const std::string& bind_address);

/// The broker's name resolved, but to no address of the family of the -A address.
Error unpaired_error(const Resolution& resolution, const ConnectAttempt& attempt,
                     const std::string& bind_address);

}  // namespace mq
