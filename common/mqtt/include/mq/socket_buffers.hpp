#pragma once

#include <cstddef>

// libmosquitto 2.0 reads every incoming packet with at least three read() calls (the type byte,
// the length, the body) and then one more that finds nothing, and writes every packet with a
// write() of its own: system calls are the main cost of a fast subscriber and of a fast
// publisher. The socket buffers stand between libmosquitto and the sockets a session adopts:
// - reading, one read() of up to 64 KiB serves all those small reads;
// - writing, while a session gathers its writes (Session::batch_writes), they are copied into a
//   buffer that leaves with one write() when the gathering ends: a burst of publishes costs one
//   system call, not one each. What the kernel does not take at once waits, in order, before
//   anything written later, until the socket is writable again.
// It works by defining read(), write() and close() in the executable, which the dynamic linker
// then prefers for libmosquitto's (and OpenSSL's) calls; every other descriptor goes straight to
// the C library. A buffer holds memory only while bytes wait in it, so that mqbench's thousands
// of connections can have one each.
//
// That replacement is process-wide, so only a program that asks for the buffers has it: the
// definitions are in their own library, mq_socket_buffers, which only mqpub, mqsub and mqbench
// link, to hand process_socket_buffers() to Session::enable_socket_buffers.
namespace mq {

/// What a Session needs of the socket buffers. One thread at a time uses a socket's buffers (the
/// session's loop thread).
class SocketBuffering {
public:
  virtual ~SocketBuffering() = default;
  /// Starts buffering `fd` (a connected socket), until it is closed.
  virtual void adopt(int fd) = 0;
  /// Bytes of `fd` already read from the kernel and not yet handed out: the socket may not be
  /// readable although input is waiting.
  virtual std::size_t unread(int fd) const = 0;
  /// On: what is written to `fd` waits in its buffer (up to 64 KiB, then it leaves). Off: sends
  /// what was gathered, as much as the kernel takes; the rest is unsent().
  virtual void gather_writes(int fd, bool on) = 0;
  /// Bytes written to `fd` that the kernel has not taken yet: wait until it is writable, then
  /// send_unsent(). A write() of `fd` sends them first, and fails with EAGAIN while any remain.
  virtual std::size_t unsent(int fd) const = 0;
  /// Sends what unsent() counts, as much as the kernel takes. After a failure other than EAGAIN
  /// the bytes are dropped: the connection is broken, which its next read reports.
  virtual void send_unsent(int fd) = 0;
};

/// The process's socket buffers (in mq_socket_buffers, which replaces read(), write() and close()).
SocketBuffering& process_socket_buffers();

}  // namespace mq
