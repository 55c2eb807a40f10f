// mqpasswd never corrupts or loses a password file: atomic rewrites under kill -9, a lock
// between concurrent runs, comments kept, malformed files left alone, careful permissions.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "harness/tools.hpp"
#include "mq/error.hpp"
#include "password_file.hpp"
#include "password_hash.hpp"

using namespace mq::test;

namespace {

Outcome mqpasswd(const Workspace& workspace, const std::vector<std::string>& arguments,
                 std::optional<std::string> input = std::nullopt) {
  return run_tool(workspace, "mqpasswd", arguments, std::move(input));
}

struct stat status_of(const std::filesystem::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return status;
}

// The names in a directory, to see that no temporary file was left behind.
std::vector<std::string> names_in(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator{directory})
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool password_matches(const mq::password::PasswordFile& file, const std::string& user,
                      const std::string& password) {
  const auto* line = file.find(user);
  return line != nullptr && mq::password::matches(*mq::password::parse_hash(line->secret).hash, password);
}

std::string user_list(int users, const std::string& password_prefix) {
  std::string list;
  for (int i = 0; i < users; ++i)
    list += "user" + std::to_string(i) + ":" + password_prefix + std::to_string(i) + "\n";
  return list;
}

const std::string mosquitto_hash = "$7$101$nyjppBZWKDv+vyEJ$JHZEMwkuhhj7I6XOAkbf/"
                                   "gunkknARLPmi1uFm9TrGppGw9SP7dqwumqQ6eGCMg9xZKBFkWDPPz3+YgC2Ey005g==";

}  // namespace

TEST_CASE("killed at any moment of a rewrite, mqpasswd leaves the old file or the new one, complete") {
  Workspace workspace;
  const auto directory = workspace / "etc";
  std::filesystem::create_directory(directory);
  const auto file = directory / "passwords";
  constexpr int users = 3000;
  const auto rewrite = [&](int round) {
    return start_tool(workspace, "mqpasswd", {"-I", "1", "--quiet", "--batch-file", "-", file.string()},
                      user_list(users, "round" + std::to_string(round) + "-"));
  };
  Workspace::write_file(file, "# plant users\n");
  REQUIRE(rewrite(0)->finish().exit_code == 0);
  // How long one rewrite takes, to spread kills over it (no assertion depends on it).
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(rewrite(1)->finish().exit_code == 0);
  const auto duration = std::chrono::steady_clock::now() - started;

  constexpr int rounds = 60;
  int killed = 0;
  int killed_while_writing = 0;
  std::string previous = read_file(file);
  for (int round = 2; round < rounds; ++round) {
    CAPTURE(round);
    const auto before = names_in(directory);  // with temporary files of earlier killed runs
    auto writer = rewrite(round);
    if (round % 2 == 0) {  // at any moment of the run
      std::this_thread::sleep_for(duration * round / rounds);
    } else {  // once its temporary file appears, while it writes, fsyncs and renames
      while (names_in(directory) == before && writer->running())
        std::this_thread::sleep_for(std::chrono::microseconds(100));  // not a spin: tests run in parallel
      std::this_thread::sleep_for(std::chrono::microseconds(20 * round));
    }
    writer->signal(SIGKILL);
    if (writer->finish().exit_code == 128 + SIGKILL) {
      ++killed;
      if (names_in(directory).size() > 1) ++killed_while_writing;
    }

    const std::string content = read_file(file);
    if (content == previous) continue;                                            // the old file, untouched
    const auto parsed = mq::password::PasswordFile::parse(content, "passwords");  // throws if broken
    const std::string prefix = "round" + std::to_string(round) + "-";
    CHECK(parsed.user_count() == users);
    CHECK(content.starts_with("# plant users\n"));
    CHECK(password_matches(parsed, "user0", prefix + "0"));
    CHECK(password_matches(parsed, "user" + std::to_string(users - 1), prefix + std::to_string(users - 1)));
    previous = content;
  }
  MESSAGE("runs killed: ", killed, " of ", rounds - 2,
          ", with their temporary file present: ", killed_while_writing);
  CHECK(killed > 0);
  CHECK(killed_while_writing > 0);  // some kills landed inside the write, not only before or after it
  // The next run removes what killed runs left behind.
  REQUIRE(mqpasswd(workspace, {"-I", "1", "-b", file.string(), "last", "pw"}).exit_code == 0);
  CHECK(names_in(directory) == std::vector<std::string>{"passwords"});
}

TEST_CASE("concurrent runs on one file are serialized: every change is in the file") {
  Workspace workspace;
  const auto file = workspace.write("passwords", "# shared\n");
  std::vector<std::unique_ptr<Process>> writers;
  for (int i = 0; i < 6; ++i)
    writers.push_back(start_tool(workspace, "mqpasswd",
                                 {"-I", "1", "-b", file.string(), "single" + std::to_string(i), "pw"}));
  for (const std::string batch : {"a", "b"}) {
    std::string list;
    for (int i = 0; i < 300; ++i)
      list += "batch-" + batch + std::to_string(i) + ":pw\n";
    writers.push_back(
        start_tool(workspace, "mqpasswd", {"-I", "1", "--batch-file", "-", file.string()}, list));
  }
  for (auto& writer : writers) {
    const Outcome outcome = writer->finish();
    CHECK(outcome.exit_code == 0);
    CHECK_FALSE(contains(outcome.err, "error"));
  }
  const auto parsed = mq::password::PasswordFile::parse(read_file(file), "passwords");
  CHECK(parsed.user_count() == 6 + 600);
  for (int i = 0; i < 6; ++i)
    CHECK(parsed.find("single" + std::to_string(i)));
  CHECK(parsed.find("batch-a299"));
  CHECK(parsed.find("batch-b0"));
  CHECK(read_file(file).starts_with("# shared\n"));
}

TEST_CASE("comments and blank lines stay where they are through add, update, delete and -U") {
  Workspace workspace;
  const std::string head = "# Mosquitto users\n#\n\n";
  const std::string middle = "\n# service accounts below\n   \n";
  const auto file = workspace.write("passwords", head + "alice:" + mosquitto_hash + "\n" + middle +
                                                     "svc:plain-secret\n# end\n");
  CHECK(mqpasswd(workspace, {"-b", file.string(), "bob", "pw-bob"}).exit_code == 0);
  CHECK(mqpasswd(workspace, {"-b", file.string(), "alice", "pw-alice"}).exit_code == 0);
  CHECK(mqpasswd(workspace, {"-U", file.string()}).exit_code == 0);
  CHECK(mqpasswd(workspace, {"-D", file.string(), "bob"}).exit_code == 0);
  const std::string content = read_file(file);
  const auto parsed = mq::password::PasswordFile::parse(content, "passwords");
  REQUIRE(parsed.lines().size() == 9);
  CHECK(content.starts_with(head + "alice:$7$1000$"));
  CHECK(contains(content, "==\n" + middle + "svc:$7$1000$"));
  CHECK(content.ends_with("==\n# end\n"));
  CHECK(password_matches(parsed, "alice", "pw-alice"));
  CHECK(password_matches(parsed, "svc", "plain-secret"));
}

TEST_CASE("a malformed line is refused with its number, exit 10, and the file is left byte for byte") {
  struct Case {
    std::string content;
    std::string said;
  };
  const std::vector<Case> cases{
      {"# ok\nalice:" + mosquitto_hash + "\nthis line has no colon\n", "line 3"},
      {"alice:\n", "line 1"},
      {"alice:$7$101$not base64$x\n", "not valid"},
      {"alice:" + mosquitto_hash + "\nbob:x\nalice:y\n", "already on line 1"},
      {std::string{"alice:pw\0\n", 9}, "NUL"},
      {"alice:" + mosquitto_hash + ":trailing\n", "second ':'"},
  };
  const std::vector<std::vector<std::string>> commands{
      {"-b", "FILE", "carol", "pw"},    {"-D", "FILE", "alice"}, {"-U", "FILE"},
      {"--batch-file", "LIST", "FILE"}, {"--list", "FILE"},      {"--check", "FILE", "alice", "pw"}};
  Workspace workspace;
  const auto list = workspace.write("list", "carol:pw\n");
  for (const Case& example : cases) {
    const auto file = workspace.write("passwords", example.content);
    const auto before = status_of(file);
    for (auto command : commands) {
      for (auto& argument : command)
        argument = argument == "FILE" ? file.string() : argument == "LIST" ? list.string() : argument;
      CAPTURE(command);
      const Outcome outcome = mqpasswd(workspace, command);
      CHECK(outcome.exit_code == 10);
      CHECK(contains(outcome.err, "mqpasswd: error: " + file.string() + " line "));
      CHECK(contains(outcome.err, example.said));
      CHECK(outcome.out == "");
      CHECK(read_file(file) == example.content);
      CHECK(status_of(file).st_ino == before.st_ino);
    }
  }
  CHECK(names_in(workspace.path()).size() == 2 + 2 * cases.size() * commands.size());  // + tool output files
}

TEST_CASE("-U hashes only plain-text passwords and a second -U changes nothing") {
  Workspace workspace;
  const std::string hashed_line = "alice:" + mosquitto_hash;
  const auto file = workspace.write("passwords", hashed_line + "\nbob:builder\n");
  const Outcome first = mqpasswd(workspace, {"-U", file.string()});
  CHECK(first.exit_code == 0);
  CHECK(first.out == "Hashing password for user bob\n");
  const std::string after_first = read_file(file);
  CHECK(after_first.starts_with(hashed_line + "\nbob:$7$1000$"));
  const auto inode = status_of(file).st_ino;

  const Outcome second = mqpasswd(workspace, {"-U", file.string()});
  CHECK(second.exit_code == 0);
  CHECK(second.out == file.string() + " has no plain-text passwords: nothing to do\n");
  CHECK(read_file(file) == after_first);
  CHECK(status_of(file).st_ino == inode);  // not even rewritten
  CHECK(mqpasswd(workspace, {"--check", file.string(), "alice", "secret"}).exit_code == 0);
  CHECK(mqpasswd(workspace, {"--check", file.string(), "bob", "builder"}).exit_code == 0);
}

TEST_CASE("new files are 0600, a file others can read gets a warning and keeps its mode") {
  Workspace workspace;
  const auto created = workspace / "new";
  CHECK(mqpasswd(workspace, {"-c", "-b", created.string(), "alice", "pw"}).exit_code == 0);
  CHECK((status_of(created).st_mode & 07777) == 0600);

  for (const int mode : {0644, 0640, 0604}) {
    CAPTURE(mode);
    const auto shared = workspace.write("shared", "alice:" + mosquitto_hash + "\n", mode);
    const Outcome outcome = mqpasswd(workspace, {"-b", shared.string(), "bob", "pw"});
    CHECK(outcome.exit_code == 0);
    CHECK(contains(outcome.err, "mqpasswd: warning: " + shared.string() + " can be read by other users"));
    CHECK(contains(outcome.err, "chmod 600 " + shared.string()));
    CHECK((status_of(shared).st_mode & 07777) == static_cast<unsigned>(mode));
    CHECK(contains(mqpasswd(workspace, {"--list", shared.string()}).err, "can be read by other users"));
  }
  const auto private_file = workspace.write("private", "alice:" + mosquitto_hash + "\n", 0600);
  CHECK(mqpasswd(workspace, {"-b", private_file.string(), "bob", "pw"}).err == "");
  CHECK(
      mqpasswd(workspace, {"-b", "--quiet", workspace.write("quiet", "", 0644).string(), "bob", "pw"}).err ==
      "");
}

TEST_CASE("a rewrite keeps the file's owner and group") {
  require_root("giving a file away (chown)");
  Workspace workspace;
  const auto file = workspace.write("passwords", "alice:" + mosquitto_hash + "\n", 0640);
  REQUIRE(::chown(file.c_str(), 65534, 65534) == 0);
  CHECK(mqpasswd(workspace, {"-b", file.string(), "bob", "pw"}).exit_code == 0);
  const auto after = status_of(file);
  CHECK(after.st_uid == 65534);
  CHECK(after.st_gid == 65534);
  CHECK((after.st_mode & 07777) == 0640);
}

TEST_CASE("-c replaces an existing file atomically, keeping its mode") {
  Workspace workspace;
  const auto file = workspace.write("passwords", "# old\nalice:" + mosquitto_hash + "\n", 0640);
  const auto before = status_of(file);
  const Outcome outcome = mqpasswd(workspace, {"-c", "-b", file.string(), "bob", "pw"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "Adding password for user bob\n");
  const std::string content = read_file(file);
  CHECK(content.starts_with("bob:$7$1000$"));
  CHECK(std::count(content.begin(), content.end(), '\n') == 1);
  CHECK(status_of(file).st_ino != before.st_ino);  // a new file renamed over the old one
  CHECK((status_of(file).st_mode & 07777) == 0640);
}

TEST_CASE("a symbolic link is followed only into a directory of the user, otherwise exit 10") {
  Workspace workspace;
  std::filesystem::create_directory(workspace / "mine");
  const auto target = workspace / "mine" / "passwords";
  Workspace::write_file(target, "alice:" + mosquitto_hash + "\n");
  const auto link = workspace / "link";
  std::filesystem::create_symlink(target, link);
  CHECK(mqpasswd(workspace, {"-b", link.string(), "bob", "pw"}).exit_code == 0);
  CHECK(std::filesystem::is_symlink(link));  // the link stays, its target was updated
  CHECK(contains(read_file(target), "bob:$7$"));

  std::filesystem::path foreign_directory = workspace / "theirs";
  std::filesystem::path foreign;
  if (::geteuid() == 0) {
    std::filesystem::create_directory(foreign_directory);
    REQUIRE(::chown(foreign_directory.c_str(), 65534, 65534) == 0);
    foreign = foreign_directory / "passwords";
  } else {
    foreign_directory = "/tmp";  // owned by root, not by us
    foreign = std::filesystem::path{"/tmp"} / ("mq-foreign-" + std::to_string(::getpid()));
  }
  Workspace::write_file(foreign, "alice:" + mosquitto_hash + "\n");
  const auto foreign_link = workspace / "foreign-link";
  std::filesystem::create_symlink(foreign, foreign_link);
  const Outcome refused = mqpasswd(workspace, {"-b", foreign_link.string(), "bob", "pw"});
  CHECK(refused.exit_code == 10);
  CHECK(contains(refused.err, foreign_link.string() + " is a symbolic link into " +
                                  foreign_directory.string() + ", a directory that is not yours"));
  CHECK(read_file(foreign) == "alice:" + mosquitto_hash + "\n");
  CHECK(mqpasswd(workspace, {"--list", foreign_link.string()}).exit_code == 0);  // reading is harmless
  if (::geteuid() != 0) std::filesystem::remove(foreign);

  // A dangling link: without -c its target "does not exist"; -c creates it, as `>` would.
  const auto dangling = workspace / "dangling";
  std::filesystem::create_symlink(workspace / "nowhere", dangling);
  const Outcome missing = mqpasswd(workspace, {"-b", dangling.string(), "bob", "pw"});
  CHECK(missing.exit_code == 10);
  CHECK(contains(missing.err, "does not exist"));
  CHECK(mqpasswd(workspace, {"-c", "-b", dangling.string(), "bob", "pw"}).exit_code == 0);
  CHECK(std::filesystem::is_symlink(dangling));
  CHECK(read_file(workspace / "nowhere").starts_with("bob:$7$"));
  CHECK((status_of(workspace / "nowhere").st_mode & 07777) == 0600);
}

TEST_CASE("a missing file or a missing directory is exit 10 and creates nothing") {
  Workspace workspace;
  const auto missing = workspace / "missing";
  const Outcome not_there = mqpasswd(workspace, {"-b", missing.string(), "alice", "pw"});
  CHECK(not_there.exit_code == 10);
  CHECK(contains(not_there.err, missing.string() + " does not exist"));
  CHECK(contains(not_there.err, "-c"));
  CHECK_FALSE(std::filesystem::exists(missing));
  CHECK(mqpasswd(workspace, {"-U", missing.string()}).exit_code == 10);
  CHECK(mqpasswd(workspace, {"--check", missing.string(), "alice", "pw"}).exit_code == 10);

  const Outcome nowhere =
      mqpasswd(workspace, {"-c", "-b", (workspace / "no" / "dir").string(), "alice", "pw"});
  CHECK(nowhere.exit_code == 10);
  CHECK(contains(nowhere.err, "the directory '" + (workspace / "no").string() + "' does not exist"));
  CHECK_FALSE(std::filesystem::exists(workspace / "no"));
}

namespace {

// Every form of mqpasswd, with FILE (and LIST) put in.
std::vector<std::vector<std::string>> every_command(const std::string& file, const std::string& list) {
  return {{file, "carol"},  // asks for the password: refused before asking
          {"-b", file, "carol", "pw"},
          {"-c", "-b", file, "carol", "pw"},
          {"-D", file, "alice"},
          {"-U", file},
          {"--batch-file", list, file},
          {"--list", file},
          {"--check", file, "alice", "pw"}};
}

struct SpecialFile {
  std::filesystem::path path;
  std::string said;
};

}  // namespace

TEST_CASE("a directory, a FIFO or a device as FILE is a usage error (exit 2) and stays as it was") {
  Workspace workspace;
  const auto list = workspace.write("list", "carol:pw\n");
  const auto directory = workspace / "directory";
  std::filesystem::create_directory(directory);
  const auto fifo = workspace / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  require_root("mknod");
  const auto null = workspace / "null";
  REQUIRE(::mknod(null.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0);  // /dev/null's numbers
  const std::vector<SpecialFile> cases{
      {directory, "is a directory"}, {fifo, "is a FIFO"}, {null, "is a character device"}};
  for (const SpecialFile& special : cases) {
    const auto before = status_of(special.path);
    for (const auto& command : every_command(special.path.string(), list.string())) {
      CAPTURE(command);
      const Outcome outcome = mqpasswd(workspace, command);
      CHECK(outcome.exit_code == 2);
      CHECK(contains(outcome.err, "the password file '" + special.path.string() + "' " + special.said));
      const auto after = status_of(special.path);
      CHECK(after.st_ino == before.st_ino);
      CHECK(after.st_mode == before.st_mode);
    }
  }
  CHECK(std::filesystem::is_empty(directory));
}

TEST_CASE("as root, a link another user planted in a sticky world-writable directory is not followed") {
  require_root("lchown of a link to uid 65534");
  Workspace workspace;
  const auto etc = workspace / "etc";  // root's, like /etc/mosquitto
  std::filesystem::create_directory(etc);
  const std::string original = "alice:" + mosquitto_hash + "\n";
  const auto victim = etc / "passwd";
  Workspace::write_file(victim, original);
  const auto shared = workspace / "tmp";  // like /tmp
  std::filesystem::create_directory(shared);
  REQUIRE(::chmod(shared.c_str(), 01777) == 0);
  const auto planted = shared / "passwd";
  std::filesystem::create_symlink(victim, planted);
  REQUIRE(::lchown(planted.c_str(), 65534, 65534) == 0);  // as if uid 65534 had made it

  const auto list = workspace.write("list", "mallory:pw\n");
  for (const auto& command : every_command(planted.string(), list.string())) {
    if (command.front() == "--list" || command.front() == "--check") continue;  // reading is harmless
    CAPTURE(command);
    const Outcome outcome = mqpasswd(workspace, command);
    CHECK(outcome.exit_code == 10);
    CHECK(contains(outcome.err, planted.string() + "' is a symbolic link in " + shared.string() +
                                    ", a sticky directory anyone may write to"));
    CHECK(contains(outcome.err, "the link belongs to uid 65534"));
    CHECK(contains(outcome.err, "give its path instead of the link's"));
    CHECK(read_file(victim) == original);
    CHECK(std::filesystem::is_symlink(planted));
  }
  // root's own link in the same place is followed
  const auto own = shared / "own";
  std::filesystem::create_symlink(victim, own);
  CHECK(mqpasswd(workspace, {"-b", own.string(), "bob", "pw"}).exit_code == 0);
  CHECK(contains(read_file(victim), "bob:$7$"));
}

TEST_CASE("-U hashes a plain-text password with ':' in it: everything after the first ':'") {
  Workspace workspace;
  const auto file = workspace.write("passwords", "alice:" + mosquitto_hash + "\ncarl:with:colon\n");
  CHECK(mqpasswd(workspace, {"--list", file.string()}).out == "alice\tsha512-pbkdf2\t101\ncarl\tplain\t-\n");
  const Outcome hashed = mqpasswd(workspace, {"-U", file.string()});
  INFO("stderr: " << hashed.err);
  CHECK(hashed.exit_code == 0);
  CHECK(hashed.out == "Hashing password for user carl\n");
  CHECK(contains(read_file(file), "\ncarl:$7$1000$"));
  CHECK(mqpasswd(workspace, {"--check", file.string(), "carl", "with:colon"}).exit_code == 0);
  CHECK(mqpasswd(workspace, {"--check", file.string(), "carl", "with"}).exit_code == 5);
  // the same password through -b and --batch-file gives the same answer
  CHECK(mqpasswd(workspace, {"-b", file.string(), "dave", "with:colon"}).exit_code == 0);
  CHECK(mqpasswd(workspace,
                 {"--batch-file", workspace.write("list", "erin:with:colon\n").string(), file.string()})
            .exit_code == 0);
  for (const std::string user : {"dave", "erin"})
    CHECK(mqpasswd(workspace, {"--check", file.string(), user, "with:colon"}).exit_code == 0);
}
