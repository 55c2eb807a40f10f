#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

// Every file a tool writes (mqbench --json, --tls-keylog, mqpasswd's password file) goes through
// OutputFile, so that each follows the same rules, decided when it is opened, before any work:
//   "-"                  standard output;
//   a FIFO or a device   written as a stream: opened, written, never replaced or truncated;
//   a symbolic link      its target is written and the link stays a link; a link planted by
//                        another user in a sticky world-writable directory (/tmp) is refused, as
//                        the kernel's protected_symlinks refuses it (exit 10);
//   a regular file       replaced whole on commit(): a temporary file beside it, fsync, rename,
//                        keeping its mode and owner; or, in append mode, appended to;
//   a directory          a usage error (exit 2);
// and a missing or unwritable directory, a file the user may not write or a link loop is exit 10.
// A replacement that is never committed (the run failed) changes nothing.
namespace mq {

/// What a file that is not a regular file is, in words: "a directory", "a FIFO", "a character
/// device", ...
std::string special_file_kind(mode_t mode);

/// How an output file is written.
enum class WriteMode {
  replace,  // the whole content, made visible by commit(): the file is complete or untouched
  append,   // each write() as it comes, at the end of the file (a log)
};

/// What a tool tells the writer about one of its files.
struct OutputFileSettings {
  std::string what = "the output";  // for messages: "cannot write <what> to 'PATH'"
  std::string option;               // the option that names it, for messages ("--json"); may be ""
  WriteMode mode = WriteMode::replace;
  mode_t new_file_mode = 0644;  // the permissions of a file it creates, less the umask
  bool streams = true;          // false: "-" is a file name, and a FIFO or device is a usage error
};

/// One file being written (see above). Movable, not copyable.
class OutputFile {
public:
  /// Where the content goes.
  enum class Kind { standard_output, stream, regular };

  /// Checks `path` and opens it (a stream at once, waiting for a FIFO's reader and saying so);
  /// throws Error: Exit::usage for a directory, Exit::file for what cannot be written.
  static OutputFile open(const std::string& path, const OutputFileSettings& settings);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  /// Removes an uncommitted replacement's temporary file: the file stays as it was.
  ~OutputFile();

  /// Writes `text` (a replacement: into the temporary file). Throws Error (Exit::file) naming
  /// the cause, e.g. a full disk or a FIFO whose reader has gone.
  void write(std::string_view text);
  /// Makes the writes final: renames a replacement into place (keeping the old file's mode
  /// and owner) and flushes it to disk; closes a stream. Throws Error (Exit::file).
  void commit();

  Kind kind() const { return kind_; }
  /// Whether the content goes to standard output ("-").
  bool is_standard_output() const { return kind_ == Kind::standard_output; }
  /// The path as given, for messages.
  const std::string& path() const { return given_; }
  /// A regular file's real path, symbolic links resolved: the file replaced or appended to.
  const std::filesystem::path& target() const { return target_; }
  /// Whether `path` itself is a symbolic link (to `target`).
  bool is_link() const { return is_link_; }
  /// A regular file's directory, open for as long as this object lives (for an flock).
  int directory_fd() const { return directory_fd_; }
  /// Removes the temporary files that killed runs of this program left beside a regular
  /// file; call it only while every writer of the directory is serialized (under a lock).
  void remove_stale_temporaries() const;

private:
  OutputFile(std::string given, OutputFileSettings settings);
  void open_stream();
  void open_regular(const std::filesystem::path& target);
  void create_temporary();
  void keep_owner_and_mode() const;
  std::string temporary_prefix() const;
  [[noreturn]] void fail(std::string cause, std::string fix = {}) const;
  [[noreturn]] void fail_with_errno(int error_number, std::string_view step) const;

  std::string given_;
  OutputFileSettings settings_;
  Kind kind_ = Kind::regular;
  std::filesystem::path target_;
  bool is_link_ = false;
  int directory_fd_ = -1;
  int fd_ = -1;            // the stream, the appended file, or the temporary file
  std::string temporary_;  // the temporary file's name in directory_fd_, once created
  bool committed_ = false;
};

}  // namespace mq
