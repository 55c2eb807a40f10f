#pragma once

#include <unistd.h>

// A coverage build's profile runtime (scripts/coverage), when linked in: null otherwise.
extern "C" int __llvm_profile_write_file(void) __attribute__((weak));

namespace mq::test {

/// Ends a child process made by fork() in a test with _exit(status), as a forked child must (no
/// exit-time handlers of the parent run twice). In a coverage build it first writes what the
/// child ran, which _exit would skip; LLVM_PROFILE_FILE's %m merges it into the profile of the
/// parent's pid.
[[noreturn]] inline void exit_child(int status) {
  if (__llvm_profile_write_file != nullptr) __llvm_profile_write_file();
  ::_exit(status);
}

}  // namespace mq::test
