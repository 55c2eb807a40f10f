// Password files written by mqpasswd, read by a real mosquitto: users log in with the right
// password and are refused (exit 5) with a wrong one, before and after a SIGHUP reload.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

void mqpasswd(const Workspace& workspace, const std::vector<std::string>& arguments,
              std::optional<std::string> input = std::nullopt) {
  const Outcome outcome = run_tool(workspace, "mqpasswd", arguments, std::move(input));
  INFO("mqpasswd ", arguments, " said: ", outcome.err);
  REQUIRE(outcome.exit_code == 0);
}

// The exit code of publishing one message as user/password.
int login(const Workspace& workspace, const Broker& broker, const std::string& user,
          const std::string& password) {
  return run_tool(workspace, "mqpub",
                  {"-p", broker.port_text(), "-u", user, "-P", password, "-t", "t", "-m", "x", "-q", "1"})
      .exit_code;
}

BrokerSetup with_password_file(const std::filesystem::path& file) {
  BrokerSetup setup;
  setup.anonymous = false;
  setup.password_file_path = file;
  return setup;
}

// Sends SIGHUP and waits until the broker logged that it reloaded (its loop does the reload
// before it serves the next connection).
void reload(const Broker& broker) {
  const auto count = [&] {
    const std::string log = broker.log();
    std::size_t found = 0;
    for (auto at = log.find("Reloading config"); at != std::string::npos;
         at = log.find("Reloading config", at + 1))
      ++found;
    return found;
  };
  const std::size_t before = count();
  broker.reload();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (count() == before) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

TEST_CASE(
    "users made by mqpasswd with every hash type and iteration count log in, wrong passwords are refused") {
  Workspace workspace;
  const std::string file = (workspace / "passwords").string();
  mqpasswd(workspace, {"-c", "-b", file, "default", "pw-default"});
  mqpasswd(workspace, {"-b", "-I", "1", file, "one-iteration", "pw-1"});
  mqpasswd(workspace, {"-b", "-I", "101", file, "mosquitto-default", "pw-101"});
  mqpasswd(workspace, {"-b", "-H", "sha512-pbkdf2", "-I", "20000", file, "many-iterations", "pw-20000"});
  mqpasswd(workspace, {"-b", "-H", "sha512", file, "sha512", "pw-sha512"});
  mqpasswd(workspace, {file, "prompted"}, "pw prompted: with spaces\npw prompted: with spaces\n");
  mqpasswd(workspace, {"-H", "sha512", "--batch-file", "-", file}, "batch-a:pw-a\nbatch-b:pw:b\n");
  mqpasswd(workspace, {"-b", file, "caf\xc3\xa9", "p\xc3\xa4ss"});
  Broker broker{workspace, with_password_file(file)};
  const std::vector<std::pair<std::string, std::string>> users{{"default", "pw-default"},
                                                               {"one-iteration", "pw-1"},
                                                               {"mosquitto-default", "pw-101"},
                                                               {"many-iterations", "pw-20000"},
                                                               {"sha512", "pw-sha512"},
                                                               {"prompted", "pw prompted: with spaces"},
                                                               {"batch-a", "pw-a"},
                                                               {"batch-b", "pw:b"},
                                                               {"caf\xc3\xa9", "p\xc3\xa4ss"}};
  for (const auto& entry : users) {
    const auto& [user, password] = entry;
    CAPTURE(entry.first);  // not a structured binding: clang cannot capture one
    CHECK(login(workspace, broker, user, password) == 0);
    CHECK(login(workspace, broker, user, password + "x") == 5);
  }
  CHECK(login(workspace, broker, "nobody", "pw-default") == 5);
}

TEST_CASE("plain-text passwords hashed by -U let their users log in") {
  Workspace workspace;
  const auto file = workspace.write("passwords", "# staff\nalice:wonderland\nbob:builder\n");
  const Outcome hashed = run_tool(workspace, "mqpasswd", {"-U", file.string()});
  CHECK(hashed.exit_code == 0);
  CHECK(hashed.out == "Hashing password for user alice\nHashing password for user bob\n");
  Broker broker{workspace, with_password_file(file)};
  CHECK(login(workspace, broker, "alice", "wonderland") == 0);
  CHECK(login(workspace, broker, "bob", "builder") == 0);
  CHECK(login(workspace, broker, "bob", "wonderland") == 5);
}

TEST_CASE(
    "a file made by mosquitto_passwd is read, updated and still accepted, and stays mosquitto_passwd's") {
  Workspace workspace;
  const std::string file = (workspace / "passwords").string();
  const auto mosquitto_passwd = [&](const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{"mosquitto_passwd"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    REQUIRE(run(Command{argv, {}, {}}, workspace.path()).exit_code == 0);
  };
  mosquitto_passwd({"-c", "-b", file, "alice", "old-alice"});
  mosquitto_passwd({"-b", "-H", "sha512", file, "bob", "pw-bob"});
  mosquitto_passwd({"-b", file, "erin", "pw-erin"});

  const Outcome listed = run_tool(workspace, "mqpasswd", {"--list", file});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out == "alice\tsha512-pbkdf2\t101\nbob\tsha512\t-\nerin\tsha512-pbkdf2\t101\n");
  mqpasswd(workspace, {"-b", file, "alice", "new-alice"});
  mqpasswd(workspace, {"-b", file, "carol", "pw-carol"});
  mqpasswd(workspace, {"-D", file, "erin"});
  CHECK(run_tool(workspace, "mqpasswd", {"--check", file, "bob", "pw-bob"}).exit_code == 0);
  mosquitto_passwd({"-b", file, "dave", "pw-dave"});  // mosquitto_passwd still edits what we wrote

  Broker broker{workspace, with_password_file(file)};
  CHECK(login(workspace, broker, "alice", "new-alice") == 0);
  CHECK(login(workspace, broker, "alice", "old-alice") == 5);
  CHECK(login(workspace, broker, "bob", "pw-bob") == 0);
  CHECK(login(workspace, broker, "carol", "pw-carol") == 0);
  CHECK(login(workspace, broker, "dave", "pw-dave") == 0);
  CHECK(login(workspace, broker, "erin", "pw-erin") == 5);
}

TEST_CASE("after a SIGHUP the broker sees users added, changed and deleted by mqpasswd") {
  Workspace workspace;
  const std::string file = (workspace / "passwords").string();
  mqpasswd(workspace, {"-c", "-b", file, "alice", "first"});
  mqpasswd(workspace, {"-b", file, "carol", "pw-carol"});
  Broker broker{workspace, with_password_file(file)};
  CHECK(login(workspace, broker, "alice", "first") == 0);

  mqpasswd(workspace, {"-b", file, "bob", "pw-bob"});
  mqpasswd(workspace, {"-b", file, "alice", "second"});
  mqpasswd(workspace, {"-D", file, "carol"});
  CHECK(login(workspace, broker, "bob", "pw-bob") == 5);  // not reloaded yet
  reload(broker);
  CHECK(login(workspace, broker, "bob", "pw-bob") == 0);
  CHECK(login(workspace, broker, "alice", "second") == 0);
  CHECK(login(workspace, broker, "alice", "first") == 5);
  CHECK(login(workspace, broker, "carol", "pw-carol") == 5);
  CHECK_FALSE(contains(broker.log(), "Unable to decode"));
}
