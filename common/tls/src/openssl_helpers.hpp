#pragma once
// What tls.cpp and private_key.cpp share, private to the tls layer.

#include <string>
#include <string_view>

namespace mq {

/// OpenSSL's reason for the last failure, in a cause line ("OpenSSL says: ..."); clears the queue.
std::string openssl_error_text();

/// Throws a usage Error naming `option` when `path` cannot be opened for reading or is a
/// directory: "missing or unreadable" (exit 2) apart from "readable but not usable" (exit 4).
void require_readable_file(const std::string& path, std::string_view option);

/// Whether the file at `path` contains `text` (false when it cannot be read).
bool file_contains(const std::string& path, std::string_view text);

}  // namespace mq
