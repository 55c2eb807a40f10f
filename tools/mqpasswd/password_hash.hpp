#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The password hashes of Mosquitto password files (mosquitto_passwd, mosquitto 2.0/2.1):
//   $7$ITERATIONS$SALT$HASH  PBKDF2-HMAC-SHA512, 64-byte hash
//   $6$SALT$HASH             one SHA-512 over the password then the salt
// with SALT and HASH in standard padded base64.
namespace mq::password {

enum class HashType { sha512, sha512_pbkdf2 };

/// PBKDF2 iterations we write by default (mosquitto_passwd 2.0 writes 101; its broker accepts any).
inline constexpr int default_iterations = 1000;
/// Salt bytes we write: mosquitto 2.0 brokers accept only 12 (2.1's mosquitto_passwd writes 64).
inline constexpr std::size_t salt_size = 12;
/// Bytes of a SHA-512 digest, the only hash length brokers accept.
inline constexpr std::size_t digest_size = 64;

/// A password hash as stored in a password file.
struct Hash {
  HashType type = HashType::sha512_pbkdf2;
  int iterations = 0;  // PBKDF2 only
  std::vector<unsigned char> salt;
  std::vector<unsigned char> digest;
};

/// The -H spelling of a hash type: "sha512" or "sha512-pbkdf2".
std::string_view hash_type_name(HashType type);
/// The hash type of an -H spelling, or nothing.
std::optional<HashType> hash_type_from_name(std::string_view name);

/// Hashes a password with a fresh random salt from OpenSSL's RNG.
Hash hash_password(std::string_view password, HashType type, int iterations = default_iterations);
/// Hashes a password with the given salt (tests, and checking a password against a hash).
Hash hash_password(std::string_view password, HashType type, int iterations,
                   std::span<const unsigned char> salt);

/// Hashes many passwords with fresh salts, on every core (a --batch-file of 10,000 users);
/// the result is in the order of `passwords`.
std::vector<Hash> hash_passwords(std::span<const std::string> passwords, HashType type, int iterations);

/// Whether `password` gives `hash` (compared in constant time).
bool matches(const Hash& hash, std::string_view password);

/// The text written in the file: "$7$1000$<salt>$<hash>" or "$6$<salt>$<hash>".
std::string format_hash(const Hash& hash);

/// What parse_hash made of a text: the hash, or why the text is not one.
struct ParsedHash {
  std::optional<Hash> hash;
  std::string problem;  // empty when hash is set
};

/// Whether a stored secret claims to be a hash ("$6$..." or "$7$..."); anything else in a
/// password file is a plain-text password.
bool looks_hashed(std::string_view secret);

/// Parses "$7$ITER$SALT$HASH" or "$6$SALT$HASH" strictly: a positive decimal ITER that fits an
/// int, standard padded base64, a salt of at least one byte and a 64-byte hash.
ParsedHash parse_hash(std::string_view text);

}  // namespace mq::password
