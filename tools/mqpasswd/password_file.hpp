#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// Mosquitto password files, read the way the broker reads them and kept byte for byte:
//   user:$7$1000$SALT$HASH    an entry (user name and hash, blanks around either are ignored)
//   # text                     a comment ('#' in the first column)
//   (blank)                    a blank line
// A user may also have a plain-text password (everything after the first ':'), which
// `mosquitto_passwd -U` (and mqpasswd -U) replaces by its hash. Everything else is malformed and refused with
// its line number.
namespace mq::password {

/// One line of a password file.
struct Line {
  std::string text;     // the line as in the file, without its '\n'
  bool newline = true;  // false only for a last line without '\n'
  std::string user;     // entries only: the user name, blanks around it removed
  std::string secret;   // entries only: the hash, or a plain-text password

  bool is_entry() const { return !user.empty(); }
};

/// How an entry's secret is stored.
enum class SecretType { plain, sha512, sha512_pbkdf2 };

/// The storage of a secret taken from a parsed file ("$6$", "$7$" or plain text).
SecretType secret_type(std::string_view secret);
/// "plain", "sha512" or "sha512-pbkdf2".
std::string_view secret_type_name(SecretType type);

/// Whether an entry was added or an existing one replaced.
enum class Change { added, updated };

/// A whole password file: its lines in order, entries findable by user name.
class PasswordFile {
public:
  /// Parses the content of a file. Throws Error (Exit::file) naming `name`, the first
  /// malformed line's number and what is wrong with it: no ':', no user name, no hash, an
  /// invalid $6$/$7$ hash (a second ':' in one, too), a NUL byte, or a user already on another
  /// line. A plain-text password is everything after the first ':', colons included.
  static PasswordFile parse(std::string_view content, std::string_view name);

  /// The file's content: every line as it was read, except those changed since.
  std::string text() const;
  const std::vector<Line>& lines() const { return lines_; }
  /// The entry of `user`, or null.
  const Line* find(std::string_view user) const;
  /// Number of entries.
  std::size_t user_count() const { return index_.size(); }

  /// Gives `user` the stored secret `secret` (a formatted hash): replaces the user's line in
  /// place, or appends a line at the end.
  Change set(const std::string& user, const std::string& secret);
  /// Removes the user's line; false when the user has none.
  bool remove(std::string_view user);

private:
  void reindex();

  std::vector<Line> lines_;
  std::unordered_map<std::string, std::size_t> index_;  // user name -> position in lines_
};

/// Why `user` cannot be given to a password file, or nothing when it can: it must be
/// non-empty, shorter than 65536 bytes, valid UTF-8 without control characters or ':', and
/// must not start with '#' or a blank nor end with a blank (the broker would read it otherwise).
std::optional<std::string> username_problem(std::string_view user);

/// Why `password` cannot be stored, or nothing: it must be non-empty and shorter than 65536 bytes.
std::optional<std::string> password_problem(std::string_view password);

/// One "user:password" line of a --batch-file list.
struct Credential {
  std::string user;
  std::string password;
  std::size_t line = 0;
};

/// Parses a --batch-file list: one "user:password" a line (the password is everything after the
/// first ':'), blank lines and '#' comments skipped, a "\r\n" end accepted. Throws a usage
/// Error naming `name` and the line when a line is not that, or names a user twice.
std::vector<Credential> parse_credentials(std::string_view content, std::string_view name);

}  // namespace mq::password
