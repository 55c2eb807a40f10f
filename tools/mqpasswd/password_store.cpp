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
#include "mq/output_file.hpp"

namespace mq::passwd {
namespace {

namespace fs = std::filesystem;

std::string system_error_text(int error_number) { return std::strerror(error_number); }

Error file_error(std::string what, std::string cause, std::string fix = {}) {
  return Error{Exit::file, std::move(what), std::move(cause), std::move(fix)};
}

// The status of `path`, or nothing when it does not exist. What is not a regular file is a
// usage error, as the shared writer makes it: a directory, a FIFO or a device is no password file.
std::optional<struct stat> status_of(const fs::path& path, const std::string& named) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    const int error_number = errno;
    if (error_number == ENOENT) return std::nullopt;
    throw file_error(fmt::format("cannot look at {}", named), system_error_text(error_number));
  }
  if (!S_ISREG(status.st_mode))
    throw usage_error(fmt::format("the password file '{}' is {}", named, special_file_kind(status.st_mode)),
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

OutputFile open_for_rewrite(const std::string& named) {
  return OutputFile::open(named, OutputFileSettings{.what = "the password file",
                                                    .option = {},
                                                    .mode = WriteMode::replace,
                                                    .new_file_mode = 0600,
                                                    .streams = false});
}

// Beyond the writer's check of links in shared directories: a password file is followed only
// into a directory of the user's own, so that nobody else can redirect the rewrite.
void check_link(const OutputFile& file) {
  if (!file.is_link()) return;
  const fs::path directory = file.target().parent_path();
  struct stat directory_status {};
  if (::stat(directory.c_str(), &directory_status) == 0 && directory_status.st_uid == ::geteuid()) return;
  throw file_error(
      fmt::format("{} is a symbolic link into {}, a directory that is not yours", file.path(),
                  directory.string()),
      fmt::format("the directory belongs to uid {}, mqpasswd runs as uid {}; mqpasswd follows a "
                  "link only into a directory owned by its user, so that nobody else can "
                  "redirect it to another file",
                  directory_status.st_uid, ::geteuid()),
      fmt::format("give the real path {} if you mean to edit that file", file.target().string()));
}

}  // namespace

bool check_rewrite(const std::string& named) {
  const OutputFile file = open_for_rewrite(named);
  check_link(file);
  return status_of(file.target(), named).has_value();
}

std::string read_password_file(const std::string& named) {
  const std::optional<struct stat> status = status_of(named, named);
  if (!status)
    throw file_error(fmt::format("{} does not exist", named), {},
                     "check the path; 'mqpasswd -c FILE USER' creates a password file");
  warn_if_readable_by_others(named, *status);
  return read_all(named, named);
}

PasswordStore::PasswordStore(const std::string& named) : named_(named), file_(open_for_rewrite(named)) {
  check_link(file_);
  lock();
  status_ = status_of(file_.target(), named_);
  file_.remove_stale_temporaries();
}

// Held until the store is destroyed (the directory's descriptor closes with the writer).
void PasswordStore::lock() const {
  const int directory_fd = file_.directory_fd();
  const std::string directory = file_.target().parent_path().string();
  if (::flock(directory_fd, LOCK_EX | LOCK_NB) == 0) return;
  if (errno == EWOULDBLOCK)
    diag::info(fmt::format("waiting for another mqpasswd to finish in {}", directory));
  while (::flock(directory_fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error_number = errno;
    throw file_error(fmt::format("cannot lock the directory {} of {}", directory, named_),
                     system_error_text(error_number),
                     "mqpasswd locks the directory so that two runs never lose each other's change");
  }
}

std::string PasswordStore::read() const {
  if (status_) warn_if_readable_by_others(named_, *status_);
  return read_all(file_.target(), named_);
}

void PasswordStore::replace(std::string_view content) {
  file_.write(content);
  file_.commit();
  status_ = status_of(file_.target(), named_);
}

}  // namespace mq::passwd
