#pragma once

// What the tests that bind a file over a system file (/etc/hosts) in a mount namespace of their
// own need to know of this machine's mounts. Shared by the unit and the integration tests.

#include <fstream>
#include <iterator>
#include <string>

namespace mq::test {

/// Whether some mount of this machine propagates mounts made below it to other namespaces. Where
/// none does, a new mount namespace is private as it is: making "/" private first, which needs it
/// to be a mount point, may be left out (in a chroot, as fresh-debian runs the tests, it is not).
inline bool any_shared_mount() {
  std::ifstream mounts{"/proc/self/mountinfo"};
  const std::string table{std::istreambuf_iterator<char>{mounts}, std::istreambuf_iterator<char>{}};
  return table.find(" shared:") != std::string::npos;
}

}  // namespace mq::test
