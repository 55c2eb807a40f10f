#pragma once

#include <string>

namespace mq::passwd {

/// Reads a new password from standard input. On a terminal it asks "Password: " and
/// "Reenter password: " without echo (the terminal is restored even on Ctrl-C); from a pipe or
/// file it reads the same two lines. Throws a usage Error when the two differ or input ends.
std::string read_new_password();

/// Reads one password ("Password: " on a terminal, one line otherwise), for --check.
std::string read_password();

}  // namespace mq::passwd
