#include "password_hash.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "mq/base64.hpp"
#include "mq/error.hpp"

namespace mq::password {
namespace {

constexpr std::string_view sha512_prefix = "$6$";
constexpr std::string_view pbkdf2_prefix = "$7$";

[[noreturn]] void openssl_failed(std::string_view what) {
  throw Error{Exit::internal, fmt::format("OpenSSL could not {}", what),
              "the crypto library refused a call that cannot fail on a working system",
              "check the OpenSSL installation (openssl version) and report it"};
}

std::vector<unsigned char> sha512_digest(std::string_view password, std::span<const unsigned char> salt) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  std::vector<unsigned char> digest(digest_size);
  unsigned int length = 0;
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha512(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), password.data(), password.size()) != 1 ||
      EVP_DigestUpdate(context.get(), salt.data(), salt.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1 || length != digest_size)
    openssl_failed("compute a SHA-512 digest");
  return digest;
}

std::vector<unsigned char> pbkdf2_digest(std::string_view password, std::span<const unsigned char> salt,
                                         int iterations) {
  std::vector<unsigned char> digest(digest_size);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha512(),
                        static_cast<int>(digest_size), digest.data()) != 1)
    openssl_failed("compute a PBKDF2-HMAC-SHA512 hash");
  return digest;
}

// Splits "a$b$c" into its fields.
std::vector<std::string_view> fields_of(std::string_view text) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto dollar = text.find('$');
    fields.push_back(text.substr(0, dollar));
    if (dollar == std::string_view::npos) return fields;
    text.remove_prefix(dollar + 1);
  }
}

std::optional<int> parse_iterations(std::string_view text) {
  int value = 0;
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

ParsedHash problem(std::string text) { return ParsedHash{std::nullopt, std::move(text)}; }

std::string encode(const std::vector<unsigned char>& bytes) {
  return base64_encode(std::string_view{reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

std::optional<std::vector<unsigned char>> decode(std::string_view text) {
  const std::optional<std::string> bytes = base64_decode(text);
  if (!bytes) return std::nullopt;
  return std::vector<unsigned char>(bytes->begin(), bytes->end());
}

// Decodes the salt and digest fields shared by both hash types.
ParsedHash decode_salt_and_digest(Hash hash, std::string_view salt, std::string_view digest) {
  auto salt_bytes = decode(salt);
  if (!salt_bytes || salt_bytes->empty()) return problem("its salt is not standard base64");
  auto digest_bytes = decode(digest);
  if (!digest_bytes) return problem("its hash is not standard base64");
  if (digest_bytes->size() != digest_size)
    return problem(fmt::format("its hash is {} bytes long instead of {}", digest_bytes->size(), digest_size));
  hash.salt = std::move(*salt_bytes);
  hash.digest = std::move(*digest_bytes);
  return ParsedHash{std::move(hash), {}};
}

}  // namespace

std::string_view hash_type_name(HashType type) {
  return type == HashType::sha512 ? "sha512" : "sha512-pbkdf2";
}

std::optional<HashType> hash_type_from_name(std::string_view name) {
  if (name == "sha512") return HashType::sha512;
  if (name == "sha512-pbkdf2") return HashType::sha512_pbkdf2;
  return std::nullopt;
}

Hash hash_password(std::string_view password, HashType type, int iterations) {
  std::vector<unsigned char> salt(salt_size);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) openssl_failed("make a random salt");
  return hash_password(password, type, iterations, salt);
}

Hash hash_password(std::string_view password, HashType type, int iterations,
                   std::span<const unsigned char> salt) {
  Hash hash;
  hash.type = type;
  hash.salt.assign(salt.begin(), salt.end());
  if (type == HashType::sha512_pbkdf2) {
    hash.iterations = iterations;
    hash.digest = pbkdf2_digest(password, salt, iterations);
  } else {
    hash.digest = sha512_digest(password, salt);
  }
  return hash;
}

std::vector<Hash> hash_passwords(std::span<const std::string> passwords, HashType type, int iterations) {
  constexpr std::size_t chunk = 16;  // passwords a thread takes at a time: small enough to share the tail
  std::vector<Hash> hashes(passwords.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto work = [&] {
    try {
      for (std::size_t first = next.fetch_add(chunk); first < passwords.size(); first = next.fetch_add(chunk))
        for (std::size_t i = first; i < std::min(first + chunk, passwords.size()); ++i)
          hashes[i] = hash_password(passwords[i], type, iterations);
    } catch (...) {
      const std::lock_guard lock{failure_mutex};
      if (!failure) failure = std::current_exception();
    }
  };
  const std::size_t wanted = (passwords.size() + chunk - 1) / chunk;
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::jthread> helpers;
  for (std::size_t i = 1; i < std::min(cores, wanted); ++i)
    helpers.emplace_back(work);
  work();
  helpers.clear();  // joins
  if (failure) std::rethrow_exception(failure);
  return hashes;
}

bool matches(const Hash& hash, std::string_view password) {
  const Hash candidate = hash_password(password, hash.type, hash.iterations, hash.salt);
  return candidate.digest.size() == hash.digest.size() &&
         CRYPTO_memcmp(candidate.digest.data(), hash.digest.data(), hash.digest.size()) == 0;
}

std::string format_hash(const Hash& hash) {
  if (hash.type == HashType::sha512_pbkdf2)
    return fmt::format("{}{}${}${}", pbkdf2_prefix, hash.iterations, encode(hash.salt), encode(hash.digest));
  return fmt::format("{}{}${}", sha512_prefix, encode(hash.salt), encode(hash.digest));
}

bool looks_hashed(std::string_view secret) {
  return secret.starts_with(sha512_prefix) || secret.starts_with(pbkdf2_prefix);
}

ParsedHash parse_hash(std::string_view text) {
  if (!looks_hashed(text)) return problem("it does not start with $6$ or $7$");
  const std::vector<std::string_view> fields = fields_of(text.substr(3));
  if (text.starts_with(sha512_prefix)) {
    if (fields.size() != 2) return problem("a $6$ hash has two fields: $6$SALT$HASH");
    return decode_salt_and_digest(Hash{HashType::sha512, 0, {}, {}}, fields[0], fields[1]);
  }
  if (fields.size() != 3) return problem("a $7$ hash has three fields: $7$ITERATIONS$SALT$HASH");
  const std::optional<int> iterations = parse_iterations(fields[0]);
  if (!iterations) return problem("its iteration count is not a whole number from 1 to 2147483647");
  return decode_salt_and_digest(Hash{HashType::sha512_pbkdf2, *iterations, {}, {}}, fields[1], fields[2]);
}

}  // namespace mq::password
