#include "mq/tls.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mq/diagnostics.hpp"
#include "mq/error.hpp"
#include "mq/private_key.hpp"
#include "openssl_helpers.hpp"

namespace mq {
namespace {

std::string name_text(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return text;
}

std::string time_text(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return "unknown";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

std::string ip_text(const ASN1_OCTET_STRING* address) {
  char text[INET6_ADDRSTRLEN] = "";
  const int family = address->length == 4 ? AF_INET : AF_INET6;
  if (address->length != 4 && address->length != 16) return "?";
  inet_ntop(family, address->data, text, sizeof text);
  return text;
}

std::string common_name(X509* certificate) {
  const X509_NAME* subject = X509_get_subject_name(certificate);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return {};
  unsigned char* utf8 = nullptr;
  const int length =
      ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
  if (length < 0) return {};
  std::string name(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return name;
}

std::vector<std::string> certificate_names(X509* certificate) {
  std::vector<std::string> names;
  auto* alt_names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; alt_names && i < sk_GENERAL_NAME_num(alt_names); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(alt_names, i);
    if (entry->type == GEN_DNS) {
      const auto* text = ASN1_STRING_get0_data(entry->d.dNSName);
      names.emplace_back(reinterpret_cast<const char*>(text),
                         static_cast<std::size_t>(ASN1_STRING_length(entry->d.dNSName)));
    } else if (entry->type == GEN_IPADD) {
      names.push_back(ip_text(entry->d.iPAddress));
    }
  }
  GENERAL_NAMES_free(alt_names);
  if (names.empty()) {
    if (std::string name = common_name(certificate); !name.empty()) names.push_back(name);
  }
  return names;
}

// OpenSSL reports a key that does not match the certificate as a failure to load the key.
bool is_key_mismatch(unsigned long code) {
  return ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH;
}

Error key_mismatch_error(const std::string& key, const std::string& cert) {
  ERR_clear_error();
  return Error{Exit::tls, fmt::format("--key '{}' does not belong to --cert '{}'", key, cert),
               "the private key does not match the certificate's public key",
               "give the key that was generated with this certificate"};
}

}  // namespace

std::string openssl_error_text() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "OpenSSL gave no reason";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  const char* reason = ERR_reason_error_string(code);
  return reason ? fmt::format("OpenSSL says: {}", reason) : std::string{text};
}

// Opening the file ourselves tells "missing or unreadable" (usage, exit 2) apart from
// "readable but not usable" (TLS, exit 4), which OpenSSL reports alike.
void require_readable_file(const std::string& path, std::string_view option) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    throw usage_error(fmt::format("{} '{}' cannot be read: {}", option, path, std::strerror(errno)),
                      fmt::format("check the path given to {}", option));
  std::fclose(file);
  if (std::filesystem::is_directory(path))  // fopen() opens a directory; reading it fails later
    throw usage_error(fmt::format("{} '{}' is a directory, not a file", option, path),
                      option == "--cafile" ? "give a PEM file, or the directory with --capath"
                                           : fmt::format("give {} a PEM file", option));
}

bool file_contains(const std::string& path, std::string_view text) {
  std::ifstream file{path, std::ios::binary};
  std::ostringstream content;
  content << file.rdbuf();
  return content.str().find(text) != std::string::npos;
}

// OpenSSL 3.0 names the alerts TLS 1.3 added "unknown"; these are RFC 8446's names.
std::string tls_alert_name(int value) {
  switch (value & 0xFF) {
  case 109:
    return "missing extension";
  case 112:
    return "unrecognized name";
  case 115:
    return "unknown PSK identity";
  case 116:
    return "certificate required";
  case 120:
    return "no application protocol";
  default:
    return SSL_alert_desc_string_long(value);
  }
}

namespace {

// Handshake message names for the -d trace (RFC 8446 and 5246 numbering).
const char* handshake_message_name(int type) {
  switch (type) {
  case SSL3_MT_CLIENT_HELLO:
    return "ClientHello";
  case SSL3_MT_SERVER_HELLO:
    return "ServerHello";
  case SSL3_MT_NEWSESSION_TICKET:
    return "NewSessionTicket";
  case SSL3_MT_ENCRYPTED_EXTENSIONS:
    return "EncryptedExtensions";
  case SSL3_MT_CERTIFICATE:
    return "Certificate";
  case SSL3_MT_SERVER_KEY_EXCHANGE:
    return "ServerKeyExchange";
  case SSL3_MT_CERTIFICATE_REQUEST:
    return "CertificateRequest";
  case SSL3_MT_SERVER_DONE:
    return "ServerHelloDone";
  case SSL3_MT_CERTIFICATE_VERIFY:
    return "CertificateVerify";
  case SSL3_MT_CLIENT_KEY_EXCHANGE:
    return "ClientKeyExchange";
  case SSL3_MT_FINISHED:
    return "Finished";
  case SSL3_MT_KEY_UPDATE:
    return "KeyUpdate";
  default:
    return "handshake message";
  }
}

void require_readable_directory(const std::string& path, std::string_view option) {
  DIR* directory = opendir(path.c_str());
  if (directory == nullptr)
    throw usage_error(fmt::format("{} '{}' cannot be read: {}", option, path, std::strerror(errno)),
                      fmt::format("give {} a directory of hashed CA files (see openssl rehash)", option));
  closedir(directory);
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

std::vector<unsigned char> decode_hex(const std::string& hex) {
  if (hex.empty() || hex.size() % 2 != 0 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    throw usage_error(fmt::format("--psk '{}' is not an even number of hexadecimal digits", hex),
                      "give the key as hex, e.g. --psk 1a2b3c4d");
  std::vector<unsigned char> bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    bytes.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

std::string alpn_wire_format(const std::string& protocols) {
  std::string wire;
  std::istringstream list{protocols};
  for (std::string name; std::getline(list, name, ',');) {
    if (name.empty() || name.size() > 255)
      throw usage_error(fmt::format("--tls-alpn '{}' has an empty or too long protocol name", protocols));
    wire += static_cast<char>(name.size());
    wire += name;
  }
  return wire;
}

}  // namespace

// OpenSSL calls these with C linkage in mind: they never throw.
struct TlsCallbacks {
  static TlsContext* owner(const SSL* ssl) {
    return static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  }

  static int verify(int preverify_ok, X509_STORE_CTX* store) {
    const auto* ssl =
        static_cast<const SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    TlsObservation& observed = owner(ssl)->observed_;
    X509* certificate = X509_STORE_CTX_get_current_cert(store);
    const int depth = X509_STORE_CTX_get_error_depth(store);
    record_chain(observed, store);
    if (!preverify_ok && observed.verify_error == 0) {
      observed.verify_error = X509_STORE_CTX_get_error(store);
      observed.verify_error_depth = depth;
      if (certificate) observed.rejected_certificate = certificate_facts(certificate);
    }
    return preverify_ok;
  }

  // OpenSSL verifies from the root down and stops at the first failure, so the leaf may never
  // get its own call: record what the chain holds so far, leaf first.
  static void record_chain(TlsObservation& observed, X509_STORE_CTX* store) {
    if (observed.chain.empty()) {
      if (X509* leaf = X509_STORE_CTX_get0_cert(store)) observed.chain.push_back(certificate_facts(leaf));
    }
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store);
    for (int i = static_cast<int>(observed.chain.size()); chain && i < sk_X509_num(chain) && i < 16; ++i)
      observed.chain.push_back(certificate_facts(sk_X509_value(chain, i)));
  }

  // Only fatal alerts explain a failure: close_notify is how a TLS connection ends normally.
  static void info(const SSL* ssl, int where, int value) {
    TlsContext& context = *owner(ssl);
    TlsObservation& observed = context.observed_;
    if (where & SSL_CB_HANDSHAKE_START) name_the_server(const_cast<SSL*>(ssl), context.sni_name_);
    if (where & SSL_CB_ALERT) {
      const bool received = (where & SSL_CB_READ) != 0;
      const std::string alert = tls_alert_name(value);
      diag::debug("TLS alert {}: {}", received ? "received" : "sent", alert);
      std::string& slot = received ? observed.alert_received : observed.alert_sent;
      if ((value >> 8) == SSL3_AL_FATAL && slot.empty()) slot = alert;
    }
    if ((where & SSL_CB_HANDSHAKE_DONE) && !observed.handshake_done) {
      observed.handshake_done = true;
      observed.version = SSL_get_version(ssl);
      observed.cipher = SSL_get_cipher_name(ssl);
      trace_handshake(ssl, observed);
    }
  }

  // libmosquitto names the server (SNI) with the host it connects to, which is the numeric
  // address the session's address loop chose: the name the user gave goes in its place, before
  // the ClientHello is written. An IP address is no server name (RFC 6066), so it sends none.
  static void name_the_server(SSL* ssl, const std::string& name) {
    SSL_set_tlsext_host_name(ssl, name.empty() ? nullptr : const_cast<char*>(name.c_str()));
  }

  static void trace_handshake(const SSL* ssl, const TlsObservation& observed) {
    if (!diag::debugging()) return;
    const unsigned char* alpn = nullptr;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_length);
    diag::debug("TLS handshake done: {}, cipher {}{}", observed.version, observed.cipher,
                alpn_length ? fmt::format(", ALPN {}",
                                          std::string_view{reinterpret_cast<const char*>(alpn), alpn_length})
                            : std::string{});
    for (std::size_t depth = 0; depth < observed.chain.size(); ++depth)
      diag::debug("TLS certificate [{}]: {}", depth, describe_certificate(observed.chain[depth]));
  }

  // Sees every handshake message and alert: proof that the server speaks TLS, whether it
  // asked for a client certificate, and the -d trace of the handshake.
  static void message(int write_p, int, int content_type, const void* bytes, std::size_t length, SSL* ssl,
                      void*) {
    if (content_type != SSL3_RT_HANDSHAKE && content_type != SSL3_RT_ALERT) return;
    TlsObservation& observed = owner(ssl)->observed_;
    if (!write_p) observed.server_answered = true;
    if (content_type != SSL3_RT_HANDSHAKE || length == 0) return;
    const int type = static_cast<const unsigned char*>(bytes)[0];
    if (!write_p && type == SSL3_MT_CERTIFICATE_REQUEST) observed.certificate_requested = true;
    diag::debug("TLS {} {}", write_p ? "sent" : "received", handshake_message_name(type));
  }

  static unsigned int psk(SSL* ssl, const char*, char* identity, unsigned int max_identity_length,
                          unsigned char* key, unsigned int max_key_length) {
    const TlsContext* self = owner(ssl);
    if (self->psk_identity_.size() + 1 > max_identity_length || self->psk_.size() > max_key_length) return 0;
    std::memcpy(identity, self->psk_identity_.c_str(), self->psk_identity_.size() + 1);
    std::memcpy(key, self->psk_.data(), self->psk_.size());
    return static_cast<unsigned int>(self->psk_.size());
  }

  // A failed write is kept for the session to report once connected (exit 10): keys that
  // were asked for are not lost silently.
  static void keylog(const SSL* ssl, const char* line) {
    TlsContext* self = owner(ssl);
    if (!self->keylog_ || self->keylog_failure_) return;
    try {
      self->keylog_->write(std::string{line} + "\n");
    } catch (const Error& failure) {
      self->keylog_failure_ = failure;
    } catch (const std::exception& unexpected) {
      self->keylog_failure_ =
          Error{Exit::internal, "the TLS key log could not be written", unexpected.what()};
    }
  }
};

CertificateFacts certificate_facts(X509* certificate) {
  return {name_text(X509_get_subject_name(certificate)), name_text(X509_get_issuer_name(certificate)),
          time_text(X509_get0_notBefore(certificate)), time_text(X509_get0_notAfter(certificate)),
          certificate_names(certificate)};
}

std::string describe_certificate(const CertificateFacts& certificate) {
  return fmt::format("subject '{}', issuer '{}', valid {} to {}, names: {}", certificate.subject,
                     certificate.issuer, certificate.not_before, certificate.not_after,
                     certificate.names.empty() ? "none"
                                               : fmt::format("{}", fmt::join(certificate.names, ", ")));
}

TlsContext::TlsContext(const TlsOptions& options, std::string server_name)
    : context_(SSL_CTX_new(TLS_client_method())), server_name_(std::move(server_name)),
      sni_name_(is_ip_address(server_name_) ? std::string{} : server_name_) {
  if (context_ == nullptr) throw Error{Exit::internal, "OpenSSL could not create a TLS context"};
  try {
    SSL_CTX_set_app_data(context_, this);
    SSL_CTX_set_info_callback(context_, TlsCallbacks::info);
    SSL_CTX_set_msg_callback(context_, TlsCallbacks::message);
    configure_versions(options);
    configure_ciphers_and_alpn(options);
    if (options.psk)
      configure_psk(options);
    else
      configure_trust(options);
    if (options.cert) configure_client_certificate(options);
    if (options.keylog) {
      keylog_ = options.keylog;
      SSL_CTX_set_keylog_callback(context_, TlsCallbacks::keylog);
    }
  } catch (...) {
    SSL_CTX_free(context_);
    throw;
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(context_); }

void TlsContext::start_handshake() { observed_ = TlsObservation{}; }

void TlsContext::record_library_error(std::string text) {
  observed_.library_errors.push_back(std::move(text));
}

void TlsContext::configure_versions(const TlsOptions& options) {
  version_option_ = options.version;
  int lowest = TLS1_2_VERSION;
  if (options.version == "tlsv1.3") lowest = TLS1_3_VERSION;
  if (options.version == "tlsv1.1") {
    lowest = TLS1_1_VERSION;
    SSL_CTX_set_security_level(context_, 0);  // OpenSSL 3 refuses TLS 1.1 at the default level
  }
  SSL_CTX_set_min_proto_version(context_, lowest);
}

void TlsContext::configure_ciphers_and_alpn(const TlsOptions& options) {
  ciphers_option_ = options.ciphers;
  if (!options.ciphers.empty() && SSL_CTX_set_cipher_list(context_, options.ciphers.c_str()) != 1) {
    ERR_clear_error();
    throw usage_error(fmt::format("--ciphers '{}' names no cipher OpenSSL knows", options.ciphers),
                      "list the available names with: openssl ciphers");
  }
  if (!options.alpn.empty()) {
    const std::string wire = alpn_wire_format(options.alpn);
    SSL_CTX_set_alpn_protos(context_, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned int>(wire.size()));
  }
}

void TlsContext::configure_psk(const TlsOptions& options) {
  psk_ = decode_hex(*options.psk);
  psk_identity_ = options.psk_identity.value_or("");
  trust_source_ = "a pre-shared key (--psk)";
  SSL_CTX_set_psk_client_callback(context_, TlsCallbacks::psk);
  if (options.ciphers.empty()) SSL_CTX_set_cipher_list(context_, "PSK:DEFAULT");
  SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
}

void TlsContext::configure_trust(const TlsOptions& options) {
  std::vector<std::string> sources;
  if (options.cafile) {
    require_readable_file(*options.cafile, "--cafile");
    if (SSL_CTX_load_verify_file(context_, options.cafile->c_str()) != 1)
      throw Error{
          Exit::tls, fmt::format("--cafile '{}' holds no usable CA certificate", *options.cafile),
          openssl_error_text(),
          "give a PEM file (-----BEGIN CERTIFICATE-----) of the CA that signed the broker's certificate"};
    sources.push_back(fmt::format("--cafile {}", *options.cafile));
  }
  if (options.capath) {
    require_readable_directory(*options.capath, "--capath");
    SSL_CTX_load_verify_dir(context_, options.capath->c_str());
    sources.push_back(fmt::format("--capath {}", *options.capath));
  }
  if (options.use_os_certs || sources.empty()) {
    SSL_CTX_set_default_verify_paths(context_);
    sources.emplace_back(options.use_os_certs ? "the system CA store (--tls-use-os-certs)"
                                              : "the system CA store (no --cafile given)");
  }
  trust_source_ = fmt::format("{}", fmt::join(sources, " and "));
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, TlsCallbacks::verify);
  if (options.insecure) {
    server_name_.clear();
    return;
  }
  X509_VERIFY_PARAM* checks = SSL_CTX_get0_param(context_);
  X509_VERIFY_PARAM_set_hostflags(checks, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (is_ip_address(server_name_))
    X509_VERIFY_PARAM_set1_ip_asc(checks, server_name_.c_str());
  else
    X509_VERIFY_PARAM_set1_host(checks, server_name_.c_str(), server_name_.size());
}

void TlsContext::configure_client_certificate(const TlsOptions& options) {
  const std::string& cert = *options.cert;
  require_readable_file(cert, "--cert");
  const PrivateKey key = load_private_key(options);
  if (SSL_CTX_use_certificate_chain_file(context_, cert.c_str()) != 1)
    throw Error{Exit::tls, fmt::format("--cert '{}' is not a usable certificate", cert), openssl_error_text(),
                "give the client certificate as a PEM file (-----BEGIN CERTIFICATE-----)"};
  const std::string key_name = masked_key_name(options.key.value_or(cert));
  if (SSL_CTX_use_PrivateKey(context_, key.get()) != 1) {
    if (is_key_mismatch(ERR_peek_last_error())) throw key_mismatch_error(key_name, cert);
    throw Error{Exit::tls, fmt::format("--key '{}' cannot sign for a TLS client", key_name),
                openssl_error_text(), "give the private key of --cert"};
  }
  if (SSL_CTX_check_private_key(context_) != 1) throw key_mismatch_error(key_name, cert);
  client_certificate_ = certificate_facts(SSL_CTX_get0_certificate(context_));
}

}  // namespace mq
