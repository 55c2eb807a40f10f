// The password file on disk: reading it for --check and --list, and the store a rewrite goes
// through. Each failure the store handles is exit 10 (a file that cannot be read or safely
// written) or exit 2 (what is no password file), with the words it promises. Cases that need a
// second user (uid 65534) or another user's directory need root, which CI has; without it they
// say so.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "mq/diagnostics.hpp"
#include "mq/error.hpp"
#include "password_store.hpp"
#include "scratch.hpp"

namespace fs = std::filesystem;
using mq::Exit;
using mq::passwd::check_rewrite;
using mq::passwd::PasswordStore;
using mq::passwd::read_password_file;

using namespace mq::test;

namespace {

// The Error `body` throws; fails the test when it throws none.
mq::Error failure_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const mq::Error& error) {
    return error;
  }
  FAIL("no mq::Error was thrown");
  return mq::Error{Exit::ok, ""};
}

void require_root(const char* what) {
  REQUIRE_MESSAGE(::geteuid() == 0, what, " needs root (CI runs the tests as root)");
}

// Whether `check`, run as uid 65534, found what it expected.
bool nobody_finds(const std::function<bool()>& check) {
  return as_nobody([&] { return check() ? 0 : 1; }) == 0;
}

// Makes the scratch directory one uid 65534 may enter and read, but not write (see
// nobody_can_enter for when it cannot be).
bool open_to_nobody(const Scratch& scratch) {
  REQUIRE(::chmod(scratch.path().c_str(), 0755) == 0);
  return nobody_can_enter(scratch.path());
}

// Standard error, captured to a file while the object lives.
class CapturedStderr {
public:
  explicit CapturedStderr(fs::path file) : file_(std::move(file)) {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::dup2(fd, STDERR_FILENO) == STDERR_FILENO);
    ::close(fd);
  }
  ~CapturedStderr() { restore(); }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;

  // What was written so far.
  std::string text() const {
    std::fflush(stderr);
    return slurp(file_);
  }
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }

private:
  fs::path file_;
  int saved_ = -1;
};

std::string program() { return mq::diag::program().empty() ? "mq" : mq::diag::program(); }

}  // namespace

TEST_CASE("a missing password file is exit 10, and the fix says how to create one") {
  Scratch scratch{"mq-unit-store"};
  const std::string missing = (scratch / "passwords").string();
  const mq::Error error = failure_of([&] { read_password_file(missing); });
  CHECK(error.code() == Exit::file);
  CHECK(std::string{error.what()} == missing + " does not exist");
  CHECK(error.cause() == "");
  CHECK(error.fix() == "check the path; 'mqpasswd -c FILE USER' creates a password file");
}

TEST_CASE("a directory or a FIFO is no password file: a usage error, for reading and for a rewrite") {
  Scratch scratch{"mq-unit-store"};
  const std::string directory = scratch.path().string();
  const std::string fifo = (scratch / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);

  const mq::Error read_directory = failure_of([&] { read_password_file(directory); });
  CHECK(read_directory.code() == Exit::usage);
  CHECK(std::string{read_directory.what()} == "the password file '" + directory + "' is a directory");
  CHECK(read_directory.fix() == "give the path of a password file");
  const mq::Error read_fifo = failure_of([&] { read_password_file(fifo); });
  CHECK(read_fifo.code() == Exit::usage);
  CHECK(std::string{read_fifo.what()} == "the password file '" + fifo + "' is a FIFO");

  const mq::Error rewrite_directory = failure_of([&] { check_rewrite(directory); });
  CHECK(rewrite_directory.code() == Exit::usage);
  CHECK(std::string{rewrite_directory.what()} == "the password file '" + directory + "' is a directory");
  CHECK(rewrite_directory.fix() == "give the password file the path of a file");
  const mq::Error store_directory = failure_of([&] { PasswordStore store{directory}; });
  CHECK(store_directory.code() == Exit::usage);
  CHECK(std::string{store_directory.what()} == std::string{rewrite_directory.what()});
  const mq::Error rewrite_fifo = failure_of([&] { check_rewrite(fifo); });
  CHECK(rewrite_fifo.code() == Exit::usage);
  CHECK(std::string{rewrite_fifo.what()} == "the password file '" + fifo + "' is a FIFO, not a regular file");
}

TEST_CASE("a password file that cannot be looked at is exit 10 with the system's reason") {
  Scratch scratch{"mq-unit-store"};
  put(scratch / "file", "alice:x\n", 0600);
  const std::string through_file = (scratch / "file" / "passwords").string();
  const mq::Error not_directory = failure_of([&] { read_password_file(through_file); });
  CHECK(not_directory.code() == Exit::file);
  CHECK(std::string{not_directory.what()} == "cannot look at " + through_file);
  CHECK(not_directory.cause() == std::strerror(ENOTDIR));

  fs::create_symlink("loop", scratch / "loop");
  const std::string loop = (scratch / "loop").string();
  const mq::Error looping = failure_of([&] { read_password_file(loop); });
  CHECK(looping.code() == Exit::file);
  CHECK(std::string{looping.what()} == "cannot look at " + loop);
  CHECK(looping.cause() == std::strerror(ELOOP));
}

TEST_CASE("a password file whose content cannot be read is exit 10 with the system's reason") {
  // /proc/self/mem is a regular file that opens, and reading its first page (address 0, never
  // mapped) fails with EIO.
  const mq::Error unreadable = failure_of([] { read_password_file("/proc/self/mem"); });
  CHECK(unreadable.code() == Exit::file);
  CHECK(std::string{unreadable.what()} == "cannot read /proc/self/mem");
  CHECK(unreadable.cause() == std::strerror(EIO));

  // The file of a store removed by someone else before it is read.
  Scratch scratch{"mq-unit-store"};
  const fs::path file = scratch / "passwords";
  put(file, "alice:x\n", 0600);
  PasswordStore store{file.string()};
  REQUIRE(store.exists());
  fs::remove(file);
  const mq::Error vanished = failure_of([&] { (void)store.read(); });
  CHECK(vanished.code() == Exit::file);
  CHECK(std::string{vanished.what()} == "cannot read " + file.string());
  CHECK(vanished.cause() == std::strerror(ENOENT));
}

TEST_CASE("a password file this user may not open is exit 10 (as uid 65534)") {
  require_root("switching to uid 65534");
  Scratch scratch{"mq-unit-store"};
  if (!open_to_nobody(scratch)) return;
  const std::string file = (scratch / "passwords").string();
  put(file, "alice:x\n", 0600);  // root's
  CHECK(nobody_finds([&] {
    try {
      read_password_file(file);
    } catch (const mq::Error& error) {
      return error.code() == Exit::file && std::string{error.what()} == "cannot read " + file &&
             error.cause() == std::strerror(EACCES);
    }
    return false;
  }));
}

TEST_CASE("a rewrite in a directory this user may not write is exit 10 before any work (as uid 65534)") {
  require_root("switching to uid 65534");
  Scratch scratch{"mq-unit-store"};
  if (!open_to_nobody(scratch)) return;
  const std::string file = (scratch / "passwords").string();
  const std::string cause = "the directory '" + scratch.path().string() +
                            "' is not writable by this user (uid 65534): " + std::strerror(EACCES);
  const auto refused = [&](const std::function<void()>& body) {
    try {
      body();
    } catch (const mq::Error& error) {
      return error.code() == Exit::file &&
             std::string{error.what()} == "cannot write the password file to '" + file + "'" &&
             error.cause() == cause;
    }
    return false;
  };
  CHECK(nobody_finds([&] { return refused([&] { check_rewrite(file); }); }));
  CHECK(nobody_finds([&] { return refused([&] { PasswordStore store{file}; }); }));
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("a link into a directory of another user is exit 10 and names the real path (as root)") {
  require_root("a directory of uid 65534");
  Scratch scratch{"mq-unit-store"};
  const fs::path theirs = scratch / "theirs";
  fs::create_directory(theirs);
  REQUIRE(::chown(theirs.c_str(), nobody, nobody) == 0);
  put(theirs / "passwords", "alice:x\n", 0600);
  const std::string link = (scratch / "passwords").string();
  fs::create_symlink(theirs / "passwords", link);

  for (const auto& attempt : {std::function<void()>{[&] { check_rewrite(link); }},
                              std::function<void()>{[&] { PasswordStore store{link}; }}}) {
    const mq::Error error = failure_of(attempt);
    CHECK(error.code() == Exit::file);
    CHECK(std::string{error.what()} ==
          link + " is a symbolic link into " + theirs.string() + ", a directory that is not yours");
    CHECK(error.cause() ==
          "the directory belongs to uid 65534, mqpasswd runs as uid 0; mqpasswd follows a link "
          "only into a directory owned by its user, so that nobody else can redirect it to "
          "another file");
    CHECK(error.fix() ==
          "give the real path " + (theirs / "passwords").string() + " if you mean to edit that file");
  }
  CHECK(slurp(theirs / "passwords") == "alice:x\n");
}

TEST_CASE("a link into a directory of this user is followed: its target is rewritten, the link stays") {
  Scratch scratch{"mq-unit-store"};
  fs::create_directory(scratch / "mine");
  put(scratch / "mine" / "passwords", "alice:x\n", 0600);
  const std::string link = (scratch / "passwords").string();
  fs::create_symlink(scratch / "mine" / "passwords", link);
  CHECK(check_rewrite(link));
  PasswordStore store{link};
  CHECK(store.read() == "alice:x\n");
  store.replace("bob:y\n");
  CHECK(fs::is_symlink(link));
  CHECK(slurp(scratch / "mine" / "passwords") == "bob:y\n");
}

TEST_CASE("a store says whether the file exists, reads it and replaces it, a new file with mode 0600") {
  Scratch scratch{"mq-unit-store"};
  const std::string file = (scratch / "passwords").string();
  CHECK_FALSE(check_rewrite(file));
  {
    PasswordStore store{file};
    CHECK_FALSE(store.exists());
    store.replace("alice:x\n");
    CHECK(store.exists());
  }
  struct stat status {};
  REQUIRE(::stat(file.c_str(), &status) == 0);
  CHECK((status.st_mode & 07777) == 0600);
  CHECK(check_rewrite(file));
  PasswordStore again{file};
  CHECK(again.exists());
  CHECK(again.read() == "alice:x\n");
  CHECK(read_password_file(file) == "alice:x\n");
}

TEST_CASE("a password file other users can read is read, with a warning that says how to close it") {
  Scratch scratch{"mq-unit-store"};
  const std::string shared = (scratch / "shared").string();
  const std::string own = (scratch / "own").string();
  put(shared, "alice:x\n", 0640);
  put(own, "bob:y\n", 0600);
  mq::diag::set_verbosity(mq::diag::Verbosity::normal);
  CapturedStderr captured{scratch / "stderr"};
  CHECK(read_password_file(own) == "bob:y\n");
  const std::string after_own = captured.text();
  CHECK(read_password_file(shared) == "alice:x\n");
  const std::string after_read = captured.text();
  PasswordStore store{shared};
  CHECK(store.read() == "alice:x\n");
  const std::string after_store = captured.text();
  captured.restore();

  const std::string warning = mq::diag::program() + ": warning: " + shared +
                              " can be read by other users (mode 0640); run 'chmod 600 " + shared + "'\n";
  CHECK(after_own == "");
  CHECK(after_read == warning);
  CHECK(after_store == warning + warning);
}

TEST_CASE("a store removes the temporary files killed runs left beside the file, and only those") {
  Scratch scratch{"mq-unit-store"};
  const std::string file = (scratch / "passwords").string();
  put(file, "alice:x\n", 0600);
  const std::string prefix = ".passwords." + program() + "-";
  put(scratch / (prefix + "Ab3xYz"), "half a rewrite", 0600);
  put(scratch / (prefix + "short"), "not ours: the suffix is not 6 letters", 0600);
  put(scratch / (".other." + program() + "-Ab3xYz"), "another file's", 0600);
  PasswordStore store{file};
  CHECK_FALSE(fs::exists(scratch / (prefix + "Ab3xYz")));
  CHECK(fs::exists(scratch / (prefix + "short")));
  CHECK(fs::exists(scratch / (".other." + program() + "-Ab3xYz")));
  CHECK(store.read() == "alice:x\n");
}

TEST_CASE("a store waits for another holding the directory's lock, and says so") {
  Scratch scratch{"mq-unit-store"};
  const std::string file = (scratch / "passwords").string();
  put(file, "alice:x\n", 0600);
  const int held = ::open(scratch.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(held >= 0);
  REQUIRE(::flock(held, LOCK_EX) == 0);

  mq::diag::set_verbosity(mq::diag::Verbosity::normal);
  CapturedStderr captured{scratch / "stderr"};
  std::atomic<bool> locked{false};
  std::optional<std::string> content;
  std::optional<mq::Error> failure;
  std::thread other{[&] {
    try {
      PasswordStore store{file};
      locked = true;
      content = store.read();
    } catch (const mq::Error& error) {
      failure = error;
    }
  }};
  const std::string waiting =
      mq::diag::program() + ": waiting for another mqpasswd to finish in " + scratch.path().string() + "\n";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (captured.text() != waiting && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string said = captured.text();
  const bool finished_early = locked;
  ::flock(held, LOCK_UN);
  other.join();
  ::close(held);
  captured.restore();

  CHECK(said == waiting);
  CHECK_FALSE(finished_early);
  CHECK_FALSE(failure.has_value());
  CHECK(content == "alice:x\n");
}
