// mqpasswd on a terminal: the password is asked twice without echo, and Ctrl-C at the prompt
// gives the terminal back as it was.
#include <doctest/doctest.h>

#include "harness/terminal.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

TEST_CASE("on a terminal the password is asked twice and never shown") {
  Workspace workspace;
  const std::string file = (workspace / "passwords").string();
  Terminal terminal{{tool_path("mqpasswd"), "-c", file, "alice"}, workspace.path()};
  REQUIRE(terminal.wait_for("Password: "));
  CHECK_FALSE(terminal.echoes());
  terminal.type("Tr0ub4dor&3\n");
  REQUIRE(terminal.wait_for("Reenter password: "));
  terminal.type("Tr0ub4dor&3\n");
  CHECK(terminal.finish() == 0);
  CHECK(contains(terminal.screen(), "Adding password for user alice"));
  CHECK_FALSE(contains(terminal.screen(), "Tr0ub4dor"));
  CHECK(terminal.echoes());
  CHECK(run_tool(workspace, "mqpasswd", {"--check", file, "alice", "Tr0ub4dor&3"}).exit_code == 0);
}

TEST_CASE("on a terminal two different passwords are refused and nothing is written") {
  Workspace workspace;
  const std::string file = (workspace / "passwords").string();
  Terminal terminal{{tool_path("mqpasswd"), "-c", file, "alice"}, workspace.path()};
  REQUIRE(terminal.wait_for("Password: "));
  terminal.type("first\n");
  REQUIRE(terminal.wait_for("Reenter password: "));
  terminal.type("second\n");
  CHECK(terminal.finish() == 2);
  CHECK(contains(terminal.screen(), "the two passwords do not match"));
  CHECK_FALSE(std::filesystem::exists(file));
}

TEST_CASE("Ctrl-C at the password prompt stops mqpasswd and turns the echo back on") {
  Workspace workspace;
  const std::string file = workspace.write("passwords", "").string();
  Terminal terminal{{tool_path("mqpasswd"), file, "alice"}, workspace.path()};
  REQUIRE(terminal.wait_for("Password: "));
  terminal.type("half-typed");
  terminal.type("\x03");
  CHECK(terminal.finish() == 130);
  CHECK(terminal.echoes());
  CHECK(read_file(file) == "");
}

TEST_CASE("--check asks once on a terminal") {
  Workspace workspace;
  const std::string file = (workspace / "passwords").string();
  REQUIRE(run_tool(workspace, "mqpasswd", {"-c", "-b", file, "alice", "pw"}).exit_code == 0);
  Terminal terminal{{tool_path("mqpasswd"), "--check", file, "alice"}, workspace.path()};
  REQUIRE(terminal.wait_for("Password: "));
  terminal.type("pw\n");
  CHECK(terminal.finish() == 0);
  CHECK(contains(terminal.screen(), "Password for user alice matches"));
}
