#include "mq/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <random>
#include <utility>

#include "mq/diagnostics.hpp"
#include "mq/error.hpp"
#include "mq/output.hpp"
#include "mq/signals.hpp"

namespace mq {
namespace {

namespace fs = std::filesystem;

constexpr int most_links = 40;  // as the kernel's path walk (ELOOP)

std::string errno_text(int error_number) { return std::strerror(error_number); }

// What the walk found at the end of a path.
enum class Found { missing, regular, directory, special, through_proc };

struct Walk {
  fs::path path;  // the real path (for missing: where the file would be)
  Found found = Found::missing;
  mode_t mode = 0;  // of a special file
};

std::deque<std::string> components(const std::string& path) {
  std::deque<std::string> parts;
  std::size_t at = 0;
  while (at <= path.size()) {
    const std::size_t end = std::min(path.find('/', at), path.size());
    if (end > at) parts.emplace_back(path.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

bool on_procfs(const fs::path& directory) {
  struct statfs facts {};
  return ::statfs(directory.c_str(), &facts) == 0 && facts.f_type == PROC_SUPER_MAGIC;
}

// Resolves a path one component at a time, as the kernel does, so that every symbolic link
// followed on the way is checked (see check_link) and the file is found by its real path.
class Walker {
public:
  explicit Walker(const OutputFile& file, const OutputFileSettings& settings)
      : file_(file), settings_(settings) {}

  Walk walk(const std::string& given) {
    std::deque<std::string> pending = components(given);
    fs::path current = given.starts_with('/') ? fs::path{"/"} : working_directory();
    int links = 0;
    while (!pending.empty()) {
      const std::string name = std::move(pending.front());
      pending.pop_front();
      if (name == ".") continue;
      if (name == "..") {
        current = current.parent_path();
        continue;
      }
      const fs::path next = current / name;
      const bool last = pending.empty();
      struct stat status {};
      if (::lstat(next.c_str(), &status) != 0) {
        const int error_number = errno;
        if (error_number == ENOENT && last) return Walk{next, Found::missing, 0};
        if (error_number == ENOENT)
          fail(fmt::format("the directory '{}' does not exist", next.string()),
               "create it, or give a path in an existing directory");
        fail(fmt::format("'{}' cannot be looked at: {}", next.string(), errno_text(error_number)));
      }
      if (S_ISLNK(status.st_mode)) {
        if (on_procfs(current)) return Walk{next, Found::through_proc, 0};
        check_link(next, status, current);
        if (++links > most_links)
          fail(fmt::format("more than {} symbolic links lead from '{}' (a loop?)", most_links, given),
               "make the links point at a file");
        const std::string target = read_link(next);
        std::deque<std::string> more = components(target);
        pending.insert(pending.begin(), more.begin(), more.end());
        if (target.starts_with('/')) current = "/";
        continue;
      }
      if (!last && !S_ISDIR(status.st_mode))
        fail(
            fmt::format("'{}' is {}, not a directory", next.string(),
                        S_ISREG(status.st_mode) ? std::string{"a file"} : special_file_kind(status.st_mode)));
      current = next;
      if (last) {
        const Found found = S_ISREG(status.st_mode)   ? Found::regular
                            : S_ISDIR(status.st_mode) ? Found::directory
                                                      : Found::special;
        return Walk{current, found, status.st_mode};
      }
    }
    return Walk{current, Found::directory, S_IFDIR};  // "/", ".", "a/.."
  }

private:
  fs::path working_directory() const {
    std::error_code error;
    fs::path directory = fs::current_path(error);
    if (error) fail(fmt::format("the current directory cannot be found: {}", error.message()));
    return directory;
  }

  // The kernel's protected_symlinks rule: in a sticky directory anyone may write to, follow a
  // link only when it belongs to the directory's owner or to us; otherwise another user may
  // have planted it to make us write wherever it points (as root: anywhere). Our replacement
  // renames onto the link's target, which the kernel cannot check for us.
  void check_link(const fs::path& link, const struct stat& link_status, const fs::path& directory) const {
    struct stat directory_status {};
    if (::stat(directory.c_str(), &directory_status) != 0) return;  // the lstat above just saw it
    const bool shared =
        (directory_status.st_mode & S_ISVTX) != 0 && (directory_status.st_mode & S_IWOTH) != 0;
    if (!shared || link_status.st_uid == directory_status.st_uid || link_status.st_uid == ::geteuid()) return;
    fail(fmt::format("'{}' is a symbolic link in {}, a sticky directory anyone may write to (mode {:04o}); "
                     "the link belongs to uid {}, neither the directory's owner (uid {}) nor this user "
                     "(uid {}), so another user may have planted it to redirect the write",
                     link.string(), directory.string(), directory_status.st_mode & 07777, link_status.st_uid,
                     directory_status.st_uid, ::geteuid()),
         fmt::format("if '{}' is the file you mean, give its path instead of the link's", read_link(link)));
  }

  std::string read_link(const fs::path& link) const {
    std::error_code error;
    fs::path target = fs::read_symlink(link, error);
    if (error) fail(fmt::format("the symbolic link '{}' cannot be read: {}", link.string(), error.message()));
    return target.string();
  }

  [[noreturn]] void fail(std::string cause, std::string fix = {}) const {
    throw Error{Exit::file, fmt::format("cannot write {} to '{}'", settings_.what, file_.path()),
                std::move(cause), std::move(fix)};
  }

  const OutputFile& file_;
  const OutputFileSettings& settings_;
};

// write(2) until done; SIGPIPE (a FIFO whose reader has gone) becomes EPIPE for this call only,
// so that the failure is reported instead of killing the tool. Returns 0 or the errno.
int write_all(int fd, std::string_view text) {
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
  int result = 0;
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      result = errno;
      break;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  if (result == EPIPE && !was_pending) {
    const timespec no_wait{};
    sigtimedwait(&pipe_signal, nullptr, &no_wait);  // take back the SIGPIPE our write raised
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return result;
}

std::string random_suffix() {
  static constexpr std::string_view letters =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::string suffix(6, 'X');
  for (char& c : suffix)
    c = letters[device() % letters.size()];
  return suffix;
}

}  // namespace

std::string special_file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "a special file";
}

OutputFile::OutputFile(std::string given, OutputFileSettings settings)
    : given_(std::move(given)), settings_(std::move(settings)) {}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : given_(std::move(other.given_)), settings_(std::move(other.settings_)), kind_(other.kind_),
      target_(std::move(other.target_)), is_link_(other.is_link_),
      directory_fd_(std::exchange(other.directory_fd_, -1)), fd_(std::exchange(other.fd_, -1)),
      temporary_(std::exchange(other.temporary_, {})), committed_(other.committed_) {}

OutputFile::~OutputFile() {
  if (fd_ >= 0 && kind_ != Kind::standard_output) ::close(fd_);
  if (!temporary_.empty() && !committed_) ::unlinkat(directory_fd_, temporary_.c_str(), 0);
  if (directory_fd_ >= 0) ::close(directory_fd_);
}

OutputFile OutputFile::open(const std::string& path, const OutputFileSettings& settings) {
  OutputFile file{path, settings};
  const std::string subject = settings.option.empty() ? settings.what : settings.option;
  const std::string usage_fix = fmt::format("give {} the path of a file{}", subject,
                                            settings.streams ? ", or - for standard output" : "");
  if (settings.streams && path == "-") {
    file.kind_ = Kind::standard_output;
    file.fd_ = STDOUT_FILENO;
    return file;
  }
  if (path.empty()) throw usage_error(fmt::format("{} is empty", subject), usage_fix);
  const Walk walk = Walker{file, settings}.walk(path);
  struct stat own {};
  file.is_link_ = ::lstat(path.c_str(), &own) == 0 && S_ISLNK(own.st_mode);
  if (walk.found == Found::directory)
    throw usage_error(fmt::format("{} '{}' is a directory", subject, path), usage_fix);
  if (path.ends_with('/') && walk.found != Found::special)
    throw usage_error(fmt::format("{} '{}' ends with '/', which names a directory", subject, path),
                      usage_fix);
  if (walk.found == Found::special || walk.found == Found::through_proc) {
    if (!settings.streams)
      throw usage_error(fmt::format("{} '{}' is {}, not a regular file", subject, path,
                                    walk.found == Found::through_proc ? "an open file of a process"
                                                                      : special_file_kind(walk.mode)),
                        usage_fix);
    if (S_ISSOCK(walk.mode))
      throw usage_error(fmt::format("{} '{}' is a socket, which cannot be written as a file", subject, path),
                        usage_fix);
    file.kind_ = Kind::stream;
    file.open_stream();
    return file;
  }
  file.open_regular(walk.path);
  return file;
}

// A FIFO is opened at once, as a shell's redirection does: a run does not start its work only to
// find nobody reading. Opening waits for a reader, and says so; Ctrl-C stops the wait.
void OutputFile::open_stream() {
  constexpr int flags = O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC;
  fd_ = ::open(given_.c_str(), flags | O_NONBLOCK);
  if (fd_ < 0 && errno == ENXIO) {
    diag::info(fmt::format("waiting for a program to read the FIFO {} ({})", given_, settings_.what));
    while ((fd_ = ::open(given_.c_str(), flags)) < 0 && errno == EINTR)
      if (StopSignals::received() != 0) fail("interrupted while waiting for a reader of the FIFO");
  }
  if (fd_ < 0) {
    const int error_number = errno;
    fail_with_errno(error_number, "cannot open it");
  }
  const int status_flags = ::fcntl(fd_, F_GETFL);
  if (status_flags >= 0) ::fcntl(fd_, F_SETFL, status_flags & ~O_NONBLOCK);
}

void OutputFile::open_regular(const fs::path& target) {
  target_ = target;
  const fs::path directory = target.parent_path();
  directory_fd_ = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd_ < 0) {
    const int error_number = errno;
    fail_with_errno(error_number, fmt::format("cannot open its directory '{}'", directory.string()));
  }
  const std::string name = target.filename().string();
  if (settings_.mode == WriteMode::append) {
    // O_NOFOLLOW: a link created since the walk is not followed unchecked.
    fd_ = ::openat(directory_fd_, name.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                   settings_.new_file_mode);
    if (fd_ < 0) {
      const int error_number = errno;
      fail_with_errno(error_number, fmt::format("cannot open '{}'", target.string()));
    }
    return;
  }
  if (::faccessat(directory_fd_, ".", W_OK | X_OK, AT_EACCESS) != 0) {
    const int error_number = errno;
    fail(error_number == EROFS
             ? fmt::format("the directory '{}' is on a read-only file system", directory.string())
             : fmt::format("the directory '{}' is not writable by this user (uid {}): {}", directory.string(),
                           ::geteuid(), errno_text(error_number)),
         fmt::format("the file is replaced by writing a new one beside it and renaming it, so the directory "
                     "must be writable; give {} a path in a writable directory",
                     settings_.option.empty() ? "a" : settings_.option));
  }
  struct stat status {};
  if (::fstatat(directory_fd_, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0 &&
      ::faccessat(directory_fd_, name.c_str(), W_OK, AT_EACCESS) != 0)
    fail(fmt::format("'{}' is read-only for this user (mode {:04o}, owner uid {}, this user uid {})",
                     target.string(), status.st_mode & 07777, status.st_uid, ::geteuid()),
         fmt::format("make it writable ('chmod u+w {}') if it may be replaced, or give another path",
                     target.string()));
}

void OutputFile::create_temporary() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = temporary_prefix() + random_suffix();
    fd_ = ::openat(directory_fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   settings_.new_file_mode);
    if (fd_ >= 0) {
      temporary_ = std::move(name);
      return;
    }
    if (errno != EEXIST) break;
  }
  const int error_number = errno;
  fail_with_errno(error_number,
                  fmt::format("cannot create a new file in '{}'", target_.parent_path().string()));
}

// Temporary files are ".<name>.<program>-XXXXXX" beside the file.
std::string OutputFile::temporary_prefix() const {
  const std::string& program = diag::program();
  return fmt::format(".{}.{}-", target_.filename().string(), program.empty() ? "mq" : program);
}

void OutputFile::remove_stale_temporaries() const {
  if (kind_ != Kind::regular) return;
  const std::string prefix = temporary_prefix();
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator{target_.parent_path(), ignored}) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && name.size() == prefix.size() + 6 && name != temporary_)
      ::unlinkat(directory_fd_, name.c_str(), 0);
  }
}

void OutputFile::write(std::string_view text) {
  if (committed_)
    throw Error{Exit::internal, fmt::format("{} written after it was committed", settings_.what)};
  if (kind_ == Kind::standard_output) std::fflush(stdout);  // after what was printed before
  if (kind_ == Kind::regular && settings_.mode == WriteMode::replace && temporary_.empty())
    create_temporary();
  if (const int error_number = write_all(fd_, text); error_number != 0)
    fail_with_errno(error_number, "cannot write the content");
}

// The new file gets the old one's owner and permissions: a rewrite changes the content only.
void OutputFile::keep_owner_and_mode() const {
  struct stat old {};
  if (::fstatat(directory_fd_, target_.filename().c_str(), &old, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(old.st_mode))
    return;  // a new file: the temporary file's mode is already right
  if ((old.st_uid != ::geteuid() || old.st_gid != ::getegid()) &&
      ::fchown(fd_, old.st_uid, old.st_gid) != 0) {
    const int error_number = errno;
    fail(fmt::format("'{}' belongs to uid {} gid {}, which the new file (made by uid {}) cannot be given: {}",
                     target_.string(), old.st_uid, old.st_gid, ::geteuid(), errno_text(error_number)),
         "run as the file's owner or as root; nothing was changed");
  }
  if (::fchmod(fd_, old.st_mode & 07777) != 0)
    fail_with_errno(errno, "cannot give the new file the old one's mode");
}

void OutputFile::commit() {
  if (committed_) return;
  if (kind_ == Kind::standard_output) {
    if (std::fflush(stdout) != 0) fail_with_errno(errno, "cannot write the content");
    committed_ = true;
    return;
  }
  if (kind_ == Kind::stream || settings_.mode == WriteMode::append) {
    const int fd = std::exchange(fd_, -1);
    committed_ = true;
    if (::close(fd) != 0) {
      const int error_number = errno;
      fail_with_errno(error_number, "cannot write the content");
    }
    return;
  }
  if (temporary_.empty()) create_temporary();
  keep_owner_and_mode();
  if (::fsync(fd_) != 0) fail_with_errno(errno, "cannot flush the new content to disk");
  if (::close(std::exchange(fd_, -1)) != 0) fail_with_errno(errno, "cannot write the content");
  const std::string name = target_.filename().string();
  if (::renameat(directory_fd_, temporary_.c_str(), directory_fd_, name.c_str()) != 0)
    fail_with_errno(errno, "cannot rename the new file into place");
  committed_ = true;
  if (::fsync(directory_fd_) != 0)
    diag::warning(fmt::format("{} was replaced, but its directory could not be flushed to disk: {}", given_,
                              errno_text(errno)));
}

void OutputFile::fail(std::string cause, std::string fix) const {
  const std::string where = kind_ == Kind::standard_output ? "standard output" : fmt::format("'{}'", given_);
  throw Error{Exit::file, fmt::format("cannot write {} to {}", settings_.what, where), std::move(cause),
              std::move(fix)};
}

void OutputFile::fail_with_errno(int error_number, std::string_view step) const {
  if (kind_ == Kind::standard_output) throw stdout_error(error_number);  // one wording for stdout
  const bool replacing = kind_ == Kind::regular && settings_.mode == WriteMode::replace;
  if (error_number == EPIPE)
    fail(fmt::format("{}: nobody reads it any more (the reading program closed it or exited)", step),
         "keep the reading program running until the tool ends");
  fail(fmt::format("{}: {}", step, errno_text(error_number)),
       replacing ? fmt::format("'{}' was not changed", given_) : std::string{});
}

}  // namespace mq
