#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "mq/output_file.hpp"

namespace mq::passwd {

/// Reads a password file for --check and --list (symbolic links followed). Throws Error
/// (Exit::file) when it is missing, not a regular file or unreadable; warns when other users
/// can read it.
std::string read_password_file(const std::string& named);

/// Makes every check of a rewrite (see PasswordStore) without taking the lock, so that a
/// directory, a FIFO, a link that may not be followed or an unwritable place is refused before
/// a password is asked for or hashed. Returns whether the file exists. Throws Error.
bool check_rewrite(const std::string& named);

/// A password file opened for a rewrite, which never leaves it half-written. The rewrite is
/// mq's one file writer (mq/output_file.hpp: temporary file, fsync, rename, mode and owner
/// kept, links checked as the kernel's protected_symlinks does), plus what a password file needs:
/// - FILE may be a symbolic link only into a directory owned by the user running mqpasswd
///   (otherwise someone else could point it at a file we would then replace);
/// - a FIFO or a device is not a password file (a usage error, like a directory);
/// - every rewrite of a file in that directory by mqpasswd is serialized by an flock(2) on the
///   directory, held from the read to the rename, so no run loses another's change.
class PasswordStore {
public:
  /// Resolves FILE, takes the lock (saying so if it has to wait) and removes temporary
  /// files that killed runs left behind. Throws Error (Exit::file, Exit::usage).
  explicit PasswordStore(const std::string& named);
  PasswordStore(const PasswordStore&) = delete;
  PasswordStore& operator=(const PasswordStore&) = delete;

  /// Whether the file exists (checked under the lock).
  bool exists() const { return status_.has_value(); }
  /// The whole content of the existing file; warns when other users can read it.
  std::string read() const;
  /// Atomically replaces the file (or creates it, mode 0600) with `content`; once only.
  void replace(std::string_view content);

private:
  void lock() const;

  std::string named_;  // as given, for messages
  OutputFile file_;
  std::optional<struct stat> status_;
};

}  // namespace mq::passwd
