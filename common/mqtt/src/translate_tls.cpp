// The TLS half of translate.hpp: certificate verification errors, TLS alerts, and what a second
// look at the port revealed, each turned into an Error with the facts that prove it.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <ctime>

#include "mq/port_probe.hpp"
#include "mq/tls.hpp"
#include "mq/translate.hpp"

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

std::string names_text(const std::vector<std::string>& names) {
  return names.empty() ? "no names" : fmt::format("{}", fmt::join(names, ", "));
}

std::string handshake_failed(const ConnectAttempt& attempt) {
  return fmt::format("TLS handshake with {} failed", attempt.endpoint.text());
}

// "the server's certificate" for the leaf, "the CA certificate" for one above it.
std::string whose_certificate(const TlsObservation& seen) {
  return seen.verify_error_depth == 0 ? "the server's certificate" : "the CA certificate";
}

Error expired_error(const ConnectAttempt& attempt, const TlsObservation& seen, const CertificateFacts& cert) {
  return Error{Exit::tls, handshake_failed(attempt) + ": the server's certificate has expired",
               fmt::format("{} '{}' was valid from {} to {}; it is now {}", whose_certificate(seen),
                           cert.subject, cert.not_before, cert.not_after, now_text()),
               seen.verify_error_depth == 0
                   ? "renew the broker's certificate (or correct this machine's clock if it is wrong)"
                   : "renew the CA certificate and the certificates it signed"};
}

Error not_yet_valid_error(const ConnectAttempt& attempt, const TlsObservation& seen,
                          const CertificateFacts& cert) {
  return Error{Exit::tls, handshake_failed(attempt) + ": the server's certificate is not valid yet",
               fmt::format("{} '{}' is valid from {} to {}; it is now {}", whose_certificate(seen),
                           cert.subject, cert.not_before, cert.not_after, now_text()),
               "check the clock of this machine and of the one that issued the certificate (date -u)"};
}

Error host_mismatch_error(const ConnectAttempt& attempt, const TlsContext& tls,
                          const CertificateFacts& cert) {
  return Error{Exit::tls, handshake_failed(attempt) + ": the server's certificate is for another name",
               fmt::format("we connected to '{}' but the certificate '{}' is for: {}", tls.server_name(),
                           cert.subject, names_text(cert.names)),
               fmt::format("connect by a name the certificate holds (-h {}), or reissue it with '{}' in its "
                           "subjectAltName; --insecure skips this check, for testing only",
                           cert.names.empty() ? "NAME" : cert.names.front(), tls.server_name())};
}

Error untrusted_error(const ConnectAttempt& attempt, const TlsContext& tls, const CertificateFacts& leaf,
                      int verify_error) {
  const std::string what = handshake_failed(attempt) + ": the server's certificate is not trusted";
  if (verify_error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
    return Error{Exit::tls, what,
                 fmt::format("the server's certificate '{}' is self-signed, and {} does not hold it",
                             leaf.subject, tls.trust_source()),
                 "give that certificate itself with --cafile FILE (openssl s_client -showcerts prints it)"};
  return Error{
      Exit::tls, what,
      fmt::format("the server's certificate (subject '{}', issuer '{}') is not signed by a CA trusted "
                  "by {}",
                  leaf.subject, leaf.issuer, tls.trust_source()),
      fmt::format("give the certificate of the CA '{}' with --cafile FILE", leaf.issuer)};
}

Error certificate_error(const ConnectAttempt& attempt, const TlsContext& tls) {
  const TlsObservation& seen = tls.observation();
  const CertificateFacts cert =
      seen.rejected_certificate.value_or(seen.chain.empty() ? CertificateFacts{} : seen.chain.front());
  switch (seen.verify_error) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return expired_error(attempt, seen, cert);
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return not_yet_valid_error(attempt, seen, cert);
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    return host_mismatch_error(attempt, tls, cert);
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_CERT_UNTRUSTED:
    return untrusted_error(attempt, tls, seen.chain.empty() ? cert : seen.chain.front(), seen.verify_error);
  default:
    return Error{
        Exit::tls, handshake_failed(attempt) + ": the server's certificate was not accepted",
        fmt::format("{} (certificate '{}')", X509_verify_cert_error_string(seen.verify_error), cert.subject),
        "check the broker's certificate chain with: openssl s_client -connect HOST:PORT -showcerts"};
  }
}

std::string client_certificate_text(const TlsContext& tls) {
  const CertificateFacts& ours = *tls.client_certificate();
  return fmt::format("subject '{}', issuer '{}', valid {} to {}", ours.subject, ours.issuer, ours.not_before,
                     ours.not_after);
}

bool rejects_client_certificate(const std::string& alert) {
  return alert == "bad certificate" || alert == "unknown CA" || alert == "certificate unknown" ||
         alert == "decrypt error" || alert == "certificate expired" || alert == "certificate revoked" ||
         alert == "unsupported certificate" || alert == "access denied";
}

// Told by the CertificateRequest, not by the alert: with TLS 1.3 the alert comes after the
// handshake and a reset can overtake it, so the words must not depend on its arrival.
Error missing_client_certificate_error(const ConnectAttempt& attempt) {
  return Error{Exit::tls, handshake_failed(attempt) + ": the broker requires a client certificate",
               "the broker asked for a client certificate (TLS CertificateRequest) and none was given",
               "add --cert FILE and --key FILE with a certificate signed by a CA the broker trusts"};
}

Error alert_error(const ConnectAttempt& attempt, const TlsContext& tls, const std::string& alert) {
  const std::string what = fmt::format("{}: the server refused it ({})", handshake_failed(attempt), alert);
  if (!tls.has_client_certificate() &&
      (alert == "certificate required" || tls.observation().certificate_requested))
    return missing_client_certificate_error(attempt);
  if (tls.has_client_certificate() && rejects_client_certificate(alert))
    return Error{Exit::tls, what,
                 fmt::format("the broker did not accept our client certificate ({}): TLS alert '{}'",
                             client_certificate_text(tls), alert),
                 alert == "certificate expired"
                     ? "renew the client certificate given with --cert"
                     : "use a client certificate (--cert) signed by a CA the broker trusts (its cafile)"};
  if (alert == "protocol version")
    return Error{Exit::tls, what, "the broker and we share no TLS version",
                 "change or drop --tls-version; the broker's tls_version setting decides what it accepts"};
  if (alert == "handshake failure" || alert == "insufficient security")
    return Error{Exit::tls, what, "the broker and we share no TLS version or cipher",
                 "change or drop --tls-version and --ciphers"};
  return Error{Exit::tls, what, fmt::format("the server sent the TLS alert '{}'", alert),
               "check the broker's log and its TLS settings"};
}

// Lowest version we offer, and how the user asked for it.
std::pair<std::string, std::string> our_lowest_version(const TlsContext& tls) {
  if (tls.version_option() == "tlsv1.3") return {"TLSv1.3", "TLS 1.3 (--tls-version tlsv1.3)"};
  if (tls.version_option() == "tlsv1.1") return {"TLSv1.1", "TLS 1.1 or newer (--tls-version tlsv1.1)"};
  if (tls.version_option() == "tlsv1.2") return {"TLSv1.2", "TLS 1.2 or newer (--tls-version tlsv1.2)"};
  return {"TLSv1.2", "TLS 1.2 or newer (the default)"};
}

// "TLSv1.2" -> "tlsv1.2", the spelling of --tls-version.
std::string option_spelling(std::string version) {
  std::transform(version.begin(), version.end(), version.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return version;
}

Error tls_versions_error(const Error& first, const ConnectAttempt& attempt, const PortProbe& probe,
                         const TlsContext& tls) {
  if (probe.tls_versions.empty()) return first;
  const std::pair<std::string, std::string> ours = our_lowest_version(tls);
  const std::string& lowest = ours.first;
  const std::string& asked = ours.second;
  // "TLSv1.1" < "TLSv1.2" < "TLSv1.3" also as strings.
  const bool shared = std::any_of(probe.tls_versions.begin(), probe.tls_versions.end(),
                                  [&](const std::string& version) { return version >= lowest; });
  const std::string accepted = fmt::format("{}", fmt::join(probe.tls_versions, " and "));
  if (!shared) {
    const std::string& newest = probe.tls_versions.front();
    return Error{Exit::tls, handshake_failed(attempt) + ": no TLS version in common",
                 fmt::format("the server accepts {} only, and we ask for {}", accepted, asked),
                 fmt::format("use --tls-version {} (or enable a newer TLS version on the broker)",
                             option_spelling(newest))};
  }
  if (!tls.ciphers_option().empty())
    return Error{Exit::tls, handshake_failed(attempt) + ": no cipher in common",
                 fmt::format("the server accepts {} with OpenSSL's default ciphers, but none of those "
                             "--ciphers '{}' allows",
                             accepted, tls.ciphers_option()),
                 "change --ciphers (openssl ciphers -v lists them), or drop it to offer the defaults"};
  return first;
}

std::string presented_certificate(const PortProbe& probe) {
  if (probe.chain.empty()) return {};
  return fmt::format(", presenting the certificate '{}' issued by '{}'", probe.chain.front().subject,
                     probe.chain.front().issuer);
}

// The connection closed before a word, and a second one too: the broker turns clients away.
Error closes_connections_error(const std::string& where) {
  return Error{Exit::network,
               fmt::format("the broker at {} closes connections as soon as it accepts them", where),
               "it closed our connection without a word, and a second one too: a broker that turns new "
               "clients away does this",
               "see the broker's log for why; mosquitto says \"max_connections exceeded\" (raise "
               "max_connections) or \"denied access by tcpd\" (/etc/hosts.allow and /etc/hosts.deny, which "
               "the user it runs as must be able to read)"};
}

// A plain client was dropped before CONNACK; the second look says what the port speaks.
Error plain_client_dropped_error(const Error& first, const ConnectAttempt& attempt, const PortProbe& probe) {
  const std::string where = attempt.endpoint.text();
  switch (probe.speaks) {
  case PortSpeaks::tls:
    return Error{
        Exit::tls,
        fmt::format("the broker at {} expects TLS: it closed the connection when we spoke plain MQTT", where),
        fmt::format("the port answered a TLS handshake on a second connection{}",
                    presented_certificate(probe)),
        probe.chain.empty()
            ? "add --cafile FILE with the CA that issued the broker's certificate, or "
              "--tls-use-os-certs if a public CA issued it"
            : fmt::format("add --cafile FILE with the certificate of the CA '{}' (or --tls-use-os-certs "
                          "if it is a public CA)",
                          probe.chain.front().issuer)};
  case PortSpeaks::plain_mqtt:
    return Error{Exit::protocol,
                 fmt::format("the broker at {} closed the connection without answering our CONNECT", where),
                 "the port speaks plain MQTT (it answered a second, minimal CONNECT), so the broker refused "
                 "something in ours without saying what",
                 "check the broker's log for this client: its connection limit, the client id (-i), the "
                 "last will (--will-*) or the username may be refused"};
  case PortSpeaks::other:
    return Error{Exit::network, fmt::format("the server at {} does not answer as an MQTT broker", where),
                 "on a second connection the port answered neither a TLS handshake nor a plain MQTT CONNECT",
                 "check that -p is an MQTT port (usually 1883, and 8883 for TLS; a WebSocket port needs "
                 "another client)"};
  case PortSpeaks::closes:
    return closes_connections_error(where);
  case PortSpeaks::unknown:
    break;
  }
  return first;
}

// A TLS handshake ended without a word of TLS; the second look says whether the port speaks MQTT.
Error tls_client_dropped_error(const Error& first, const ConnectAttempt& attempt, const PortProbe& probe) {
  switch (probe.speaks) {
  case PortSpeaks::plain_mqtt:
    return Error{Exit::tls, handshake_failed(attempt) + ": the port speaks plain MQTT, not TLS",
                 "the server closed the connection at our TLS greeting, and answered a plain MQTT CONNECT on "
                 "a second connection",
                 "connect without TLS (drop --cafile, --capath, --cert, --tls-use-os-certs or mqtts://), or "
                 "use the broker's TLS port (usually 8883)"};
  case PortSpeaks::other:
    return Error{
        Exit::tls, handshake_failed(attempt),
        "the server closed the connection at our TLS greeting, and on a second connection did not "
        "answer a plain MQTT CONNECT either",
        "check that -p is an MQTT port (usually 8883 for TLS, 1883 without), and the broker's log: it "
        "may refuse connections"};
  case PortSpeaks::closes:
    return closes_connections_error(attempt.endpoint.text());
  case PortSpeaks::tls:
  case PortSpeaks::unknown:
    break;
  }
  return first;
}

}  // namespace

Error tls_handshake_error(const ConnectAttempt& attempt, const TlsContext& tls) {
  const TlsObservation& seen = tls.observation();
  if (seen.verify_error != 0) return certificate_error(attempt, tls);
  if (seen.certificate_requested && !tls.has_client_certificate())
    return missing_client_certificate_error(attempt);
  if (!seen.alert_received.empty()) return alert_error(attempt, tls, seen.alert_received);
  if (!seen.server_answered)
    return Error{
        Exit::tls, handshake_failed(attempt),
        "the server closed the connection at our TLS greeting without a word of TLS",
        "check that this port serves MQTT over TLS (usually 8883); a plain MQTT port (1883) does this"};
  return Error{
      Exit::tls, handshake_failed(attempt),
      "the server closed the connection during the handshake without saying why",
      "check the broker's log and its TLS settings (openssl s_client -connect HOST:PORT shows more)"};
}

Error port_mismatch_error(const Error& first_diagnosis, const ConnectAttempt& attempt, const PortProbe& probe,
                          const TlsContext* tls) {
  switch (probe.look) {
  case SecondLook::plain_mqtt:
    return tls_client_dropped_error(first_diagnosis, attempt, probe);
  case SecondLook::tls:
    return plain_client_dropped_error(first_diagnosis, attempt, probe);
  case SecondLook::tls_versions:
    return tls ? tls_versions_error(first_diagnosis, attempt, probe, *tls) : first_diagnosis;
  case SecondLook::client_certificate:
    return tls && !probe.alert.empty() ? alert_error(attempt, *tls, probe.alert) : first_diagnosis;
  case SecondLook::none:
    break;
  }
  return first_diagnosis;
}

}  // namespace mq
