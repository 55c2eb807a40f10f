#pragma once

#include <string>
#include <string_view>

namespace mq {

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
  /// Writes everything buffered. Returns false once the reader has gone (EPIPE); later
  /// writes are dropped.
  bool flush();
  /// Whether the reader has gone away (a closed pipe, as in `mqsub ... | head -1`).
  bool reader_gone() const { return reader_gone_; }

private:
  void flush_if_full();

  int fd_;
  std::size_t flush_threshold_;
  std::string buffer_;
  bool reader_gone_ = false;
};

}  // namespace mq
