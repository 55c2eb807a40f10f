#include "password_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "mq/diagnostics.hpp"
#include "mq/error.hpp"

namespace mq::passwd {
namespace {

namespace fs = std::filesystem;

// Temporary files are ".<name>.mqpasswd-XXXXXX" beside the password file.
std::string temporary_prefix(const fs::path& path) {
  return fmt::format(".{}.mqpasswd-", path.filename().string());
}

std::string system_error_text(int error_number) { return std::strerror(error_number); }

Error file_error(std::string what, std::string cause, std::string fix = {}) {
  return Error{Exit::file, std::move(what), std::move(cause), std::move(fix)};
}

fs::path directory_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path{"."};
}

// The target of a symbolic link, for messages ("" if it cannot be read).
std::string link_text(const std::string& named) {
  std::vector<char> buffer(PATH_MAX);
  const ssize_t length = ::readlink(named.c_str(), buffer.data(), buffer.size());
  return length < 0 ? std::string{} : std::string(buffer.data(), static_cast<std::size_t>(length));
}

// A symbolic link is followed only into a directory the user owns: a link in a shared place
// could otherwise make us replace any file we may write (as root: any file at all).
fs::path follow_link(const std::string& named) {
  char* resolved = ::realpath(named.c_str(), nullptr);
  if (resolved == nullptr) {
    const int error_number = errno;
    throw file_error(
        fmt::format("{} is a symbolic link to {}, which cannot be used", named, link_text(named)),
        system_error_text(error_number),
        "make the link point at an existing file, or give the file's real path");
  }
  const fs::path target{resolved};
  std::free(resolved);
  const fs::path directory = directory_of(target);
  struct stat directory_status {};
  if (::stat(directory.c_str(), &directory_status) != 0 || directory_status.st_uid != ::geteuid())
    throw file_error(
        fmt::format("{} is a symbolic link into {}, a directory that is not yours", named,
                    directory.string()),
        fmt::format("the directory belongs to uid {}, mqpasswd runs as uid {}; mqpasswd follows a "
                    "link only into a directory owned by its user, so that nobody else can "
                    "redirect it to another file",
                    directory_status.st_uid, ::geteuid()),
        fmt::format("give the real path {} if you mean to edit that file", target.string()));
  return target;
}

// The file a command names: itself, or the target of a symbolic link (checked when `writing`).
fs::path resolve(const std::string& named, bool writing) {
  struct stat link_status {};
  if (::lstat(named.c_str(), &link_status) != 0) {
    const int error_number = errno;
    if (error_number == ENOENT) return named;
    throw file_error(fmt::format("cannot look at {}", named), system_error_text(error_number));
  }
  if (S_ISLNK(link_status.st_mode) && writing) return follow_link(named);
  return named;
}

// The status of `path`, or nothing when it does not exist; refuses what is not a regular file.
std::optional<struct stat> status_of(const fs::path& path, const std::string& named) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    const int error_number = errno;
    if (error_number == ENOENT) return std::nullopt;
    throw file_error(fmt::format("cannot look at {}", named), system_error_text(error_number));
  }
  if (!S_ISREG(status.st_mode))
    throw file_error(fmt::format("{} is not a regular file", named),
                     S_ISDIR(status.st_mode) ? "it is a directory" : "it is a device, socket or pipe",
                     "give the path of a password file");
  return status;
}

void warn_if_readable_by_others(const std::string& named, const struct stat& status) {
  if ((status.st_mode & (S_IRGRP | S_IROTH)) == 0) return;
  diag::warning(fmt::format("{} can be read by other users (mode {:04o}); run 'chmod 600 {}'", named,
                            status.st_mode & 07777, named));
}

std::string read_all(const fs::path& path, const std::string& named) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error_number = errno;
    throw file_error(fmt::format("cannot read {}", named), system_error_text(error_number));
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      content.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      const int error_number = errno;
      ::close(fd);
      throw file_error(fmt::format("cannot read {}", named), system_error_text(error_number));
    }
  }
  ::close(fd);
  return content;
}

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// A temporary file beside the password file, deleted unless it was renamed into place.
class Temporary {
public:
  Temporary(const fs::path& path, const std::string& named) {
    const std::string name = (directory_of(path) / (temporary_prefix(path) + "XXXXXX")).string();
    path_.assign(name.begin(), name.end());
    path_.push_back('\0');
    fd_ = ::mkostemp(path_.data(), O_CLOEXEC);
    if (fd_ < 0) {
      const int error_number = errno;
      throw file_error(
          fmt::format("cannot write {}: cannot create a file in {}", named, directory_of(path).string()),
          system_error_text(error_number),
          "mqpasswd replaces the file by renaming a new one over it, so it needs write access "
          "to the directory");
    }
  }
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(path_.data());
  }
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;

  int fd() const { return fd_; }
  const char* path() const { return path_.data(); }
  /// Closes the descriptor; false (errno set) if the kernel reports a late write error.
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }
  void renamed() { renamed_ = true; }

private:
  std::vector<char> path_;
  int fd_ = -1;
  bool renamed_ = false;
};

}  // namespace

std::string read_password_file(const std::string& named) {
  const fs::path path = resolve(named, false);
  const std::optional<struct stat> status = status_of(path, named);
  if (!status)
    throw file_error(fmt::format("{} does not exist", named), {},
                     "check the path; 'mqpasswd -c FILE USER' creates a password file");
  warn_if_readable_by_others(named, *status);
  return read_all(path, named);
}

PasswordStore::PasswordStore(const std::string& named) : named_(named), path_(resolve(named, true)) {
  const fs::path directory = directory_of(path_);
  directory_fd_ = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd_ < 0) {
    const int error_number = errno;
    throw file_error(fmt::format("cannot open the directory {} of {}", directory.string(), named),
                     system_error_text(error_number));
  }
  if (::flock(directory_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      diag::info(fmt::format("waiting for another mqpasswd to finish in {}", directory.string()));
    while (::flock(directory_fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      ::close(directory_fd_);
      throw file_error(fmt::format("cannot lock the directory {} of {}", directory.string(), named),
                       system_error_text(error_number),
                       "mqpasswd locks the directory so that two runs never lose each other's change");
    }
  }
  try {
    status_ = status_of(path_, named_);
    remove_stale_temporaries();
  } catch (...) {
    ::close(directory_fd_);
    throw;
  }
}

PasswordStore::~PasswordStore() { ::close(directory_fd_); }  // releases the lock

// Under the lock, a temporary file of ours can only be the remains of a killed run.
void PasswordStore::remove_stale_temporaries() const {
  const std::string prefix = temporary_prefix(path_);
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator{directory_of(path_), ignored}) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && name.size() == prefix.size() + 6) fs::remove(entry.path(), ignored);
  }
}

std::string PasswordStore::read() const {
  if (status_) warn_if_readable_by_others(named_, *status_);
  return read_all(path_, named_);
}

void PasswordStore::replace(std::string_view content) {
  Temporary temporary{path_, named_};
  const auto fail = [&](const std::string& step) {
    const int error_number = errno;
    return file_error(fmt::format("cannot write {}: {}", named_, step), system_error_text(error_number),
                      fmt::format("{} was not changed", named_));
  };
  if (status_ && (status_->st_uid != ::geteuid() || status_->st_gid != ::getegid()) &&
      ::fchown(temporary.fd(), status_->st_uid, status_->st_gid) != 0) {
    const int error_number = errno;
    throw file_error(
        fmt::format("cannot write {}: it belongs to uid {} gid {}, which the new file could not get", named_,
                    status_->st_uid, status_->st_gid),
        system_error_text(error_number),
        fmt::format("run mqpasswd as the owner of {} or as root; the file was not changed", named_));
  }
  const mode_t mode = status_ ? static_cast<mode_t>(status_->st_mode & 07777) : mode_t{0600};
  if (::fchmod(temporary.fd(), mode) != 0) throw fail("cannot set the permissions of the new file");
  if (!write_all(temporary.fd(), content)) throw fail("cannot write the new content");
  if (::fsync(temporary.fd()) != 0) throw fail("cannot flush the new content to disk");
  if (!temporary.close()) throw fail("cannot write the new content");
  if (::rename(temporary.path(), path_.c_str()) != 0) throw fail("cannot rename the new file into place");
  temporary.renamed();
  if (::fsync(directory_fd_) != 0)
    diag::warning(fmt::format("{} was replaced, but its directory could not be flushed to disk: {}", named_,
                              system_error_text(errno)));
  status_ = status_of(path_, named_);
}

}  // namespace mq::passwd
