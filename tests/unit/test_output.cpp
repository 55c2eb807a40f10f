#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "mq/output.hpp"

TEST_CASE(
    "a failed standard output is exit 10 with the reason: the reader gone, the system's word, or none") {
  const mq::Error gone = mq::stdout_error(EPIPE);
  CHECK(gone.code() == mq::Exit::file);
  CHECK(std::string{gone.what()} == "cannot write to standard output");
  CHECK(gone.cause() == "the program reading it exited before reading everything");
  CHECK(mq::stdout_error(ENOSPC).cause() == "the system refused the data: No space left on device");
  CHECK(mq::stdout_error(0).cause() == "an earlier write was refused by the system");
}
