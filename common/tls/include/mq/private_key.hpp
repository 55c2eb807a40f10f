#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mq/client_options.hpp"

using EVP_PKEY = struct evp_pkey_st;

namespace mq {

/// Frees an OpenSSL private key.
struct PrivateKeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
/// A private key loaded for a TLS context, whatever held it (a file, a token, an engine).
using PrivateKey = std::unique_ptr<EVP_PKEY, PrivateKeyDeleter>;

/// --key as every message and -d trace shows it: a PKCS#11 URI's PIN (pin-value=) as ****.
std::string masked_key_name(std::string_view key);

/// Whether --key names its key by URI (pkcs11:..., file:..., a provider's scheme) rather than
/// by a file path: a scheme, and no file of that name.
bool is_key_uri(const std::string& key);

/// Loads the private key of `options` (--key, --keyform, --tls-engine, --tls-engine-kpass-sha1):
/// a PEM file; a pkcs11: URI through OpenSSL's store (a provider) or else the pkcs11 engine;
/// another URI through OpenSSL's store; a key id of an engine with --keyform engine. Never
/// prompts. Throws a usage Error when a key file is missing or unreadable, a TLS Error when the
/// key cannot be loaded (not PEM, encrypted, wrong PIN, no such object, engine missing).
PrivateKey load_private_key(const TlsOptions& options);

}  // namespace mq
