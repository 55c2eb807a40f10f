// The one file writer: streams for "-", FIFOs and devices; a symbolic link's target; an atomic,
// mode- and owner-keeping replacement of a regular file; a directory refused before any work.
// Device nodes are made with mknod(2) in a scratch directory (copies of /dev/null and /dev/full),
// and a second user is uid 65534: those cases need root, which CI has; without it they say so.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

#include "mq/error.hpp"
#include "mq/output_file.hpp"
#include "scratch.hpp"

namespace fs = std::filesystem;
using mq::Exit;
using mq::OutputFile;
using mq::OutputFileSettings;
using mq::WriteMode;

using namespace mq::test;

namespace {

struct stat lstatus(const fs::path& path) {
  struct stat status {};
  REQUIRE(::lstat(path.c_str(), &status) == 0);
  return status;
}

std::size_t entries(const fs::path& directory) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator{directory}, fs::directory_iterator{}));
}

OutputFileSettings replace_settings() {
  return OutputFileSettings{.what = "the results", .option = "--json"};
}

OutputFileSettings append_settings() {
  return OutputFileSettings{
      .what = "the TLS key log", .option = "--tls-keylog", .mode = WriteMode::append, .new_file_mode = 0600};
}

// Opens, writes and commits; returns the Error thrown, if any.
std::optional<mq::Error> write_whole(const fs::path& path, const std::string& text,
                                     const OutputFileSettings& settings = replace_settings()) {
  try {
    OutputFile out = OutputFile::open(path.string(), settings);
    out.write(text);
    out.commit();
  } catch (const mq::Error& failure) {
    return failure;
  }
  return std::nullopt;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool as_root(const char* what) {
  if (::geteuid() == 0) return true;
  MESSAGE("not run: ", what, " needs root (CI runs the tests as root)");
  return false;
}

// A device node in the scratch directory with the numbers of /dev/null (1,3) or /dev/full (1,7).
fs::path device(const Scratch& scratch, const std::string& name, unsigned minor) {
  const fs::path node = scratch / name;
  REQUIRE(::mknod(node.c_str(), S_IFCHR | 0666, ::makedev(1, minor)) == 0);
  return node;
}

// The exit code of opening (and writing) `path` as the current user, 0 when it worked.
int exit_code_of_writing(const fs::path& path) {
  const auto failure = write_whole(path, "new\n");
  return failure ? static_cast<int>(failure->code()) : 0;
}

}  // namespace

TEST_CASE("a regular file is replaced on commit, not before, and no temporary file stays") {
  Scratch scratch{"mq-unit-output"};
  const fs::path file = scratch / "result.json";
  put(file, "old\n", 0644);
  const ino_t inode = lstatus(file).st_ino;
  {
    OutputFile out = OutputFile::open(file.string(), replace_settings());
    CHECK(out.kind() == OutputFile::Kind::regular);
    out.write("new ");
    out.write("content\n");
    CHECK(slurp(file) == "old\n");
    out.commit();
  }
  CHECK(slurp(file) == "new content\n");
  CHECK(lstatus(file).st_ino != inode);  // a new file renamed over the old one
  CHECK(entries(scratch.path()) == 1);
}

TEST_CASE("a replacement that is never committed changes nothing and leaves nothing") {
  Scratch scratch{"mq-unit-output"};
  const fs::path file = scratch / "result.json";
  put(file, "old\n", 0644);
  {
    OutputFile out = OutputFile::open(file.string(), replace_settings());
    out.write("half of it");
  }  // the run failed
  CHECK(slurp(file) == "old\n");
  CHECK(entries(scratch.path()) == 1);
  { OutputFile unused = OutputFile::open((scratch / "new.json").string(), replace_settings()); }
  CHECK_FALSE(fs::exists(scratch / "new.json"));
}

TEST_CASE("a replaced file keeps its mode, and a new one gets the asked mode less the umask") {
  Scratch scratch{"mq-unit-output"};
  const fs::path file = scratch / "kept";
  put(file, "old\n", 0640);
  CHECK_FALSE(write_whole(file, "new\n"));
  CHECK((lstatus(file).st_mode & 07777) == 0640);

  const mode_t previous = ::umask(022);
  CHECK_FALSE(write_whole(scratch / "public", "x\n"));
  CHECK_FALSE(write_whole(scratch / "secret", "x\n", append_settings()));
  ::umask(previous);
  CHECK((lstatus(scratch / "public").st_mode & 07777) == 0644);
  CHECK((lstatus(scratch / "secret").st_mode & 07777) == 0600);
}

TEST_CASE("a replaced file keeps its owner and group (as root)") {
  if (!as_root("giving a file to uid 65534")) return;
  Scratch scratch{"mq-unit-output"};
  const fs::path file = scratch / "theirs";
  put(file, "old\n", 0604);
  REQUIRE(::chown(file.c_str(), nobody, nobody) == 0);
  CHECK_FALSE(write_whole(file, "new\n"));
  CHECK(slurp(file) == "new\n");
  CHECK(lstatus(file).st_uid == nobody);
  CHECK(lstatus(file).st_gid == nobody);
  CHECK((lstatus(file).st_mode & 07777) == 0604);
}

TEST_CASE("a symbolic link's target is written and the link stays a link") {
  Scratch scratch{"mq-unit-output"};
  fs::create_directory(scratch / "real");
  const fs::path target = scratch / "real" / "result.json";
  put(target, "old\n", 0644);
  const fs::path link = scratch / "link.json";
  fs::create_symlink("real/result.json", link);  // relative, as links often are
  OutputFile out = OutputFile::open(link.string(), replace_settings());
  CHECK(out.is_link());
  CHECK(out.target() == fs::canonical(target));
  out.write("new\n");
  out.commit();
  CHECK(fs::is_symlink(link));
  CHECK(slurp(target) == "new\n");
  CHECK(entries(scratch.path()) == 2);

  CHECK_FALSE(write_whole(link, "appended\n", append_settings()));
  CHECK(fs::is_symlink(link));
  CHECK(slurp(target) == "new\nappended\n");
}

TEST_CASE("a dangling symbolic link creates its target, as a shell's redirection does") {
  Scratch scratch{"mq-unit-output"};
  const fs::path link = scratch / "dangling";
  fs::create_symlink(scratch / "made-by-writing", link);
  CHECK_FALSE(write_whole(link, "x\n"));
  CHECK(fs::is_symlink(link));
  CHECK(slurp(scratch / "made-by-writing") == "x\n");

  const fs::path nowhere = scratch / "into-nowhere";
  fs::create_symlink(scratch / "missing-directory" / "file", nowhere);
  const auto failure = write_whole(nowhere, "x\n");
  REQUIRE(failure);
  CHECK(failure->code() == Exit::file);
  CHECK(contains(failure->cause(), "missing-directory' does not exist"));
}

TEST_CASE("a symbolic link loop is exit 10") {
  Scratch scratch{"mq-unit-output"};
  fs::create_symlink(scratch / "b", scratch / "a");
  fs::create_symlink(scratch / "a", scratch / "b");
  const auto failure = write_whole(scratch / "a", "x\n");
  REQUIRE(failure);
  CHECK(failure->code() == Exit::file);
  CHECK(contains(failure->cause(), "symbolic links"));
}

TEST_CASE("a directory is a usage error when opening, for every mode") {
  Scratch scratch{"mq-unit-output"};
  for (const auto& settings : {replace_settings(), append_settings()}) {
    for (const std::string& path :
         {scratch.path().string(), scratch.path().string() + "/", std::string{"."}}) {
      CAPTURE(path);
      try {
        OutputFile::open(path, settings);
        FAIL("a directory was accepted");
      } catch (const mq::Error& failure) {
        CHECK(failure.code() == Exit::usage);
        CHECK(contains(failure.what(), settings.option + " '" + path + "' is a directory"));
        CHECK(contains(failure.fix(), "- for standard output"));
      }
    }
  }
  const fs::path link = scratch / "link-to-directory";
  fs::create_symlink(scratch.path(), link);
  const auto through_link = write_whole(link, "x");
  REQUIRE(through_link);
  CHECK(through_link->code() == Exit::usage);
  const auto slash = write_whole(scratch.path().string() + "/not-yet/", "x");
  REQUIRE(slash);
  CHECK(slash->code() == Exit::usage);
  CHECK(entries(scratch.path()) == 1);
}

TEST_CASE("a missing directory or a file as a directory is exit 10 when opening") {
  Scratch scratch{"mq-unit-output"};
  const auto missing = write_whole(scratch / "no" / "such" / "result.json", "x");
  REQUIRE(missing);
  CHECK(missing->code() == Exit::file);
  CHECK(contains(missing->what(),
                 "cannot write the results to '" + (scratch / "no/such/result.json").string()));
  CHECK(contains(missing->cause(), "the directory '" + (scratch / "no").string() + "' does not exist"));

  put(scratch / "plain", "x", 0644);
  const auto not_directory = write_whole(scratch / "plain" / "result.json", "x");
  REQUIRE(not_directory);
  CHECK(not_directory->code() == Exit::file);
  CHECK(contains(not_directory->cause(), "not a directory"));
}

TEST_CASE("an unwritable directory or a read-only file is exit 10 when opening, and nothing changes") {
  if (!as_root("switching to uid 65534")) return;
  Scratch scratch{"mq-unit-output"};
  REQUIRE(::chmod(scratch.path().c_str(), 0755) == 0);  // nobody may look, not write
  if (!nobody_can_enter(scratch.path())) return;
  const fs::path file = scratch / "result.json";
  put(file, "old\n", 0666);
  CHECK(as_nobody([&] { return exit_code_of_writing(file); }) == 10);
  CHECK(as_nobody([&] { return exit_code_of_writing(scratch / "new.json"); }) == 10);
  CHECK(slurp(file) == "old\n");
  CHECK(entries(scratch.path()) == 1);

  fs::create_directory(scratch / "theirs");
  REQUIRE(::chown((scratch / "theirs").c_str(), nobody, nobody) == 0);
  const fs::path read_only = scratch / "theirs" / "read-only.json";
  put(read_only, "old\n", 0444);
  REQUIRE(::chown(read_only.c_str(), nobody, nobody) == 0);
  CHECK(as_nobody([&] { return exit_code_of_writing(read_only); }) == 10);
  CHECK(as_nobody([&] { return exit_code_of_writing(scratch / "theirs" / "fresh.json"); }) == 0);
  CHECK(slurp(read_only) == "old\n");
  CHECK(slurp(scratch / "theirs" / "fresh.json") == "new\n");
}

TEST_CASE("a FIFO is written as a stream to its reader and stays a FIFO") {
  Scratch scratch{"mq-unit-output"};
  const fs::path fifo = scratch / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader{[&] { received = slurp(fifo); }};
  const auto failure = write_whole(fifo, "through the pipe\n");
  reader.join();
  CHECK_FALSE(failure);
  CHECK(received == "through the pipe\n");
  CHECK(S_ISFIFO(lstatus(fifo).st_mode));
  CHECK(entries(scratch.path()) == 1);
}

TEST_CASE("a FIFO whose reader has gone is exit 10, not a SIGPIPE") {
  Scratch scratch{"mq-unit-output"};
  const fs::path fifo = scratch / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread reader{[&] { ::close(::open(fifo.c_str(), O_RDONLY)); }};
  OutputFile out = OutputFile::open(fifo.string(), replace_settings());
  reader.join();  // opened, then closed without reading
  CHECK(out.kind() == OutputFile::Kind::stream);
  try {
    out.write(std::string(1 << 20, 'x'));
    FAIL("the write succeeded");
  } catch (const mq::Error& failure) {
    CHECK(failure.code() == Exit::file);
    CHECK(contains(failure.cause(), "nobody reads it"));
  }
  sigset_t pending;
  sigpending(&pending);
  CHECK(sigismember(&pending, SIGPIPE) == 0);
}

TEST_CASE(
    "a device node is written as a stream: /dev/null's numbers take it, /dev/full's fail with exit 10") {
  if (!as_root("mknod")) return;
  Scratch scratch{"mq-unit-output"};
  const fs::path null = device(scratch, "null", 3);
  CHECK_FALSE(write_whole(null, "gone\n"));
  CHECK(S_ISCHR(lstatus(null).st_mode));
  CHECK_FALSE(write_whole(null, "gone\n", append_settings()));

  const fs::path full = device(scratch, "full", 7);
  for (const auto& settings : {replace_settings(), append_settings()}) {
    const auto failure = write_whole(full, "lost\n", settings);
    REQUIRE(failure);
    CHECK(failure->code() == Exit::file);
    CHECK(contains(failure->what(), "cannot write " + settings.what + " to '" + full.string() + "'"));
    CHECK(contains(failure->cause(), "No space left on device"));
    CHECK(S_ISCHR(lstatus(full).st_mode));
  }
  const fs::path link = scratch / "link-to-full";
  fs::create_symlink(full, link);
  CHECK(write_whole(link, "lost\n"));
  CHECK(fs::is_symlink(link));
  CHECK(entries(scratch.path()) == 3);
}

TEST_CASE("without streams (a password file), a FIFO or a device is a usage error and \"-\" a file name") {
  Scratch scratch{"mq-unit-output"};
  const fs::path fifo = scratch / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const OutputFileSettings settings{.what = "the password file",
                                    .option = {},
                                    .mode = WriteMode::replace,
                                    .new_file_mode = 0600,
                                    .streams = false};
  const auto failure = write_whole(fifo, "x", settings);
  REQUIRE(failure);
  CHECK(failure->code() == Exit::usage);
  CHECK(contains(failure->what(), "the password file '" + fifo.string() + "' is a FIFO"));
  CHECK(S_ISFIFO(lstatus(fifo).st_mode));

  const fs::path here = fs::current_path();
  fs::current_path(scratch.path());
  CHECK_FALSE(write_whole("-", "a file named -\n", settings));
  fs::current_path(here);
  CHECK(slurp(scratch / "-") == "a file named -\n");
}

TEST_CASE("\"-\" is standard output, written as a stream") {
  Scratch scratch{"mq-unit-output"};
  const fs::path captured = scratch / "stdout";
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  const int file = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(::dup2(file, STDOUT_FILENO) == STDOUT_FILENO);
  ::close(file);
  std::optional<mq::Error> failure;
  bool standard_output = false;
  try {
    OutputFile out = OutputFile::open("-", replace_settings());
    standard_output = out.is_standard_output();
    std::fputs("before\n", stdout);  // printed earlier, buffered: stays before
    out.write("{}\n");
    out.commit();
  } catch (const mq::Error& error) {
    failure = error;
  }
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  CHECK_FALSE(failure);
  CHECK(standard_output);
  CHECK(slurp(captured) == "before\n{}\n");
}

TEST_CASE("append mode adds to the end of a regular file and keeps what was there") {
  Scratch scratch{"mq-unit-output"};
  const fs::path log = scratch / "keys.log";
  put(log, "first\n", 0600);
  {
    OutputFile out = OutputFile::open(log.string(), append_settings());
    out.write("second\n");
    CHECK(slurp(log) == "first\nsecond\n");  // at once, not on commit
  }
  CHECK(slurp(log) == "first\nsecond\n");
  CHECK(entries(scratch.path()) == 1);
}

TEST_CASE("a link planted in a sticky world-writable directory by another user is refused (as root)") {
  if (!as_root("lchown of a link to uid 65534")) return;
  Scratch scratch{"mq-unit-output"};
  const fs::path shared = scratch / "tmp";
  fs::create_directory(shared);
  REQUIRE(::chmod(shared.c_str(), 01777) == 0);  // like /tmp, owned by root
  const fs::path victim = scratch / "victim";
  put(victim, "precious\n", 0600);

  const fs::path planted = shared / "result.json";
  fs::create_symlink(victim, planted);
  REQUIRE(::lchown(planted.c_str(), nobody, nobody) == 0);  // as if uid 65534 had made it
  for (const auto& settings : {replace_settings(), append_settings()}) {
    const auto failure = write_whole(planted, "clobbered\n", settings);
    REQUIRE(failure);
    CHECK(failure->code() == Exit::file);
    CHECK(contains(failure->cause(), planted.string() + "' is a symbolic link in " + shared.string()));
    CHECK(contains(failure->cause(), "belongs to uid 65534"));
    CHECK(contains(failure->fix(), victim.string()));
  }
  const fs::path planted_directory = shared / "dir";  // a link as a directory on the way
  fs::create_symlink(scratch.path(), planted_directory);
  REQUIRE(::lchown(planted_directory.c_str(), nobody, nobody) == 0);
  CHECK(write_whole(planted_directory / "victim", "clobbered\n"));
  CHECK(slurp(victim) == "precious\n");

  // What the kernel's protected_symlinks allows is allowed: the link of the directory's owner,
  // the link of the user writing, and any link in a directory that is not sticky or not shared.
  const fs::path own = shared / "own.json";
  fs::create_symlink(victim, own);
  CHECK_FALSE(write_whole(own, "root's own link\n"));
  CHECK(slurp(victim) == "root's own link\n");

  const fs::path their_directory = scratch / "their-tmp";
  fs::create_directory(their_directory);
  REQUIRE(::chmod(their_directory.c_str(), 01777) == 0);
  REQUIRE(::chown(their_directory.c_str(), nobody, nobody) == 0);
  const fs::path owners_link = their_directory / "result.json";
  fs::create_symlink(victim, owners_link);
  REQUIRE(::lchown(owners_link.c_str(), nobody, nobody) == 0);
  CHECK_FALSE(write_whole(owners_link, "the directory owner's link\n"));

  const fs::path not_sticky = scratch / "open";
  fs::create_directory(not_sticky);
  REQUIRE(::chmod(not_sticky.c_str(), 0777) == 0);
  const fs::path loose_link = not_sticky / "result.json";
  fs::create_symlink(victim, loose_link);
  REQUIRE(::lchown(loose_link.c_str(), nobody, nobody) == 0);
  CHECK_FALSE(write_whole(loose_link, "a link in a directory without the sticky bit\n"));

  // Run as uid 65534, the link is that user's own: followed, into a directory of theirs.
  REQUIRE(::chmod(scratch.path().c_str(), 0755) == 0);
  if (!nobody_can_enter(scratch.path())) return;
  const fs::path theirs = scratch / "theirs";
  fs::create_directory(theirs);
  REQUIRE(::chown(theirs.c_str(), nobody, nobody) == 0);
  const fs::path their_file = theirs / "result.json";
  const fs::path their_link = shared / "theirs.json";
  fs::create_symlink(their_file, their_link);
  REQUIRE(::lchown(their_link.c_str(), nobody, nobody) == 0);
  CHECK(as_nobody([&] { return exit_code_of_writing(their_link); }) == 0);
  CHECK(fs::is_symlink(their_link));
  CHECK(slurp(their_file) == "new\n");
}

TEST_CASE("a directory removed after opening is exit 10 when writing, with the system's reason") {
  Scratch scratch{"mq-unit-output"};
  const fs::path directory = scratch / "gone";
  fs::create_directory(directory);
  const fs::path file = directory / "result.json";
  OutputFile out = OutputFile::open(file.string(), replace_settings());
  fs::remove(directory);
  try {
    out.write("new\n");
    FAIL("the write into a removed directory succeeded");
  } catch (const mq::Error& failure) {
    CHECK(failure.code() == Exit::file);
    CHECK(std::string{failure.what()} == "cannot write the results to '" + file.string() + "'");
    CHECK(failure.cause() ==
          "cannot create a new file in '" + directory.string() + "': " + std::strerror(ENOENT));
    CHECK(failure.fix() == "'" + file.string() + "' was not changed");
  }
}

TEST_CASE("remove_stale_temporaries removes only this program's leftovers of this file") {
  Scratch scratch{"mq-unit-output"};
  const fs::path file = scratch / "passwords";
  put(file, "x\n", 0644);
  put(scratch / ".passwords.mq-AbC123", "left by a killed run", 0644);
  put(scratch / ".passwords.mq-toolong7", "not ours", 0644);
  put(scratch / ".other.mq-AbC123", "another file's", 0644);
  OutputFile out = OutputFile::open(file.string(), replace_settings());
  out.remove_stale_temporaries();
  CHECK_FALSE(fs::exists(scratch / ".passwords.mq-AbC123"));
  CHECK(fs::exists(scratch / ".passwords.mq-toolong7"));
  CHECK(fs::exists(scratch / ".other.mq-AbC123"));
}
