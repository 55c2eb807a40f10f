// mqpasswd's command line: mosquitto_passwd's forms, every usage error exit 2 with the file
// untouched, and what --check, --list and --batch-file print.
#include <doctest/doctest.h>

#include "harness/tools.hpp"

using namespace mq::test;

namespace {

Outcome mqpasswd(const Workspace& workspace, const std::vector<std::string>& arguments,
                 std::optional<std::string> input = std::nullopt) {
  return run_tool(workspace, "mqpasswd", arguments, std::move(input));
}

// mosquitto_passwd -c -b FILE alice secret
const std::string alice_line = "alice:$7$101$nyjppBZWKDv+vyEJ$JHZEMwkuhhj7I6XOAkbf/"
                               "gunkknARLPmi1uFm9TrGppGw9SP7dqwumqQ6eGCMg9xZKBFkWDPPz3+YgC2Ey"
                               "005g==\n";

}  // namespace

TEST_CASE("every usage error exits 2, says what is wrong and leaves the file as it was") {
  Workspace workspace;
  const std::string file = workspace.write("passwords", "# users\n" + alice_line).string();
  const std::string list = workspace.write("list", "bob:pw\nbob:again\n").string();
  struct Case {
    std::vector<std::string> arguments;
    std::string said;
    std::optional<std::string> input = std::nullopt;
  };
  const std::vector<Case> cases{
      {{}, "no password file given"},
      {{file}, "1 argument given where 2 are expected"},
      {{file, "bob", "pw"}, "a password on the command line needs -b"},
      {{"-b", file, "bob"}, "2 arguments given where 3 are expected"},
      {{"-b", file, "bob", "pw", "more"}, "4 arguments given where 3 are expected"},
      {{"-c", "-D", file, "alice"}, "-c and -D cannot be used together"},
      {{"-c", "-U", file}, "-c and -U cannot be used together"},
      {{"-D", "-U", file}, "-D and -U cannot be used together"},
      {{"-b", "-D", file, "alice"}, "-b and -D cannot be used together"},
      {{"-b", "-U", file}, "-b and -U cannot be used together"},
      {{"-U", file, "alice"}, "2 arguments given where 1 is expected"},
      {{"-D", file}, "1 argument given where 2 are expected"},
      {{"-D", "-H", "sha512", file, "alice"}, "-H and -I cannot be used with -D"},
      {{"-H", "md5", file, "bob"}, "--hash: 'md5' is not one of sha512, sha512-pbkdf2"},
      {{"-I", "0", "-b", file, "bob", "pw"},
       "--iterations: 0 is out of range: give a whole number from 1 to 2147483647"},
      {{"-I", "many", "-b", file, "bob", "pw"}, "--iterations"},
      {{"-H", "sha512", "-I", "10", "-b", file, "bob", "pw"}, "-I cannot be used with -H sha512"},
      {{"-b", file, "bob:x", "pw"}, "the user name 'bob:x' cannot be used: it contains ':'"},
      {{"-b", file, "", "pw"}, "the user name '' cannot be used: it is empty"},
      {{"-b", file, "#bob", "pw"}, "the user name '#bob' cannot be used: it starts with '#'"},
      {{"-b", file, "bob\x01", "pw"}, "the user name 'bob\\x01' cannot be used: it contains a control"},
      {{"-b", file, "bob", ""}, "the password cannot be used: it is empty"},
      {{"-b", file, "bob", "-pw"}, "unknown option '-pw'"},
      {{"--bogus", file, "bob"}, "unknown option '--bogus'"},
      {{file, "bob"}, "the two passwords do not match", "one\ntwo\n"},
      {{file, "bob"}, "no password: standard input ended", "only-once\n"},
      {{file, "bob"}, "the password is empty", "\n\n"},
      {{"-D", file, "nobody"}, "user 'nobody' is not in " + file},
      {{"--check", file}, "1 argument given where 2 or 3 are expected"},
      {{"--check", file, "nobody", "pw"}, "user 'nobody' is not in " + file},
      {{"--check", "-c", file, "alice"}, "-c and --check cannot be used together"},
      {{"--list", file, "alice"}, "2 arguments given where 1 is expected"},
      {{"--json", file, "bob"}, "--json needs --list"},
      {{"--list", "-D", file}, "-D and --list cannot be used together"},
      {{"--batch-file", list, file, "bob"}, "2 arguments given where 1 is expected"},
      {{"--batch-file", list, file}, list + " line 2: user 'bob' is already on line 1"},
      {{"--batch-file", "/nonexistent/list", file}, "cannot read --batch-file /nonexistent/list"},
      {{"--batch-file", "-", file}, "--batch-file - has no users", "# nothing\n"},
  };
  for (const Case& example : cases) {
    const Outcome outcome = mqpasswd(workspace, example.arguments, example.input);
    INFO("expected: ", example.said, "\nstderr: ", outcome.err);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, "mqpasswd: error: " + example.said));
    CHECK(outcome.out == "");
    CHECK(read_file(file) == "# users\n" + alice_line);
  }
}

TEST_CASE("a password starting with '-' is given after '--'") {
  Workspace workspace;
  const std::string file = workspace.write("passwords", "").string();
  CHECK(mqpasswd(workspace, {"-b", file, "bob", "--", "-dash"}).exit_code == 0);
  CHECK(mqpasswd(workspace, {"--check", file, "bob", "--", "-dash"}).exit_code == 0);
}

TEST_CASE("the file and the user name are mosquitto_passwd's positional arguments, messages go to stdout") {
  Workspace workspace;
  const std::string file = (workspace / "passwords").string();
  const Outcome created = mqpasswd(workspace, {"-c", file, "alice"}, "s3cret\ns3cret\n");
  CHECK(created.exit_code == 0);
  CHECK(created.out == "Adding password for user alice\n");
  CHECK(created.err == "");
  CHECK(mqpasswd(workspace, {"-b", file, "bob", "pw"}).out == "Adding password for user bob\n");
  CHECK(mqpasswd(workspace, {"-b", file, "alice", "new"}).out == "Updating password for user alice\n");
  CHECK(mqpasswd(workspace, {"-D", file, "bob"}).out == "Deleting user bob\n");
  const Outcome quiet = mqpasswd(workspace, {"--quiet", "-b", file, "carol", "pw"});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.out == "");
  CHECK(mqpasswd(workspace, {"--list", file}).out ==
        "alice\tsha512-pbkdf2\t1000\ncarol\tsha512-pbkdf2\t1000\n");
}

TEST_CASE("--check exits 0 when the password matches, 5 when it does not, 2 when the user is missing") {
  Workspace workspace;
  const std::string file = workspace.write("passwords", alice_line + "bob:plain\n").string();
  const Outcome right = mqpasswd(workspace, {"--check", file, "alice", "secret"});
  CHECK(right.exit_code == 0);
  CHECK(right.out == "Password for user alice matches\n");
  const Outcome wrong = mqpasswd(workspace, {"--check", file, "alice", "Secret"});
  CHECK(wrong.exit_code == 5);
  CHECK(contains(wrong.err, "mqpasswd: error: the password given does not match user 'alice' in " + file));
  CHECK(wrong.out == "");
  CHECK(mqpasswd(workspace, {"--check", file, "nobody", "secret"}).exit_code == 2);
  CHECK(mqpasswd(workspace, {"--check", file, "alice"}, "secret\n").exit_code == 0);  // from a pipe
  CHECK(mqpasswd(workspace, {"--check", file, "alice"}, "wrong\n").exit_code == 5);
  const Outcome plain = mqpasswd(workspace, {"--check", file, "bob", "plain"});
  CHECK(plain.exit_code == 0);
  CHECK(contains(plain.err, "warning: user 'bob' has a plain-text password"));
  CHECK(contains(plain.err, "mqpasswd -U " + file));
  CHECK(mqpasswd(workspace, {"--check", "--quiet", file, "alice", "x"}).err == "");
}

TEST_CASE("--list prints users, hash types and iterations, never hashes, as text or JSON lines") {
  Workspace workspace;
  const std::string file = workspace.write("passwords", "# staff\n" + alice_line + "\nbob:plain\n").string();
  REQUIRE(mqpasswd(workspace, {"-H", "sha512", "-b", file, "carol", "pw"}).exit_code == 0);
  const Outcome text = mqpasswd(workspace, {"--list", file});
  CHECK(text.exit_code == 0);
  CHECK(text.out == "alice\tsha512-pbkdf2\t101\nbob\tplain\t-\ncarol\tsha512\t-\n");
  const Outcome json = mqpasswd(workspace, {"--list", "--json", file});
  CHECK(json.exit_code == 0);
  CHECK(json.out == "{\"hash\":\"sha512-pbkdf2\",\"iterations\":101,\"line\":2,\"user\":\"alice\"}\n"
                    "{\"hash\":\"plain\",\"line\":4,\"user\":\"bob\"}\n"
                    "{\"hash\":\"sha512\",\"line\":5,\"user\":\"carol\"}\n");
}

TEST_CASE("--batch-file adds and updates many users in one rewrite, from a file or standard input") {
  Workspace workspace;
  const std::string file = workspace.write("passwords", "# staff\n" + alice_line).string();
  const std::string list = workspace.write("list", "# new\nbob:pw-bob\r\nalice:pw:alice\n").string();
  const Outcome batch = mqpasswd(workspace, {"-I", "5", "--batch-file", list, file});
  CHECK(batch.exit_code == 0);
  CHECK(batch.out == "Adding password for user bob\nUpdating password for user alice\n");
  CHECK(mqpasswd(workspace, {"--check", file, "alice", "pw:alice"}).exit_code == 0);
  CHECK(mqpasswd(workspace, {"--check", file, "bob", "pw-bob"}).exit_code == 0);
  CHECK(read_file(file).starts_with("# staff\nalice:$7$5$"));

  const std::string created = (workspace / "created").string();
  const Outcome from_stdin = mqpasswd(workspace, {"-c", "--batch-file", "-", created}, "carol:pw\n");
  CHECK(from_stdin.exit_code == 0);
  CHECK(mqpasswd(workspace, {"--list", created}).out == "carol\tsha512-pbkdf2\t1000\n");
}
