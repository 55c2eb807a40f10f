#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mq/tls.hpp"
#include "mq/translate.hpp"

// A second, short connection to the broker's port when the first attempt failed in a way that
// several causes explain alike (a TLS client on a plain port and a server that drops TLS
// clients both just close the connection). What the port answers settles the diagnosis.
namespace mq {

/// Which second look settles an ambiguous failure.
enum class SecondLook {
  none,
  plain_mqtt,          // a TLS handshake ended without a word of TLS: does the port speak plain MQTT?
  tls,                 // a plain CONNECT got no CONNACK: does the port speak TLS?
  tls_versions,        // the server refused the handshake: which TLS versions does it accept?
  client_certificate,  // the server closed after a handshake with our certificate: its alert says why
};

/// What a port turned out to speak.
enum class PortSpeaks {
  unknown,     // no answer in time, or no connection
  plain_mqtt,  // it answered a plain MQTT CONNECT with CONNACK
  tls,         // it answered a TLS ClientHello with TLS
  other,       // it answered with something else
  closes,      // it accepted the connection and closed it without a word (a broker refusing clients)
};

/// What a second look found.
struct PortProbe {
  SecondLook look = SecondLook::none;
  PortSpeaks speaks = PortSpeaks::unknown;
  std::vector<CertificateFacts> chain;    // tls: the server's certificates, leaf first (not verified)
  std::vector<std::string> tls_versions;  // tls_versions: those it answered with a ServerHello
  std::string alert;                      // client_certificate: the fatal alert the server sent
};

/// The second look that would explain a failure before CONNACK, given what the first attempt
/// observed (`mosq_rc` as passed to the disconnect callback or returned by the connect call).
SecondLook second_look_for(int mosq_rc, bool was_connected, const ConnectAttempt& attempt,
                           const TlsContext* tls);

/// Takes that look: opens new connections to `endpoint` and closes them again, within `timeout`.
/// The client_certificate look repeats the handshake with `tls` and sends nothing after it, so
/// the server's alert cannot be lost to a reset.
PortProbe look_again(SecondLook look, const Endpoint& endpoint, const TlsContext* tls,
                     std::chrono::milliseconds timeout);

}  // namespace mq
