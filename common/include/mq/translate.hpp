#pragma once

#include <string>
#include <string_view>

#include "mq/client_options.hpp"
#include "mq/error.hpp"

// The one place where libmosquitto return codes, MQTT reason codes, errno values and TLS
// handshake facts become mq::Error with the right exit code, cause and fix.
namespace mq {

class TlsContext;

/// The broker as the user addressed it.
struct Endpoint {
  std::string host;
  int port = 0;
  std::string unix_path;  // set for --unix
  bool tls = false;

  /// "localhost:1883", "[::1]:8883" or "unix socket /run/mosquitto.sock".
  std::string text() const;
};

/// What we sent in CONNECT, so that a refusal can be explained.
struct ConnectAttempt {
  Endpoint endpoint;
  ProtocolVersion protocol = ProtocolVersion::v5;
  bool protocol_given = false;  // -V was on the command line
  bool sent_username = false;
  bool sent_client_id = false;
};

/// "not authorized (0x87)": the name of an MQTT v5 reason code, or of a v3 CONNACK code.
std::string reason_text(int reason_code, ProtocolVersion protocol);

/// The exit code for a refusal (PUBACK, SUBACK) with an MQTT v5 reason code >= 0x80.
Exit exit_for_reason(int reason_code);

/// mosquitto_connect*() failed: resolve, refuse, unreachable, or a TLS handshake that failed
/// at once (`tls` holds its facts).
Error connect_call_error(int mosq_rc, int error_number, const ConnectAttempt& attempt, const TlsContext* tls);

/// The broker answered CONNECT with a refusal.
Error connack_error(int reason_code, const ConnectAttempt& attempt);

/// The connection ended without our asking. `mosq_rc` is a MOSQ_ERR_* code with `error_number`
/// its errno, or an MQTT v5 reason code (>= 0x80) from the broker's DISCONNECT.
Error connection_ended_error(int mosq_rc, int error_number, bool was_connected, const ConnectAttempt& attempt,
                             const TlsContext* tls);

/// No CONNACK within --connect-timeout.
Error connect_timeout_error(double seconds, const ConnectAttempt& attempt, const TlsContext* tls);

/// A stop signal (SIGINT or SIGTERM) ended the run: exit 130 or 143.
Error interrupted_error(int signal_number);

/// A libmosquitto request (publish, subscribe, ...) was refused before reaching the broker.
Error request_error(int mosq_rc, std::string_view request);

}  // namespace mq
