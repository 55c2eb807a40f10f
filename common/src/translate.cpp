#include "mq/translate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "mq/tls.hpp"

namespace mq {
namespace {

std::string now_text() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

bool is_v5(const ConnectAttempt& attempt) { return attempt.protocol == ProtocolVersion::v5; }

std::string port_advice(const Endpoint& endpoint) {
  return endpoint.tls ? "the usual MQTT port is 1883 for plain connections and 8883 for TLS"
                      : "the usual MQTT port is 1883, and 8883 for TLS (add --cafile for TLS)";
}

Error authentication_error(const ConnectAttempt& attempt, int reason_code) {
  const std::string what = fmt::format("the broker at {} refused the login ({})", attempt.endpoint.text(),
                                       reason_text(reason_code, attempt.protocol));
  if (attempt.sent_username)
    return Error{Exit::authentication, what,
                 "the username or password is wrong, or this user may not connect",
                 "check -u and the password (-P, --pw-file or MQ_PASSWORD)"};
  return Error{Exit::authentication, what, "the broker requires a username and password, and none was given",
               "add -u USERNAME and a password with --pw-file FILE, MQ_PASSWORD or -P"};
}

Error protocol_version_error(const ConnectAttempt& attempt, int reason_code) {
  return Error{Exit::protocol,
               fmt::format("the broker at {} refused {} ({})", attempt.endpoint.text(),
                           protocol_name(attempt.protocol), reason_text(reason_code, attempt.protocol)),
               fmt::format("the broker does not speak {}", protocol_name(attempt.protocol)),
               attempt.protocol == ProtocolVersion::v311 ? "try -V 31 for a very old broker"
                                                         : "use -V 311 (MQTT v3.1.1)"};
}

Error refused_error(const ConnectAttempt& attempt, int reason_code, std::string cause, std::string fix) {
  return Error{Exit::protocol,
               fmt::format("the broker at {} refused the connection ({})", attempt.endpoint.text(),
                           reason_text(reason_code, attempt.protocol)),
               std::move(cause), std::move(fix)};
}

Error v3_connack_error(int code, const ConnectAttempt& attempt) {
  switch (code) {
  case CONNACK_REFUSED_PROTOCOL_VERSION:
    return protocol_version_error(attempt, code);
  case CONNACK_REFUSED_IDENTIFIER_REJECTED:
    return refused_error(attempt, code, "the broker does not accept this client id",
                         "choose another id with -i (MQTT v3.1 allows at most 23 characters)");
  case CONNACK_REFUSED_SERVER_UNAVAILABLE:
    return refused_error(attempt, code, "the broker is up but not accepting clients",
                         "try again later, or check the broker's log");
  case CONNACK_REFUSED_BAD_USERNAME_PASSWORD:
  case CONNACK_REFUSED_NOT_AUTHORIZED:
    return authentication_error(attempt, code);
  default:
    return refused_error(attempt, code, "the broker sent a CONNACK code MQTT v3 does not define",
                         "check the broker's log");
  }
}

Error v5_connack_error(int code, const ConnectAttempt& attempt) {
  switch (code) {
  case MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION:
    return protocol_version_error(attempt, code);
  case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
  case MQTT_RC_NOT_AUTHORIZED:
  case MQTT_RC_BAD_AUTHENTICATION_METHOD:
    return authentication_error(attempt, code);
  case MQTT_RC_CLIENTID_NOT_VALID:
    return refused_error(attempt, code, "the broker does not accept this client id",
                         "choose another id with -i");
  case MQTT_RC_BANNED:
    return refused_error(attempt, code, "the broker has banned this client",
                         "ask the broker's administrator");
  case MQTT_RC_SERVER_UNAVAILABLE:
  case MQTT_RC_SERVER_BUSY:
  case MQTT_RC_QUOTA_EXCEEDED:
  case MQTT_RC_CONNECTION_RATE_EXCEEDED:
    return refused_error(attempt, code, "the broker is up but not accepting this connection now",
                         "try again later, or check the broker's log");
  case MQTT_RC_USE_ANOTHER_SERVER:
  case MQTT_RC_SERVER_MOVED:
    return refused_error(attempt, code, "the broker sends its clients elsewhere",
                         "connect to the server the broker's administrator names");
  default:
    return refused_error(attempt, code, "the broker refused the CONNECT packet",
                         "check the options sent with CONNECT (-D connect, --will-*) and the broker's log");
  }
}

std::string names_text(const std::vector<std::string>& names) {
  return names.empty() ? "no names" : fmt::format("{}", fmt::join(names, ", "));
}

Error certificate_error(const ConnectAttempt& attempt, const TlsContext& tls) {
  const TlsObservation& seen = tls.observation();
  const std::string what = fmt::format(
      "TLS handshake with {} failed: the server's certificate was not accepted", attempt.endpoint.text());
  const CertificateFacts cert = seen.rejected_certificate.value_or(CertificateFacts{});
  switch (seen.verify_error) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return Error{
        Exit::tls, what,
        fmt::format("the certificate '{}' expired on {} (now {})", cert.subject, cert.not_after, now_text()),
        "renew the broker's certificate"};
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return Error{Exit::tls, what,
                 fmt::format("the certificate '{}' is not valid before {} (now {})", cert.subject,
                             cert.not_before, now_text()),
                 "check the clock of this machine and of the machine that issued the certificate"};
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    return Error{Exit::tls, what,
                 fmt::format("we connected to '{}' but the certificate is for: {}", tls.server_name(),
                             names_text(cert.names)),
                 fmt::format("connect by a name the certificate holds (-h {}), or reissue it with '{}' "
                             "in its subjectAltName; --insecure skips this check, for testing only",
                             cert.names.empty() ? "NAME" : cert.names.front(), tls.server_name())};
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_CERT_UNTRUSTED: {
    const CertificateFacts leaf = seen.chain.empty() ? cert : seen.chain.front();
    return Error{Exit::tls, what,
                 fmt::format("the server's certificate (subject '{}', issuer '{}') is not signed by a CA "
                             "trusted by {}",
                             leaf.subject, leaf.issuer, tls.trust_source()),
                 "give the CA certificate that issued the broker's certificate with --cafile FILE"};
  }
  default:
    return Error{
        Exit::tls, what,
        fmt::format("{} (certificate '{}')", X509_verify_cert_error_string(seen.verify_error), cert.subject),
        "check the broker's certificate chain with: openssl s_client -connect HOST:PORT -showcerts"};
  }
}

Error alert_error(const ConnectAttempt& attempt, const TlsContext& tls) {
  const bool client_certificate_given = tls.has_client_certificate();
  const std::string& alert = tls.observation().alert_received;
  const std::string what =
      fmt::format("TLS handshake with {} failed: the server refused it ({})", attempt.endpoint.text(), alert);
  if (alert == "certificate required" ||
      (!client_certificate_given && alert == "handshake failure" && tls.observation().chain.size() > 0))
    return Error{Exit::tls, what, "the broker requires a client certificate and none was given",
                 "add --cert FILE and --key FILE with a certificate the broker's CA signed"};
  if (client_certificate_given &&
      (alert == "bad certificate" || alert == "unknown CA" || alert == "certificate unknown" ||
       alert == "decrypt error" || alert == "certificate expired" || alert == "certificate revoked"))
    return Error{Exit::tls, what, "the broker did not accept our client certificate (--cert)",
                 "use a client certificate signed by a CA the broker trusts (its cafile)"};
  if (alert == "protocol version")
    return Error{Exit::tls, what, "the broker and we share no TLS version",
                 "change or drop --tls-version; the broker's tls_version setting decides what it accepts"};
  if (alert == "handshake failure" || alert == "insufficient security")
    return Error{Exit::tls, what, "the broker and we share no TLS version or cipher",
                 "change or drop --tls-version and --ciphers"};
  return Error{Exit::tls, what, fmt::format("the server sent the TLS alert '{}'", alert),
               "check the broker's log and its TLS settings"};
}

Error tls_handshake_error(const ConnectAttempt& attempt, const TlsContext& tls) {
  const TlsObservation& seen = tls.observation();
  if (seen.verify_error != 0) return certificate_error(attempt, tls);
  if (!seen.alert_received.empty()) return alert_error(attempt, tls);
  return Error{Exit::tls, fmt::format("TLS handshake with {} failed", attempt.endpoint.text()),
               "the connection closed during the handshake; a plain MQTT port does this to a TLS client",
               "if this port serves plain MQTT (usually 1883), drop the TLS options; otherwise check the "
               "broker's TLS settings"};
}

}  // namespace

std::string Endpoint::text() const {
  if (!unix_path.empty()) return fmt::format("unix socket {}", unix_path);
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string reason_text(int reason_code, ProtocolVersion protocol) {
  if (protocol != ProtocolVersion::v5 && reason_code < 0x80)
    return fmt::format("{}, CONNACK code {}", mosquitto_connack_string(reason_code), reason_code);
  return fmt::format("{}, reason code 0x{:02X}", mosquitto_reason_string(reason_code), reason_code);
}

Exit exit_for_reason(int reason_code) {
  switch (reason_code) {
  case MQTT_RC_NOT_AUTHORIZED:
    return Exit::authorization;
  case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
  case MQTT_RC_BAD_AUTHENTICATION_METHOD:
    return Exit::authentication;
  case MQTT_RC_SERVER_SHUTTING_DOWN:
  case MQTT_RC_KEEP_ALIVE_TIMEOUT:
    return Exit::network;
  default:
    return Exit::protocol;
  }
}

Error connect_call_error(int mosq_rc, int error_number, const ConnectAttempt& attempt,
                         const TlsContext* tls) {
  const Endpoint& endpoint = attempt.endpoint;
  if (mosq_rc == MOSQ_ERR_EAI)
    return Error{Exit::network, fmt::format("cannot resolve the broker's name '{}'", endpoint.host),
                 fmt::format("the name lookup failed: {}", gai_strerror(error_number)),
                 "check the spelling of -h, your DNS settings, or use an IP address"};
  if (mosq_rc == MOSQ_ERR_ERRNO) {
    const std::string what = fmt::format("cannot connect to {}", endpoint.text());
    switch (error_number) {
    case ECONNREFUSED:
      return Error{Exit::network, what, fmt::format("nothing is listening there (connection refused)"),
                   fmt::format("start the broker, or check -h and -p; {}", port_advice(endpoint))};
    case ENOENT:
      return Error{Exit::network, what, "the socket file does not exist",
                   "start the broker, or check the --unix path"};
    case ENETUNREACH:
    case EHOSTUNREACH:
      return Error{Exit::network, what,
                   fmt::format("the network path is down ({})", std::strerror(error_number)),
                   "check the address and the route to the broker"};
    case ETIMEDOUT:
      return Error{Exit::network, what, "the TCP connection timed out",
                   "check that the broker is up and that no firewall drops the packets"};
    case EADDRNOTAVAIL:
    case EINVAL:
      return Error{Exit::network, what,
                   fmt::format("the local address cannot be used ({})", std::strerror(error_number)),
                   "check -A (bind address): it must be an address of this machine"};
    default:
      return Error{Exit::network, what, std::strerror(error_number), "check -h, -p and the network"};
    }
  }
  if (mosq_rc == MOSQ_ERR_TLS && tls) return tls_handshake_error(attempt, *tls);
  if (mosq_rc == MOSQ_ERR_INVAL)
    return usage_error(fmt::format("libmosquitto refused the connection settings for {}", endpoint.text()),
                       "check -h, -p, -k and -A");
  return Error{Exit::network, fmt::format("cannot connect to {}", endpoint.text()),
               mosquitto_strerror(mosq_rc), "check -h, -p and the network"};
}

Error connack_error(int reason_code, const ConnectAttempt& attempt) {
  return is_v5(attempt) ? v5_connack_error(reason_code, attempt) : v3_connack_error(reason_code, attempt);
}

Error connection_ended_error(int mosq_rc, int error_number, bool was_connected, const ConnectAttempt& attempt,
                             const TlsContext* tls) {
  const std::string where = attempt.endpoint.text();
  if (mosq_rc >= 0x80) {
    return Error{exit_for_reason(mosq_rc),
                 fmt::format("the broker at {} closed the connection ({})", where,
                             reason_text(mosq_rc, ProtocolVersion::v5)),
                 "the broker sent DISCONNECT with this reason", "check the broker's log for this client"};
  }
  if (tls && !tls->observation().handshake_done) return tls_handshake_error(attempt, *tls);
  if (mosq_rc == MOSQ_ERR_PROTOCOL || mosq_rc == MOSQ_ERR_MALFORMED_PACKET)
    return Error{Exit::protocol, fmt::format("the broker at {} broke the MQTT protocol", where),
                 mosquitto_strerror(mosq_rc),
                 "check that this port serves MQTT; run with -d to see the packets"};
  if (mosq_rc == MOSQ_ERR_KEEPALIVE)
    return Error{Exit::network, fmt::format("the connection to {} was lost", where),
                 "the broker stopped answering PINGREQ within the keepalive",
                 "check the broker and the network; -k sets the keepalive"};
  const std::string detail = (mosq_rc == MOSQ_ERR_ERRNO && error_number != 0)
                                 ? std::string{std::strerror(error_number)}
                                 : "the broker closed the connection";
  if (!was_connected)
    return Error{Exit::network,
                 fmt::format("the broker at {} closed the connection before answering CONNECT", where),
                 fmt::format("{}; a TLS port does this to a client that speaks plain MQTT", detail),
                 attempt.endpoint.tls ? "check the broker's log for why it dropped the client"
                                      : "if this is a TLS port (usually 8883), add --cafile FILE or "
                                        "--tls-use-os-certs; otherwise check the broker's log"};
  return Error{Exit::network, fmt::format("the connection to {} was lost", where), detail,
               "check that the broker is still running and the network between us"};
}

Error connect_timeout_error(double seconds, const ConnectAttempt& attempt, const TlsContext* tls) {
  const std::string where = attempt.endpoint.text();
  if (tls && !tls->observation().handshake_done)
    return Error{Exit::network, fmt::format("no TLS handshake with {} within {} s", where, seconds),
                 "the server accepted the TCP connection but did not complete the TLS handshake",
                 "check that this port serves MQTT over TLS; --connect-timeout sets the limit"};
  return Error{Exit::network, fmt::format("no answer from {} within {} s", where, seconds),
               "the server accepted the TCP connection but did not answer the MQTT CONNECT",
               attempt.endpoint.tls ? "check that this port serves MQTT; --connect-timeout sets the limit"
                                    : "check that this port serves MQTT (a TLS port needs --cafile); "
                                      "--connect-timeout sets the limit"};
}

Error interrupted_error(int signal_number) {
  return Error{signal_number == SIGTERM ? Exit::terminated : Exit::interrupted,
               fmt::format("interrupted by {}", signal_number == SIGTERM ? "SIGTERM" : "SIGINT")};
}

Error request_error(int mosq_rc, std::string_view request) {
  const std::string what = fmt::format("cannot {}", request);
  switch (mosq_rc) {
  case MOSQ_ERR_NO_CONN:
    return Error{Exit::network, what, "the connection to the broker is down", "check the broker"};
  case MOSQ_ERR_PAYLOAD_SIZE:
  case MOSQ_ERR_OVERSIZE_PACKET:
    return usage_error(what + ": the message is larger than the broker or MQTT allows",
                       "send a smaller payload");
  case MOSQ_ERR_QOS_NOT_SUPPORTED:
    return Error{Exit::protocol, what, "the broker does not support this QoS", "use a lower -q"};
  case MOSQ_ERR_RETAIN_NOT_SUPPORTED:
    return Error{Exit::protocol, what, "the broker does not support retained messages", "drop -r"};
  case MOSQ_ERR_NOMEM:
    return Error{Exit::internal, what, "out of memory"};
  default:
    return usage_error(fmt::format("{}: {}", what, mosquitto_strerror(mosq_rc)));
  }
}

}  // namespace mq
