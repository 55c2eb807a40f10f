#pragma once

#include <cstddef>

// libmosquitto 2.0 reads every incoming packet with at least three read() calls (the type byte,
// the length, the body) and then one more that finds nothing: four system calls per message,
// the main cost of a fast subscriber. ReadBuffer gives libmosquitto's read() of ONE socket a
// buffer in our process: one read() of up to 64 KiB serves all those small reads. It works by
// defining read() and close() in the executable, which the dynamic linker then prefers for
// libmosquitto's calls; every other descriptor goes straight to the C library.
namespace mq {

class ReadBuffer {
public:
  /// Starts buffering the reads of `fd` (a connected socket); buffered bytes of any previous
  /// descriptor are dropped. Only one descriptor at a time: the session's loop thread reads it.
  static void adopt(int fd);
  /// Stops buffering `fd` and drops what is buffered (done by close() too).
  static void release(int fd);
  /// Bytes of `fd` already read from the kernel and not yet handed out: the socket may not be
  /// readable although input is waiting.
  static std::size_t pending(int fd);
};

}  // namespace mq
