#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mq/app.hpp"
#include "mq/error.hpp"

namespace {

// The usage error a small tool's command line gives, as "what | fix".
std::string refusal(std::vector<const char*> arguments) {
  mq::ToolApp app{"mqtest", "test"};
  std::string file, key, cert;
  int count = 0;
  bool flag = false;
  app.add_option("--count", count, "How many")->type_name("N");
  app.add_flag("--flag", flag, "A flag");
  auto* cert_option = app.add_option("--cert", cert, "Certificate");
  app.add_option("--key", key, "Key")->excludes("--count");
  cert_option->needs("--key");
  app.add_option("files", file, "The file to read")->required()->option_text("FILE");
  arguments.insert(arguments.begin(), "mqtest");
  try {
    mq::parse_command_line(app, static_cast<int>(arguments.size()), arguments.data());
  } catch (const mq::Error& failure) {
    CHECK(failure.code() == mq::Exit::usage);
    return std::string{failure.what()} + " | " + failure.fix();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("CLI11's errors reach users in our words") {
  CHECK(refusal({"f"}) == "accepted");
  CHECK(refusal({}) == "FILE is missing | give FILE (The file to read)");
  CHECK(refusal({"f", "--bogus"}) == "unknown option '--bogus' | ");
  CHECK(refusal({"f", "g"}) == "unexpected argument 'g' | ");
  CHECK(refusal({"f", "--bogus", "5"}) ==
        "unknown option '--bogus' | ");  // not "unexpected argument '5 --bogus'"
  CHECK(refusal({"f", "--cert", "c"}) == "--cert needs --key | add --key");
  CHECK(refusal({"f", "--key", "k", "--count", "1"}) ==
        "--count and --key cannot be used together | give only one of them");
  CHECK(refusal({"f", "--count"}) == "--count needs a value | give --count N (How many)");
  CHECK(refusal({"f", "--flag=maybe"}) == "--flag: 'maybe' is not a valid value | give --flag (A flag)");
}

TEST_CASE("a command line without even a program name (execve with an empty argv) parses as empty") {
  for (const char* fallback : {"", "pubsub"}) {
    CAPTURE(fallback);
    mq::ToolApp app{"mqtest", "test"};
    bool flagged = false;
    app.add_flag("--flag", flagged, "A flag");
    app.add_subcommand("pubsub", "The default");
    if (*fallback != '\0') app.default_subcommand(fallback);
    CHECK_NOTHROW(mq::parse_command_line(app, 0, nullptr));
    CHECK_FALSE(flagged);
    CHECK(app.with_default_subcommand({}).empty());
    CHECK(app.with_default_subcommand({"mqtest"}) == (*fallback != '\0'
                                                          ? std::vector<std::string>{"mqtest", "pubsub"}
                                                          : std::vector<std::string>{"mqtest"}));
  }
}

TEST_CASE("a missing subcommand is named with the ones there are") {
  mq::ToolApp app{"mqtest", "test"};
  app.add_subcommand("one", "The first");
  app.add_subcommand("two", "The second");
  app.require_subcommand(1);
  const char* arguments[] = {"mqtest"};
  try {
    mq::parse_command_line(app, 1, arguments);
    FAIL("accepted");
  } catch (const mq::Error& failure) {
    CHECK(failure.code() == mq::Exit::usage);
    CHECK(std::string{failure.what()} == "a subcommand is missing");
    CHECK(failure.fix() == "give one of one, two");
  }
}
