#pragma once

#include <string>
#include <string_view>

#include "mq/error.hpp"

namespace mq {

/// The failure to write standard output (exit 10), with the system's reason.
Error stdout_error(int error_number);
/// Writes `text` to standard output at once (through stdio, flushed); throws stdout_error if
/// the system refuses it, e.g. a full disk or /dev/full.
void write_stdout(std::string_view text);
/// Flushes standard output and throws stdout_error if anything written to it through stdio or
/// iostreams was lost. run_main calls it after every tool, so no tool exits 0 with lost output.
void check_stdout();

/// Buffered writes to a file descriptor (stdout by default), flushed by the caller when input
/// runs dry, so a pipe sees light traffic at once and heavy traffic in large writes.
class OutputBuffer {
public:
  explicit OutputBuffer(int fd = 1, std::size_t flush_threshold = 64 * 1024);
  ~OutputBuffer();
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  void append(std::string_view bytes);
  void append(char byte) { buffer_.push_back(byte); }
  /// The pending bytes, for formatters that write in place; call flush_if_full() after.
  std::string& buffer() { return buffer_; }
  /// Writes the pending bytes once they reach the flush threshold.
  void flush_if_full();
  /// Writes everything buffered. Returns false once the reader has gone (EPIPE); later
  /// writes are dropped.
  bool flush();
  /// Bytes waiting to be written.
  std::size_t pending() const { return buffer_.size(); }
  /// Whether the reader has gone away (a closed pipe, as in `mqsub ... | head -1`).
  bool reader_gone() const { return reader_gone_; }
  /// Looks, without writing, whether the reader of a pipe or socket has gone (POLLERR);
  /// a system call, so callers do it now and then.
  bool check_reader_gone();

private:
  int fd_;
  std::size_t flush_threshold_;
  std::string buffer_;
  bool reader_gone_ = false;
};

}  // namespace mq
