// mqpasswd's command line, in-process: which mode each form selects and what is refused.
#include <doctest/doctest.h>

#include <vector>

#include "mq/app.hpp"
#include "passwd.hpp"

using mq::passwd::Mode;

namespace {

mq::passwd::Options parse(std::vector<const char*> arguments) {
  mq::passwd::Options options;
  mq::ToolApp app{"mqpasswd", "test"};
  mq::passwd::add_options(app, options);
  arguments.insert(arguments.begin(), "mqpasswd");
  mq::parse_command_line(app, static_cast<int>(arguments.size()), arguments.data());
  return options;
}

Mode mode_of(std::vector<const char*> arguments) {
  return mq::passwd::check_usage(parse(std::move(arguments)));
}

std::string refusal(std::vector<const char*> arguments) {
  try {
    mode_of(std::move(arguments));
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    return error.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("mosquitto_passwd's forms select their modes") {
  CHECK(mode_of({"file", "user"}) == Mode::set);
  CHECK(mode_of({"-c", "file", "user"}) == Mode::set);
  CHECK(mode_of({"-c", "-b", "file", "user", "password"}) == Mode::set);
  CHECK(mode_of({"-H", "sha512", "-b", "file", "user", "password"}) == Mode::set);
  CHECK(mode_of({"-D", "file", "user"}) == Mode::remove);
  CHECK(mode_of({"-U", "file"}) == Mode::hash);
  CHECK(mode_of({"--check", "file", "user"}) == Mode::check);
  CHECK(mode_of({"--check", "file", "user", "password"}) == Mode::check);
  CHECK(mode_of({"--batch-file", "-", "file"}) == Mode::batch);
  CHECK(mode_of({"--list", "--json", "file"}) == Mode::list);
}

TEST_CASE("-H and -I set how new passwords are hashed") {
  const auto defaults = parse({"file", "user"});
  CHECK(defaults.hash.type() == mq::password::HashType::sha512_pbkdf2);
  CHECK(defaults.hash.iteration_count() == 1000);
  const auto chosen = parse({"-H", "sha512-pbkdf2", "-I", "5000", "file", "user"});
  CHECK(chosen.hash.iteration_count() == 5000);
  CHECK(parse({"-H", "sha512", "file", "user"}).hash.type() == mq::password::HashType::sha512);
}

TEST_CASE("arguments after '--' are positional, even when they start with '-'") {
  const auto options = parse({"-b", "file", "user", "--", "-secret"});
  CHECK(options.arguments == std::vector<std::string>{"file", "user", "-secret"});
  CHECK(options.unexpected.empty());
  CHECK(refusal({"-b", "file", "user", "-secret"}) == "unknown option '-secret'");
}

TEST_CASE("conflicting modes and misplaced options are refused") {
  CHECK(refusal({"-D", "--list", "file"}) == "-D and --list cannot be used together");
  CHECK(refusal({"-c", "--check", "file", "user"}) == "-c and --check cannot be used together");
  CHECK(refusal({"-I", "7", "--list", "file"}) == "-H and -I cannot be used with --list");
  CHECK(refusal({"--json", "file", "user"}) == "--json needs --list");
  CHECK(refusal({"file", "user", "password"}) == "a password on the command line needs -b");
  CHECK(refusal({}) == "no password file given");
}
