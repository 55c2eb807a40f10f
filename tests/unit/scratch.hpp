#pragma once
// What the unit tests that work on real files share: a scratch directory, writing and reading
// whole files, and running a check as another user (uid 65534, which needs root, as CI has).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "exit_child.hpp"

namespace mq::test {

constexpr uid_t nobody = 65534;

/// A private directory under the temporary directory, removed at the end of the test.
class Scratch {
public:
  explicit Scratch(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// Writes `content` to `file` and gives it `mode`.
inline void put(const std::filesystem::path& file, const std::string& content, mode_t mode) {
  std::ofstream{file, std::ios::binary | std::ios::trunc} << content;
  REQUIRE(::chmod(file.c_str(), mode) == 0);
}

/// The whole content of `file`.
inline std::string slurp(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

/// Runs `body` in a child process as uid/gid 65534 and returns its exit status: what `body`
/// returned, 98 when it threw, 99 when the child could not switch users.
inline int as_nobody(const std::function<int()>& body) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setresgid(nobody, nobody, nobody) != 0 || ::setresuid(nobody, nobody, nobody) != 0) ::_exit(99);
    int status = 98;
    try {
      status = body();
    } catch (...) {
    }
    exit_child(status);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Whether uid 65534 can enter `directory`. False (the test cannot check its claim, and says
/// so) only where the root directory itself is closed to others, as in a chroot made by
/// mktemp -d (0700), where no path is open to another user; anywhere else a directory uid 65534
/// cannot enter fails the test.
inline bool nobody_can_enter(const std::filesystem::path& directory) {
  if (as_nobody([&] { return ::access(directory.c_str(), X_OK) == 0 ? 0 : 1; }) == 0) return true;
  struct stat root {};
  if (::stat("/", &root) == 0 && (root.st_mode & S_IXOTH) == 0) {
    MESSAGE("not run: the root directory is closed to others, so uid 65534 can reach no path");
    return false;
  }
  FAIL("uid 65534 cannot enter ", directory.string(), ": a directory above it is closed to others");
  return false;
}

}  // namespace mq::test
