#pragma once

#include <cstddef>

// libmosquitto 2.0 reads every incoming packet with at least three read() calls (the type byte,
// the length, the body) and then one more that finds nothing: four system calls per message,
// the main cost of a fast subscriber. The read buffer gives libmosquitto's read() of the sockets
// a session adopts a buffer in our process: one read() of up to 64 KiB serves all those small
// reads. It works by defining read() and close() in the executable, which the dynamic linker
// then prefers for libmosquitto's calls; every other descriptor goes straight to the C library.
// A socket's buffer holds memory only while bytes wait in it, so that mqbench's thousands of
// connections can have one each.
//
// That replacement is process-wide, so only a program that asks for the buffer has it: the
// definitions are in their own library, mq_read_buffer, which only mqpub, mqsub and mqbench
// link, to hand process_read_buffer() to Session::enable_read_buffering.
namespace mq {

/// What a Session needs of a read buffer.
class ReadBuffering {
public:
  virtual ~ReadBuffering() = default;
  /// Starts buffering the reads of `fd` (a connected socket), until it is closed; one thread at a
  /// time reads it (the session's loop thread).
  virtual void adopt(int fd) = 0;
  /// Bytes of `fd` already read from the kernel and not yet handed out: the socket may not be
  /// readable although input is waiting.
  virtual std::size_t pending(int fd) const = 0;
};

/// The process's one read buffer (in mq_read_buffer, which replaces read() and close()).
ReadBuffering& process_read_buffer();

}  // namespace mq
