#include "mq/output.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace mq {

Error stdout_error(int error_number) {
  const std::string reason = error_number == EPIPE ? "the program reading it exited before reading everything"
                             : error_number != 0
                                 ? fmt::format("the system refused the data: {}", std::strerror(error_number))
                                 : "an earlier write was refused by the system";
  return Error{Exit::file, "cannot write to standard output", reason,
               "check the disk, the file or the program that standard output goes to"};
}

void write_stdout(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    throw stdout_error(errno);
}

void check_stdout() {
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (!flushed || std::ferror(stdout) || std::cout.fail()) throw stdout_error(flushed ? 0 : errno);
}

OutputBuffer::OutputBuffer(int fd, std::size_t flush_threshold) : fd_(fd), flush_threshold_(flush_threshold) {
  buffer_.reserve(flush_threshold + 4096);
}

OutputBuffer::~OutputBuffer() {
  try {
    flush();
  } catch (...) {  // a destructor reports nothing; run() flushes explicitly before returning
  }
}

void OutputBuffer::append(std::string_view bytes) {
  buffer_.append(bytes);
  flush_if_full();
}

void OutputBuffer::flush_if_full() {
  if (buffer_.size() >= flush_threshold_) flush();
}

bool OutputBuffer::check_reader_gone() {
  pollfd output{fd_, 0, 0};  // no events asked: POLLERR and POLLHUP are always reported
  if (!reader_gone_ && ::poll(&output, 1, 0) == 1 && (output.revents & (POLLERR | POLLHUP)) != 0)
    reader_gone_ = true;
  return reader_gone_;
}

bool OutputBuffer::flush() {
  std::size_t written = 0;
  while (written < buffer_.size() && !reader_gone_) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n >= 0) {
      written += static_cast<std::size_t>(n);
    } else if (errno == EPIPE) {
      reader_gone_ = true;
    } else if (errno != EINTR && errno != EAGAIN) {
      const int error_number = errno;
      buffer_.clear();
      throw stdout_error(error_number);
    }
  }
  buffer_.clear();
  return !reader_gone_;
}

}  // namespace mq
