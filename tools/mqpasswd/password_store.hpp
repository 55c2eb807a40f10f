#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mq::passwd {

/// Reads a password file for --check and --list (symbolic links followed). Throws Error
/// (Exit::file) when it is missing, not a regular file or unreadable; warns when other users
/// can read it.
std::string read_password_file(const std::string& named);

/// A password file opened for a rewrite, which never leaves it half-written:
/// - FILE may be a symbolic link only into a directory owned by the user running mqpasswd
///   (otherwise someone else could point it at a file we would then replace);
/// - every rewrite of a file in that directory by mqpasswd is serialized by an flock(2) on the
///   directory, held from the read to the rename, so no run loses another's change;
/// - the new content goes to a temporary file in the same directory, is fsync'ed and renamed
///   over the file (which keeps its mode and owner), then the directory is fsync'ed, so a
///   crash at any moment leaves the old file or the new one, complete.
class PasswordStore {
public:
  /// Resolves FILE, takes the lock (saying so if it has to wait) and removes temporary
  /// files that killed runs left behind. Throws Error (Exit::file).
  explicit PasswordStore(const std::string& named);
  ~PasswordStore();
  PasswordStore(const PasswordStore&) = delete;
  PasswordStore& operator=(const PasswordStore&) = delete;

  /// Whether the file exists (checked under the lock).
  bool exists() const { return status_.has_value(); }
  /// The whole content of the existing file; warns when other users can read it.
  std::string read() const;
  /// Atomically replaces the file (or creates it, mode 0600) with `content`.
  void replace(std::string_view content);

private:
  void remove_stale_temporaries() const;

  std::string named_;           // as given, for messages
  std::filesystem::path path_;  // the real file (a symbolic link's target)
  std::optional<struct stat> status_;
  int directory_fd_ = -1;  // locked, and fsync'ed after the rename
};

}  // namespace mq::passwd
