#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mq/client_options.hpp"
#include "mq/error.hpp"
#include "mq/output_file.hpp"

using SSL_CTX = struct ssl_ctx_st;
using X509 = struct x509_st;

namespace mq {

/// Facts about one certificate, in the words a diagnostic prints.
struct CertificateFacts {
  std::string subject;  // RFC 2253, e.g. "CN=broker.example,O=Example"
  std::string issuer;
  std::string not_before;  // "2026-10-01 12:00:00 UTC"
  std::string not_after;
  std::vector<std::string> names;  // subjectAltName DNS and IP entries, else the CN
};

/// What one TLS handshake revealed, recorded by OpenSSL callbacks as it happens.
struct TlsObservation {
  int verify_error = 0;  // first X509_V_ERR_* seen, 0 if none
  int verify_error_depth = 0;
  std::optional<CertificateFacts> rejected_certificate;  // the certificate verify_error is about
  std::vector<CertificateFacts> chain;                   // as presented, leaf first
  std::string alert_received;          // fatal alert the server sent, e.g. "certificate required"
  std::string alert_sent;              // fatal alert we sent, e.g. "unknown CA"
  bool server_answered = false;        // the server sent a TLS handshake message or alert: it speaks TLS
  bool certificate_requested = false;  // the server sent CertificateRequest: it wants a client certificate
  bool handshake_done = false;
  std::string version;  // negotiated, e.g. "TLSv1.3"
  std::string cipher;
  std::vector<std::string> library_errors;  // OpenSSL errors libmosquitto logged
};

/// Describes a certificate on one line: subject, issuer, validity and names.
std::string describe_certificate(const CertificateFacts& certificate);

/// The name of a TLS alert (the `value` of OpenSSL's info callback, or its description byte),
/// including those TLS 1.3 added, e.g. "certificate required".
std::string tls_alert_name(int value);

/// Reads the facts a diagnostic prints from an OpenSSL certificate.
CertificateFacts certificate_facts(X509* certificate);

/// The OpenSSL context a session hands to libmosquitto (MOSQ_OPT_SSL_CTX without defaults):
/// trust, client certificate, versions, ciphers, ALPN, PSK and the host-name check are set here,
/// and each handshake's facts are recorded for diagnostics.
class TlsContext {
public:
  /// Builds the context for connecting to `server_name`. Throws a usage Error when a file
  /// option names a missing or unreadable file, a TLS Error when a readable file is unusable.
  TlsContext(const TlsOptions& options, std::string server_name);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  /// The SSL_CTX for MOSQ_OPT_SSL_CTX; libmosquitto takes its own reference.
  SSL_CTX* native() const { return context_; }
  /// Forgets the previous handshake; call before each connection attempt.
  void start_handshake();
  /// The facts of the current or last handshake.
  const TlsObservation& observation() const { return observed_; }
  /// The name the server's certificate must carry ("" with --insecure).
  const std::string& server_name() const { return server_name_; }
  /// Where trust comes from, for messages: "--cafile ca.pem", "the system CA store", ...
  const std::string& trust_source() const { return trust_source_; }
  /// Whether we present a client certificate (--cert).
  bool has_client_certificate() const { return client_certificate_.has_value(); }
  /// The client certificate we present (--cert), if any.
  const std::optional<CertificateFacts>& client_certificate() const { return client_certificate_; }
  /// The --tls-version and --ciphers given, for messages ("" when not given).
  const std::string& version_option() const { return version_option_; }
  const std::string& ciphers_option() const { return ciphers_option_; }
  /// Keeps an error line libmosquitto logged about the handshake (OpenSSL's reason).
  void record_library_error(std::string text);
  /// Whether a pre-shared key replaces certificates.
  bool uses_psk() const { return !psk_.empty(); }
  /// Why the --tls-keylog file could not be written (set by a handshake), or null.
  const Error* keylog_failure() const { return keylog_failure_ ? &*keylog_failure_ : nullptr; }

private:
  friend struct TlsCallbacks;
  void configure_versions(const TlsOptions& options);
  void configure_trust(const TlsOptions& options);
  void configure_client_certificate(const TlsOptions& options);
  void configure_ciphers_and_alpn(const TlsOptions& options);
  void configure_psk(const TlsOptions& options);

  SSL_CTX* context_ = nullptr;
  std::string server_name_;
  std::string sni_name_;  // the name sent in the ClientHello (SNI), "" for an IP address
  std::string trust_source_;
  std::optional<CertificateFacts> client_certificate_;
  std::string version_option_;
  std::string ciphers_option_;
  std::vector<unsigned char> psk_;
  std::string psk_identity_;
  TlsObservation observed_;
  std::shared_ptr<OutputFile> keylog_;   // --tls-keylog, opened by finalize_client_options
  std::optional<Error> keylog_failure_;  // its first write failure
};

}  // namespace mq
