// The one place a client's private key is loaded: PEM files, PKCS#11 URIs, OpenSSL store URIs
// and keys held by an engine (mosquitto's --keyform engine). OpenSSL 3 deprecates engines, but
// Debian 12 packages no PKCS#11 provider, only libp11's engine: a pkcs11: URI goes to a provider
// when openssl.cnf configures one, else to that engine.
#define OPENSSL_SUPPRESS_DEPRECATED  // ENGINE_*: the only way to a token on Debian 12

#include "mq/private_key.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <vector>

#include "mq/diagnostics.hpp"
#include "mq/error.hpp"
#include "openssl_helpers.hpp"

namespace mq {

void PrivateKeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

namespace {

constexpr std::string_view pkcs11_scheme = "pkcs11:";
constexpr std::string_view file_scheme = "file:";
constexpr std::string_view pin_attribute = "pin-value=";
constexpr const char* pkcs11_engine = "pkcs11";
// PKCS#11 return values (CKR_*) libp11 leaves as the reason of its "PKCS#11 module" errors.
constexpr int ckr_pin_incorrect = 0xA0;
constexpr int ckr_pin_len_range = 0xA2;
constexpr int ckr_pin_locked = 0xA4;
// mosquitto's engine controls for --tls-engine-kpass-sha1 (lib/net_mosq.h).
constexpr const char* engine_secret_mode = "SECRET_MODE";
constexpr long engine_secret_mode_sha = 0x1000;
constexpr const char* engine_pin = "PIN";

bool starts_with_scheme(const std::string& key) {
  const std::size_t colon = key.find(':');
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(key[0])))
    return false;
  for (std::size_t i = 1; i < colon; ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool is_pkcs11_uri(const std::string& key) { return key.starts_with(pkcs11_scheme); }

// One error OpenSSL queued, with the library's name (engines register theirs at run time).
struct QueuedError {
  unsigned long code = 0;
  std::string library;
  int reason = 0;
  std::string reason_text;
};

std::vector<QueuedError> take_queued_errors() {
  std::vector<QueuedError> errors;
  while (const unsigned long code = ERR_get_error()) {
    const char* library = ERR_lib_error_string(code);
    const char* reason = ERR_reason_error_string(code);
    errors.push_back({code, library ? library : "", ERR_GET_REASON(code), reason ? reason : ""});
  }
  return errors;
}

bool any_error(const std::vector<QueuedError>& errors, std::string_view library, int reason) {
  for (const QueuedError& error : errors)
    if (error.library == library && error.reason == reason) return true;
  return false;
}

bool any_error_text(const std::vector<QueuedError>& errors, std::string_view library, std::string_view text) {
  for (const QueuedError& error : errors)
    if (error.library == library && (text.empty() || error.reason_text == text)) return true;
  return false;
}

// The last error is the most specific one OpenSSL queued.
std::string last_reason(const std::vector<QueuedError>& errors) {
  if (errors.empty()) return "OpenSSL gave no reason";
  const QueuedError& last = errors.back();
  if (!last.reason_text.empty()) return fmt::format("OpenSSL says: {}", last.reason_text);
  char text[256];
  ERR_error_string_n(last.code, text, sizeof text);
  return fmt::format("OpenSSL says: {}", text);
}

// A token or store that wants a PIN or passphrase asks through this: it answers nothing, so
// that mq never blocks a script on a prompt, and the failure is explained instead.
int refuse_to_prompt(UI*, UI_STRING*) { return 0; }

struct UiMethodDeleter {
  void operator()(UI_METHOD* method) const { UI_destroy_method(method); }
};
using NoPrompt = std::unique_ptr<UI_METHOD, UiMethodDeleter>;

NoPrompt no_prompt() {
  NoPrompt method{UI_create_method("mq: no prompt")};
  if (!method) throw Error{Exit::internal, "OpenSSL could not create a UI method"};
  UI_method_set_reader(method.get(), refuse_to_prompt);
  return method;
}

int refuse_passphrase(char*, int, int, void*) { return 0; }

PrivateKey load_pem_file(const std::string& path) {
  require_readable_file(path, "--key");
  BIO* file = BIO_new_file(path.c_str(), "r");
  if (file == nullptr)
    throw Error{Exit::tls, fmt::format("--key '{}' cannot be opened", path), openssl_error_text()};
  PrivateKey key{PEM_read_bio_PrivateKey(file, nullptr, refuse_passphrase, nullptr)};
  BIO_free(file);
  if (key) return key;
  const std::string reason = openssl_error_text();
  if (file_contains(path, "ENCRYPTED"))
    throw Error{Exit::tls, fmt::format("--key '{}' is encrypted with a passphrase", path),
                "mq does not prompt for key passphrases, so that it never blocks a script",
                fmt::format("write an unencrypted copy: openssl pkey -in {} -out client-plain.key", path)};
  throw Error{Exit::tls, fmt::format("--key '{}' is not a usable private key", path), reason,
              "give the private key as a PEM file (-----BEGIN PRIVATE KEY-----), a pkcs11: URI, or a key "
              "URI OpenSSL opens"};
}

std::string engines_directory() {
  if (const char* set = std::getenv("OPENSSL_ENGINES")) return set;
  const std::string text = OpenSSL_version(OPENSSL_ENGINES_DIR);  // ENGINESDIR: "/usr/lib/..."
  const std::size_t open = text.find('"');
  const std::size_t close = text.rfind('"');
  return open != std::string::npos && close > open ? text.substr(open + 1, close - open - 1) : text;
}

// A functional reference to an engine: found, quietened, initialised; released at the end.
class Engine {
public:
  explicit Engine(const std::string& id) : id_(id), engine_(ENGINE_by_id(id.c_str())) {
    if (engine_ == nullptr) throw missing_engine_error();
    ENGINE_ctrl_cmd(engine_, "QUIET", 0, nullptr, nullptr, 1);  // libp11 would print on stderr
    ERR_clear_error();
    if (ENGINE_init(engine_) != 1) {
      const std::string reason = openssl_error_text();
      ENGINE_free(engine_);
      throw Error{Exit::tls, fmt::format("OpenSSL engine '{}' (--tls-engine) could not start", id_), reason,
                  fmt::format("check the engine and its device with: openssl engine -t {}", id_)};
    }
  }
  ~Engine() {
    ENGINE_finish(engine_);
    ENGINE_free(engine_);
  }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  ENGINE* native() const { return engine_; }
  const std::string& id() const { return id_; }

private:
  Error missing_engine_error() const {
    ERR_clear_error();
    const bool pkcs11 = id_ == pkcs11_engine;
    return Error{
        Exit::tls, fmt::format("OpenSSL has no engine '{}'", id_),
        fmt::format("no engine of that id is built into OpenSSL or installed in {}", engines_directory()),
        pkcs11 ? "install the PKCS#11 engine: apt-get install libengine-pkcs11-openssl"
               : fmt::format("install the engine, or check the id with: openssl engine -t {}", id_)};
  }

  std::string id_;
  ENGINE* engine_;
};

// mosquitto's --tls-engine-kpass-sha1: the engine gets the SHA-1 of the key's password through
// its SECRET_MODE and PIN controls (TPM engines have them; libp11's pkcs11 engine does not).
void give_password_sha1(const Engine& engine, const std::string& hex) {
  std::string sha1;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    sha1 += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  ERR_clear_error();
  if (ENGINE_ctrl_cmd(engine.native(), engine_secret_mode, engine_secret_mode_sha, nullptr, nullptr, 0) !=
      1) {
    ERR_clear_error();
    throw Error{
        Exit::tls,
        fmt::format("engine '{}' takes no key password SHA-1 (--tls-engine-kpass-sha1)", engine.id()),
        fmt::format("the engine has no {} control, which mosquitto's option needs (TPM engines have it)",
                    engine_secret_mode),
        engine.id() == pkcs11_engine
            ? "drop --tls-engine-kpass-sha1 and put the PIN in the key's URI (pin-value= or pin-source=)"
            : "drop --tls-engine-kpass-sha1"};
  }
  if (ENGINE_ctrl_cmd(engine.native(), engine_pin, 0, sha1.data(), nullptr, 0) != 1) {
    const std::string reason = openssl_error_text();
    throw Error{Exit::tls, fmt::format("engine '{}' refused the key password SHA-1", engine.id()), reason,
                "check --tls-engine-kpass-sha1: the SHA-1 of the key's password, in hex"};
  }
}

Error engine_key_error(const Engine& engine, const std::string& shown,
                       const std::vector<QueuedError>& errors) {
  const std::string where = fmt::format("--key '{}'", shown);
  const char* token_module = "PKCS#11 module";
  if (any_error(errors, token_module, ckr_pin_incorrect) ||
      any_error(errors, token_module, ckr_pin_len_range))
    return Error{Exit::tls, fmt::format("the PKCS#11 token refused the PIN of {}", where),
                 "the token answered that the PIN is incorrect (a token locks itself after a few wrong PINs)",
                 "give the token's user PIN in the URI: pin-value=PIN, or pin-source=FILE"};
  if (any_error(errors, token_module, ckr_pin_locked))
    return Error{Exit::tls, fmt::format("the PKCS#11 token of {} is locked", where),
                 "the token answered that its user PIN is locked, after too many wrong PINs",
                 "unblock the PIN with the security officer's PIN (e.g. pkcs11-tool --init-pin --login "
                 "--login-type so)"};
  if (any_error_text(errors, "UI routines", ""))
    return Error{Exit::tls, fmt::format("{} needs the token's PIN", where),
                 "the token asked for a PIN, and mq does not prompt, so that it never blocks a script",
                 "add the PIN to the URI: pkcs11:...?pin-value=PIN, or ?pin-source=FILE"};
  if (any_error_text(errors, "pkcs11 engine", "object not found"))
    return Error{Exit::tls, fmt::format("no private key matches {}", where),
                 "no token holds a private key object with the URI's token, object (label) and id",
                 "list the token's keys and copy one's URI: p11tool --list-privkeys --login "
                 "'pkcs11:token=NAME' (gnutls-bin), or pkcs11-tool --list-objects --login (opensc)"};
  return Error{Exit::tls, fmt::format("engine '{}' could not load {}", engine.id(), where),
               last_reason(errors),
               fmt::format("check the key id with the engine's tools (openssl engine -t {})", engine.id())};
}

PrivateKey load_engine_key(const std::string& engine_id, const std::string& key, const TlsOptions& options) {
  const std::string shown = masked_key_name(key);
  diag::debug("TLS private key {} from OpenSSL engine {}", shown, engine_id);
  const Engine engine{engine_id};
  if (options.engine_kpass_sha1) give_password_sha1(engine, *options.engine_kpass_sha1);
  const NoPrompt ui = no_prompt();
  ERR_clear_error();
  PrivateKey loaded{ENGINE_load_private_key(engine.native(), key.c_str(), ui.get(), nullptr)};
  if (!loaded) throw engine_key_error(engine, shown, take_queued_errors());
  ERR_clear_error();
  return loaded;
}

struct StoreDeleter {
  void operator()(OSSL_STORE_CTX* store) const { OSSL_STORE_close(store); }
};
using Store = std::unique_ptr<OSSL_STORE_CTX, StoreDeleter>;

PrivateKey first_private_key(OSSL_STORE_CTX* store) {
  OSSL_STORE_expect(store, OSSL_STORE_INFO_PKEY);
  while (!OSSL_STORE_eof(store)) {
    OSSL_STORE_INFO* info = OSSL_STORE_load(store);
    if (info == nullptr) {
      if (OSSL_STORE_error(store)) break;
      continue;
    }
    PrivateKey key{OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY ? OSSL_STORE_INFO_get1_PKEY(info)
                                                                          : nullptr};
    OSSL_STORE_INFO_free(info);
    if (key) return key;
  }
  return nullptr;
}

// Through OpenSSL 3's store: its file: loader and any provider openssl.cnf loads (e.g. a
// PKCS#11 provider). Nothing when no loader knows the URI's scheme.
std::optional<PrivateKey> load_store_key(const std::string& uri) {
  const std::string shown = masked_key_name(uri);
  if (uri.starts_with(file_scheme)) {  // a missing file is a usage error, as with a path
    const std::string path = uri.substr(file_scheme.size());
    require_readable_file(path.starts_with("//") ? path.substr(2) : path, "--key");
  }
  const NoPrompt ui = no_prompt();
  ERR_clear_error();
  const Store store{OSSL_STORE_open(uri.c_str(), ui.get(), nullptr, nullptr, nullptr)};
  if (!store) {
    const std::vector<QueuedError> errors = take_queued_errors();
    // OpenSSL tries its file loader first, and then the scheme, which no loader may know.
    const bool unregistered = std::any_of(errors.begin(), errors.end(), [](const QueuedError& error) {
      return ERR_GET_LIB(error.code) == ERR_LIB_OSSL_STORE &&
             error.reason == OSSL_STORE_R_UNREGISTERED_SCHEME;
    });
    if (unregistered && !uri.starts_with(file_scheme)) return std::nullopt;
    throw Error{Exit::tls, fmt::format("--key '{}' could not be opened", shown), last_reason(errors),
                "check the URI; a file: URI names an absolute path (file:/path/key.pem)"};
  }
  diag::debug("TLS private key {} from OpenSSL's store", shown);
  PrivateKey key = first_private_key(store.get());
  if (!key)
    throw Error{Exit::tls, fmt::format("--key '{}' holds no private key OpenSSL can use", shown),
                openssl_error_text(), "give the URI of a private key (not of a certificate or public key)"};
  ERR_clear_error();
  return key;
}

Error unknown_scheme_error(const std::string& key) {
  const std::string scheme = key.substr(0, key.find(':'));
  return Error{
      Exit::tls, fmt::format("--key '{}': no OpenSSL loader opens {}: URIs", masked_key_name(key), scheme),
      fmt::format("there is no file of that name, and neither OpenSSL nor a provider that openssl.cnf "
                  "loads registers the scheme '{}'",
                  scheme),
      "give a PEM file, a pkcs11: URI, or load the provider for that scheme in openssl.cnf"};
}

}  // namespace

std::string masked_key_name(std::string_view key) {
  std::string shown{key};
  for (std::size_t at = shown.find(pin_attribute); at != std::string::npos;
       at = shown.find(pin_attribute, at + 1)) {
    const std::size_t start = at + pin_attribute.size();
    const std::size_t end = shown.find_first_of(";&?", start);
    shown.replace(start, end == std::string::npos ? std::string::npos : end - start, "****");
  }
  return shown;
}

bool is_key_uri(const std::string& key) {
  if (is_pkcs11_uri(key)) return true;
  std::error_code ignored;
  return starts_with_scheme(key) && !std::filesystem::exists(key, ignored);
}

PrivateKey load_private_key(const TlsOptions& options) {
  const std::string& key = options.key ? *options.key : options.cert.value_or("");
  if (options.keyform == "engine") return load_engine_key(options.engine.value_or(""), key, options);
  if (!is_key_uri(key)) {
    if (options.engine) (void)Engine{*options.engine};  // mosquitto refuses an engine it cannot load
    return load_pem_file(key);
  }
  if (is_pkcs11_uri(key) && options.engine) return load_engine_key(*options.engine, key, options);
  if (std::optional<PrivateKey> stored = load_store_key(key)) return std::move(*stored);
  if (is_pkcs11_uri(key)) return load_engine_key(pkcs11_engine, key, options);
  throw unknown_scheme_error(key);
}

}  // namespace mq
