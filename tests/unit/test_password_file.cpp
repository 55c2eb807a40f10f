#include <doctest/doctest.h>

#include <string>

#include "mq/error.hpp"
#include "password_file.hpp"

using namespace mq::password;

namespace {

const std::string alice_hash = "$7$101$nyjppBZWKDv+vyEJ$JHZEMwkuhhj7I6XOAkbf/"
                               "gunkknARLPmi1uFm9TrGppGw9SP7dqwumqQ6eGCMg9xZKBFkWDPPz3+YgC2Ey005g==";
const std::string bob_hash = "$6$+pZlRlcdQXWMK39W$DhHibJZ8tv+tbRGQRlFu1YcHHLM/nRbthO3coXpH/"
                             "Fk6wIsXYTOMDWDOTixrszV9KmPx+LHnirOQggjKG0ZgVw==";

// The error a malformed file gets: "<name> line N ..." and its cause.
std::string refusal(const std::string& content) {
  try {
    PasswordFile::parse(content, "passwords");
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::file);
    return std::string{error.what()} + " | " + error.cause();
  }
  return "accepted";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a file is read line by line and written back byte for byte") {
  const std::string content = "# users of the plant\n\nalice:" + alice_hash +
                              "\n  \t\n#bob left\nbob : " + bob_hash + " \r\ncarol:plain-text";
  const PasswordFile file = PasswordFile::parse(content, "passwords");
  CHECK(file.text() == content);
  CHECK(file.user_count() == 3);
  REQUIRE(file.find("alice"));
  CHECK(file.find("alice")->secret == alice_hash);
  REQUIRE(file.find("bob"));
  CHECK(file.find("bob")->secret == bob_hash);  // blanks around the name and the hash are the broker's too
  CHECK(file.find("carol")->secret == "plain-text");
  CHECK_FALSE(file.find("#bob left"));
  CHECK(secret_type(file.find("alice")->secret) == SecretType::sha512_pbkdf2);
  CHECK(secret_type(file.find("bob")->secret) == SecretType::sha512);
  CHECK(secret_type(file.find("carol")->secret) == SecretType::plain);
}

TEST_CASE("set replaces a user's line in place and keeps every other line") {
  PasswordFile file = PasswordFile::parse("# head\nalice:old\n\n# tail\n", "passwords");
  CHECK(file.set("alice", alice_hash) == Change::updated);
  CHECK(file.text() == "# head\nalice:" + alice_hash + "\n\n# tail\n");
}

TEST_CASE("set appends a new user at the end, adding the missing last newline first") {
  PasswordFile file = PasswordFile::parse("# head\nalice:" + alice_hash, "passwords");
  CHECK(file.set("bob", bob_hash) == Change::added);
  CHECK(file.text() == "# head\nalice:" + alice_hash + "\nbob:" + bob_hash + "\n");
  PasswordFile empty;
  CHECK(empty.set("bob", bob_hash) == Change::added);
  CHECK(empty.text() == "bob:" + bob_hash + "\n");
}

TEST_CASE("a Windows line end stays on the line that is replaced") {
  PasswordFile file = PasswordFile::parse("alice:old\r\nbob:" + bob_hash + "\r\n", "passwords");
  file.set("alice", alice_hash);
  CHECK(file.text() == "alice:" + alice_hash + "\r\nbob:" + bob_hash + "\r\n");
}

TEST_CASE("remove deletes only the user's line, and the index follows") {
  PasswordFile file = PasswordFile::parse("# c\nalice:a\nbob:b\n# d\ncarol:c\n", "passwords");
  CHECK(file.remove("bob"));
  CHECK_FALSE(file.remove("bob"));
  CHECK(file.text() == "# c\nalice:a\n# d\ncarol:c\n");
  CHECK(file.find("carol")->secret == "c");
  file.set("carol", "x");
  CHECK(file.text() == "# c\nalice:a\n# d\ncarol:x\n");
}

TEST_CASE("malformed lines are refused with their number and what is wrong") {
  CHECK(contains(refusal("alice:a\njust a name\n"), "passwords line 2"));
  CHECK(contains(refusal("alice:a\njust a name\n"), "no ':'"));
  CHECK(contains(refusal(":" + alice_hash + "\n"), "no user name"));
  CHECK(contains(refusal("alice:\n"), "user 'alice' has no password hash"));
  CHECK(contains(refusal("alice:   \n"), "no password hash"));
  CHECK(contains(refusal("alice:" + alice_hash + ":extra\n"), "second ':'"));
  CHECK(contains(refusal("alice:$7$101$bad$hash\n"), "the hash of user 'alice' is not valid"));
  CHECK(contains(refusal("alice:$6$101$" + alice_hash.substr(8) + "\n"), "two fields"));
  CHECK(contains(refusal(std::string{"alice:a\0b\n", 10}), "NUL"));
  CHECK(contains(refusal("  # indented comment\n"), "no ':'"));
}

TEST_CASE("a user on two lines is refused: the broker would pick one of them") {
  const std::string refused = refusal("alice:a\n# again\nalice :b\n");
  CHECK(contains(refused, "passwords line 3"));
  CHECK(contains(refused, "already on line 1"));
}

TEST_CASE("names in the file are shown safely") {
  CHECK(contains(refusal("\x1b[2Jalice:\n"), "'\\x1b[2Jalice'"));
}

TEST_CASE("user names follow mosquitto_passwd's rules and what the broker reads") {
  CHECK_FALSE(username_problem("alice"));
  CHECK_FALSE(username_problem("caf\xc3\xa9 user"));
  CHECK(username_problem(""));
  CHECK(username_problem("a:b"));
  CHECK(username_problem("a\tb"));
  CHECK(username_problem("a\x7f"));
  CHECK(username_problem(std::string(65536, 'a')));
  CHECK_FALSE(username_problem(std::string(65535, 'a')));
  CHECK(username_problem("#alice"));
  CHECK(username_problem(" alice"));
  CHECK(username_problem("alice "));
  CHECK(username_problem("bad\xff"));
}

TEST_CASE("passwords must not be empty nor longer than 65535 bytes") {
  CHECK_FALSE(password_problem("x"));
  CHECK(password_problem(""));
  CHECK(password_problem(std::string(65536, 'x')));
}

TEST_CASE("a batch list is user:password lines, the password keeps every byte after the first ':'") {
  const auto credentials = parse_credentials("# new staff\nalice:a:b c \r\n\nbob:-x\n", "list");
  REQUIRE(credentials.size() == 2);
  CHECK(credentials[0].user == "alice");
  CHECK(credentials[0].password == "a:b c ");
  CHECK(credentials[0].line == 2);
  CHECK(credentials[1].user == "bob");
  CHECK(credentials[1].password == "-x");
}

TEST_CASE("a bad batch list is a usage error naming the line") {
  const auto refused = [](const std::string& content) {
    try {
      parse_credentials(content, "list");
    } catch (const mq::Error& error) {
      CHECK(error.code() == mq::Exit::usage);
      return std::string{error.what()};
    }
    return std::string{"accepted"};
  };
  CHECK(refused("alice:a\nbob\n") == "list line 2: it has no ':' between user and password");
  CHECK(contains(refused("alice:\n"), "list line 1: the password of user 'alice'"));
  CHECK(contains(refused("a:b:c\n\nalice:x\nalice:y\n"), "list line 4: user 'alice' is already on line 3"));
  CHECK(contains(refused(" alice:x\n"), "blank"));
}

TEST_CASE("a plain-text password is everything after the first ':', colons included") {
  const PasswordFile file = PasswordFile::parse("carl:with:colon\nalice:" + alice_hash + "\n", "passwords");
  REQUIRE(file.find("carl"));
  CHECK(file.find("carl")->secret == "with:colon");
  CHECK(secret_type(file.find("carl")->secret) == SecretType::plain);
  CHECK(file.text() == "carl:with:colon\nalice:" + alice_hash + "\n");
}
