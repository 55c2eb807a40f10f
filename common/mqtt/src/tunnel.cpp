#include "mq/tunnel.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace mq {

Tunnel::Tunnel(Tunnel&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), ssl_(std::exchange(other.ssl_, nullptr)),
      unread_(std::move(other.unread_)) {}

Tunnel& Tunnel::operator=(Tunnel&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(ssl_, other.ssl_);
  std::swap(unread_, other.unread_);
  return *this;
}

Tunnel::~Tunnel() { close(); }

void Tunnel::close() {
  if (ssl_) SSL_free(std::exchange(ssl_, nullptr));
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  unread_.clear();
}

bool Tunnel::has_buffered_input() const { return !unread_.empty() || (ssl_ && SSL_pending(ssl_) > 0); }

TunnelIo Tunnel::read(char* buffer, std::size_t size) {
  if (!unread_.empty()) {
    const std::size_t count = std::min(size, unread_.size());
    std::memcpy(buffer, unread_.data(), count);
    unread_.erase(0, count);
    return {TunnelIo::State::moved, count, 0};
  }
  if (!ssl_) {
    const ssize_t received = ::recv(fd_, buffer, size, MSG_DONTWAIT);
    if (received > 0) return {TunnelIo::State::moved, static_cast<std::size_t>(received), 0};
    if (received == 0) return {TunnelIo::State::ended, 0, 0};
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {};
    return {TunnelIo::State::ended, 0, errno};
  }
  ERR_clear_error();
  errno = 0;
  const int received = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, INT32_MAX)));
  if (received > 0) return {TunnelIo::State::moved, static_cast<std::size_t>(received), 0};
  switch (SSL_get_error(ssl_, received)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return {};
  case SSL_ERROR_ZERO_RETURN:
    return {TunnelIo::State::ended, 0, 0};
  default:
    return {TunnelIo::State::ended, 0, errno != 0 ? errno : ECONNRESET};
  }
}

TunnelIo Tunnel::write(const char* bytes, std::size_t size) {
  if (!ssl_) {
    const ssize_t sent = ::send(fd_, bytes, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return {TunnelIo::State::moved, static_cast<std::size_t>(sent), 0};
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {};
    return {TunnelIo::State::ended, 0, errno};
  }
  ERR_clear_error();
  errno = 0;
  const int sent = SSL_write(ssl_, bytes, static_cast<int>(std::min<std::size_t>(size, INT32_MAX)));
  if (sent > 0) return {TunnelIo::State::moved, static_cast<std::size_t>(sent), 0};
  switch (SSL_get_error(ssl_, sent)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return {};
  default:
    return {TunnelIo::State::ended, 0, errno != 0 ? errno : EPIPE};
  }
}

}  // namespace mq
