#include <fmt/format.h>
#include <mosquitto.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "mq/relay.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/socket_buffers.hpp"
#include "mq/tls.hpp"

// The session's own poll loop, and the calls an external loop makes instead (socket(),
// wants_write(), handle_*). Connecting, reconnecting and the callbacks are in session.cpp.
namespace mq {
namespace {

constexpr int reads_per_wakeup = 4096;  // bounds one handle_readable() so writes are not starved
constexpr int relay_pumps_per_event = 64;

}  // namespace

LoopExit Session::run_until(const std::function<bool()>& done, std::optional<Clock::time_point> deadline,
                            LoopExtras* extras) {
  for (;;) {
    rethrow_if_failed();
    if (done()) return LoopExit::done;
    if (StopSignals::received() != 0) return LoopExit::interrupted;
    auto wake_by = deadline;
    if (extras && extras->each_turn) {
      if (const auto next = extras->each_turn(); next && (!wake_by || *next < *wake_by)) wake_by = next;
      rethrow_if_failed();
      if (done()) return LoopExit::done;
    }
    if (deadline && Clock::now() >= *deadline) return LoopExit::timed_out;
    int timeout_ms = 1000;
    if (wake_by) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*wake_by - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, timeout_ms));
    }
    poll_once(timeout_ms, true, extras);
  }
}

bool Session::finish_until(const std::function<bool()>& done, Clock::time_point deadline,
                           LoopExtras* extras) {
  while (!failed() && !done() && Clock::now() < deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    poll_once(static_cast<int>(std::clamp<long long>(left, 0, 100)), false, extras);
  }
  return done();
}

void Session::poll_once(int timeout_ms, bool wake_on_stop_signal, LoopExtras* extras) {
  if (socket() >= 0 && !tcp_established_ && Clock::now() >= target_deadline_) {
    give_up_address(ETIMEDOUT);
    return;
  }
  if (reconnect_.active() && socket() >= 0 && Clock::now() >= connect_deadline_) {
    // the new connection got no CONNACK in time: count it as a failed attempt
    close_socket();
    start_reconnecting(connect_timeout_error(options_.connection.connect_timeout, attempt_, tls_.get()));
    return;
  }
  if (socket() < 0 && relay_ && relay_->active()) return poll_relay_only(timeout_ms);
  if (socket() < 0) {
    if (reconnect_.active()) {
      wait_and_reconnect(timeout_ms, wake_on_stop_signal);
    } else if (!failed() && !disconnecting_) {
      note_disconnect(MOSQ_ERR_NO_CONN, 0);
    }
    return;
  }
  // Input already in our read buffer does not make the socket readable: do not wait for it.
  const bool buffered_input = has_buffered_input();
  const auto now = Clock::now();
  const bool holding_reads = !buffered_input && now < reads_resume_;
  if (holding_reads) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(reads_resume_ - now).count();
    timeout_ms = std::min(timeout_ms, static_cast<int>(left));
  }
  if (!tcp_established_) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(target_deadline_ - now).count();
    timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, timeout_ms));
  }
  const short input = holding_reads ? 0 : POLLIN;
  std::vector<pollfd> watched{{socket(), static_cast<short>(input | (wants_write() ? POLLOUT : 0)), 0},
                              {wake_on_stop_signal ? StopSignals::fd() : -1, POLLIN, 0}};
  if (extras) {
    for (const LoopExtras::Watch& watch : extras->watches)
      watched.push_back({watch.wanted() ? watch.fd : -1, POLLIN, 0});
  }
  const std::size_t extras_end = watched.size();
  if (relay_) {
    relay_->add_watches(watched);
    // Coalesced reads (coalesce_reads) hold the broker's input back in the tunnel, where it arrives.
    if (holding_reads) watched[extras_end + 1].events &= static_cast<short>(~POLLIN);
  }
  const bool relay_input = relay_ && !holding_reads && relay_->has_buffered_input();
  if (::poll(watched.data(), watched.size(), buffered_input || relay_input ? 0 : timeout_ms) < 0) {
    if (errno != EINTR) fail(Error{Exit::internal, fmt::format("poll failed: {}", std::strerror(errno))});
    return;
  }
  // The relay hands libmosquitto what the broker sent this turn; what libmosquitto writes makes
  // its connection readable for the relay's next turn.
  const bool relayed_input =
      relay_ && relay_->pump(watched[extras_end].revents, watched[extras_end + 1].revents);
  if (buffered_input || relayed_input || (watched[0].revents & (POLLIN | POLLHUP | POLLERR))) {
    const auto started = Clock::now();
    handle_readable();
    reads_resume_ = started + read_window_;  // in the past when reading took the whole window
  }
  if ((watched[0].revents & POLLOUT) && socket() >= 0) handle_writable();
  if (socket() >= 0) handle_housekeeping();
  for (std::size_t i = 2; extras && i < extras_end; ++i) {
    if (watched[i].revents != 0) extras->watches[i - 2].on_ready();
  }
}

// libmosquitto has closed its end (after a DISCONNECT); the relay still carries the last bytes.
void Session::poll_relay_only(int timeout_ms) {
  std::vector<pollfd> watched;
  relay_->add_watches(watched);
  if (::poll(watched.data(), watched.size(), relay_->has_buffered_input() ? 0 : timeout_ms) < 0 &&
      errno != EINTR)
    return fail(Error{Exit::internal, fmt::format("poll failed: {}", std::strerror(errno))});
  relay_->pump(watched[0].revents, watched[1].revents);
}

int Session::socket() const { return handle_ ? mosquitto_socket(handle_.get()) : -1; }

bool Session::wants_write() const {
  if (socket() < 0) return false;
  if (!tcp_established_) return true;   // a TCP connect completes by becoming writable
  if (tls_handshaking()) return false;  // the server's answer comes next
  return mosquitto_want_write(handle_.get()) || has_unsent_output();
}

void Session::handle_readable() {
  if (!tcp_connect_done()) return;
  const int read_socket = socket();
  // The replies to what this wakeup reads (a PUBACK per QoS 1 message...) leave with one write().
  batch_writes(true);
  for (int reads = 0; reads < reads_per_wakeup && socket() >= 0; ++reads) {
    errno = 0;
    const int rc = mosquitto_loop_read(handle_.get(), 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      record_loop_result(rc);
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // drained: nothing more without blocking
  }
  if (socket() == read_socket) batch_writes(false);  // else closed: close() sent what it gathered
  events_.on_input_drained();
}

bool Session::has_buffered_input() const { return socket_buffers_ && socket_buffers_->unread(socket()) > 0; }

bool Session::has_unsent_output() const { return socket_buffers_ && socket_buffers_->unsent(socket()) > 0; }

void Session::handle_writable() {
  if (!tcp_connect_done()) return;
  // libmosquitto goes on with a TLS handshake only when asked to read.
  if (tls_handshaking()) return handle_readable();
  if (has_unsent_output()) socket_buffers_->send_unsent(socket());  // libmosquitto's queue may be empty
  errno = 0;
  const int rc = mosquitto_loop_write(handle_.get(), 1);
  if (rc != MOSQ_ERR_SUCCESS) record_loop_result(rc);
}

void Session::batch_writes(bool on) {
  if (socket_buffers_ && socket() >= 0) socket_buffers_->gather_writes(socket(), on);
}

std::array<pollfd, 2> Session::relay_watches() const {
  if (relay_opening_) {
    const OpeningWait wait = relay_opening_->wait();
    return {pollfd{-1, 0, 0}, pollfd{wait.fd, wait.events, 0}};
  }
  if (relay_) return relay_->watches();
  return {pollfd{-1, 0, 0}, pollfd{-1, 0, 0}};
}

// Input the relay holds (decrypted, or read ahead of the framing) makes no socket readable: it
// is pumped on until there is none, or until libmosquitto must read first (its backlog full). The
// bound is for a relay that no longer reads (its close frame received, the reply not yet sent).
void Session::handle_relay(short client_events, short tunnel_events) {
  if (relay_opening_) return advance_relay_opening();
  if (!relay_) return;
  bool delivered = relay_->pump(client_events, tunnel_events);
  for (int turns = 0; turns < relay_pumps_per_event && relay_->has_buffered_input(); ++turns)
    delivered = relay_->pump(0, 0) || delivered;
  if (delivered && socket() >= 0) handle_readable();
}

void Session::handle_housekeeping() {
  if (relay_opening_) return advance_relay_opening();  // its deadline may have passed
  if (socket() >= 0 && !tcp_established_) {
    if (Clock::now() >= target_deadline_) give_up_address(ETIMEDOUT);
    return;
  }
  const int rc = mosquitto_loop_misc(handle_.get());
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) record_loop_result(rc);
}

void Session::record_loop_result(int mosq_rc) {
  // libmosquitto normally reports a broken connection through on_disconnect first; this
  // catches the paths where it does not.
  const int error_number = errno;
  if (!loss_reported_ && (socket() < 0 || mosq_rc != MOSQ_ERR_SUCCESS))
    note_disconnect(mosq_rc, error_number);
}

}  // namespace mq
