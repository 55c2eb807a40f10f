// run_main, the runner every tool's main() ends in: what escapes a tool's body becomes an exit
// code and a diagnostic, a bug included.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>

#include "mq/app.hpp"
#include "mq/diagnostics.hpp"
#include "mq/error.hpp"

namespace fs = std::filesystem;

namespace {

struct Outcome {
  int status;
  std::string err;
};

// Runs `body` through run_main for a tool "mqtest" without arguments, with its standard error
// in a file; the program name of the diagnostics is put back afterwards.
Outcome run(const mq::ToolBody& body) {
  std::string pattern = (fs::temp_directory_path() / "mq-unit-app-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  REQUIRE(fd >= 0);
  const std::string program = mq::diag::program();
  const mq::diag::Verbosity verbosity = mq::diag::verbosity();
  mq::diag::set_verbosity(mq::diag::Verbosity::normal);
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  mq::ToolApp app{"mqtest", "test"};
  char name[] = "mqtest";
  char* argv[] = {name, nullptr};
  const int status = mq::run_main(app, 1, argv, body);
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  mq::diag::set_program(program);
  mq::diag::set_verbosity(verbosity);
  std::ifstream in{pattern};
  std::ostringstream err;
  err << in.rdbuf();
  fs::remove(pattern);
  return Outcome{status, err.str()};
}

}  // namespace

TEST_CASE("a tool's Error is its exit code and its diagnostic") {
  const Outcome outcome = run([]() -> mq::Exit {
    throw mq::Error{mq::Exit::network, "cannot connect", "refused", "start the broker"};
  });
  CHECK(outcome.status == 3);
  CHECK(outcome.err == "mqtest: error: cannot connect\n  cause: refused\n  fix: start the broker\n");
  CHECK(run([] { return mq::Exit::incomplete; }).status == 9);
}

TEST_CASE("any other exception is a bug in mq: exit 1, and says so") {
  const Outcome bug = run([]() -> mq::Exit { throw std::logic_error("index out of range"); });
  CHECK(bug.status == 1);
  CHECK(bug.err == "mqtest: error: internal error: index out of range\n"
                   "  cause: this is a bug in mq, not in your command or your broker\n"
                   "  fix: please report it with the command line and the output of -d\n");
  const Outcome memory = run([]() -> mq::Exit { throw std::bad_alloc{}; });
  CHECK(memory.status == 1);
  CHECK(memory.err == "mqtest: error: out of memory\n");
}
