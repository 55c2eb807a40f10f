#include "harness/fake_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace mq::test {
namespace {

void send_bytes(int fd, const std::vector<unsigned char>& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

// MQTT v5 properties: the reason string (0x1F) and server reference (0x1C), when set, behind
// their variable-length total.
std::vector<unsigned char> reason_properties(const FakeReply& reply) {
  std::vector<unsigned char> properties;
  const auto add_string = [&](unsigned char identifier, const std::string& text) {
    if (text.empty()) return;
    properties.push_back(identifier);
    properties.push_back(static_cast<unsigned char>(text.size() >> 8));
    properties.push_back(static_cast<unsigned char>(text.size() & 0xFF));
    properties.insert(properties.end(), text.begin(), text.end());
  };
  add_string(0x1F, reply.reason_string);
  add_string(0x1C, reply.server_reference);
  if (properties.size() > 100) throw std::logic_error("the fake broker sends short reasons only");
  properties.insert(properties.begin(), static_cast<unsigned char>(properties.size()));
  return properties;
}

// Decodes the fixed header; returns false until the whole packet is buffered.
bool complete_packet(const std::vector<unsigned char>& input, std::size_t& header_size,
                     std::size_t& body_size) {
  body_size = 0;
  std::size_t multiplier = 1;
  for (std::size_t i = 1; i < input.size() && i <= 4; ++i) {
    body_size += (input[i] & 0x7Fu) * multiplier;
    multiplier *= 128;
    if ((input[i] & 0x80u) == 0) {
      header_size = i + 1;
      return input.size() >= header_size + body_size;
    }
  }
  return false;
}

// The variable-length integer at `at` (MQTT v5 property lengths); moves `at` past it.
std::size_t variable_length(const std::vector<unsigned char>& bytes, std::size_t& at) {
  std::size_t value = 0, multiplier = 1;
  while (at < bytes.size()) {
    const unsigned char byte = bytes[at++];
    value += (byte & 0x7Fu) * multiplier;
    if ((byte & 0x80u) == 0) break;
    multiplier *= 128;
  }
  return value;
}

// How many topic filters an UNSUBSCRIBE body lists, after its packet id (and v5 properties).
std::size_t unsubscribed_filters(const std::vector<unsigned char>& body, bool v5) {
  std::size_t at = 2;
  if (v5) at += variable_length(body, at);
  std::size_t filters = 0;
  for (; at + 2 <= body.size(); ++filters)
    at += 2 + static_cast<std::size_t>(body[at] << 8 | body[at + 1]);
  return filters;
}

}  // namespace

FakeBroker::FakeBroker(FakeBehaviour behaviour, FakeReply reply)
    : behaviour_(behaviour), reply_(std::move(reply)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      pipe2(stop_pipe_, O_CLOEXEC) != 0)
    throw std::runtime_error("the fake broker cannot listen");
  port_ = ntohs(address.sin_port);
  thread_ = std::thread{[this] { serve(); }};
}

FakeBroker::~FakeBroker() {
  stop();
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
}

void FakeBroker::stop() {
  if (!thread_.joinable()) return;
  [[maybe_unused]] const auto written = write(stop_pipe_[1], "x", 1);
  thread_.join();
  close(listener_);
}

std::vector<int> FakeBroker::connect_levels() const {
  std::lock_guard lock{mutex_};
  return connect_levels_;
}

int FakeBroker::publishes_received() const {
  std::lock_guard lock{mutex_};
  return publishes_received_;
}

std::vector<std::string> FakeBroker::packets_received(unsigned char type) const {
  std::lock_guard lock{mutex_};
  std::vector<std::string> bodies;
  for (const auto& [received_type, body] : packets_)
    if (received_type == type) bodies.push_back(body);
  return bodies;
}

bool FakeBroker::wait_for_packet(unsigned char type, std::chrono::milliseconds timeout) const {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (packets_received(type).empty()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void FakeBroker::serve() {
  std::vector<Client> clients;
  for (;;) {
    std::vector<pollfd> watched{{stop_pipe_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    for (const Client& client : clients)
      watched.push_back({client.fd, POLLIN, 0});
    if (poll(watched.data(), watched.size(), -1) < 0) continue;
    if (watched[0].revents) break;
    if (watched[1].revents & POLLIN)
      clients.push_back({accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC), {}});
    for (std::size_t i = 2; i < watched.size(); ++i) {
      if (!(watched[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Client& client = clients[i - 2];
      unsigned char buffer[4096];
      const ssize_t n = recv(client.fd, buffer, sizeof buffer, 0);
      const bool open =
          n > 0 && (client.input.insert(client.input.end(), buffer, buffer + n), handle_packets(client));
      if (!open) {
        close(client.fd);
        client.fd = -1;
      }
    }
    std::erase_if(clients, [](const Client& client) { return client.fd < 0; });
  }
  for (const Client& client : clients)
    close(client.fd);
}

// Answers a CONNECT as the behaviour says; returns false when the connection must close.
bool FakeBroker::answer_connect(Client& client, int level) {
  const bool v5 = level == 5;
  std::vector<unsigned char> accepted{0x00, 0x00};
  if (v5) accepted.push_back(0x00);  // no properties
  switch (behaviour_) {
  case FakeBehaviour::refuse_after_some:
    if (connects_accepted_ < reply_.accepted_connects) {
      ++connects_accepted_;
      answer(client, 0x20, accepted);
      return true;
    }
    [[fallthrough]];
  case FakeBehaviour::refuse_connect: {
    std::vector<unsigned char> refusal{0x00, static_cast<unsigned char>(reply_.reason_code)};
    if (v5) {
      const std::vector<unsigned char> properties = reason_properties(reply_);
      refusal.insert(refusal.end(), properties.begin(), properties.end());
    }
    answer(client, 0x20, refusal);
    return false;
  }
  case FakeBehaviour::disconnect_after_connack: {
    answer(client, 0x20, accepted);
    if (!v5) return false;
    std::vector<unsigned char> disconnect{static_cast<unsigned char>(reply_.reason_code)};
    const std::vector<unsigned char> properties = reason_properties(reply_);
    disconnect.insert(disconnect.end(), properties.begin(), properties.end());
    answer(client, 0xE0, disconnect);
    return true;  // the client closes; closing first could turn its next packet into a reset
  }
  case FakeBehaviour::accept_all:
    answer(client, 0x20, accepted);
    return true;
  case FakeBehaviour::refuse_all:
  case FakeBehaviour::refuse_v5:
  case FakeBehaviour::never_acknowledge:
    if (behaviour_ == FakeBehaviour::refuse_all || v5) {
      answer(client, 0x20, {0x00, 0x01});  // v3 "unacceptable protocol version", as old brokers answer v5
      return false;
    }
    answer(client, 0x20, accepted);
    return true;
  case FakeBehaviour::silent:
  case FakeBehaviour::http:
    break;
  }
  return true;
}

void FakeBroker::answer(Client& client, unsigned char header, const std::vector<unsigned char>& body) {
  std::vector<unsigned char> packet{header, static_cast<unsigned char>(body.size())};
  packet.insert(packet.end(), body.begin(), body.end());
  send_bytes(client.fd, packet);
}

// UNSUBACK: the packet id, and in v5 no properties and "success" for each filter.
void FakeBroker::answer_unsubscribe(Client& client, const std::vector<unsigned char>& body) {
  std::vector<unsigned char> reply{body[0], body[1]};
  if (client.level == 5) {
    reply.push_back(0x00);
    reply.insert(reply.end(), unsubscribed_filters(body, true), 0x00);
  }
  answer(client, 0xB0, reply);
}

// Handles every complete packet in the buffer; returns false when the connection must close.
bool FakeBroker::handle_packets(Client& client) {
  if (behaviour_ == FakeBehaviour::http) {
    const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    send_bytes(client.fd, {reply.begin(), reply.end()});
    return false;
  }
  std::size_t header_size = 0, body_size = 0;
  while (!client.input.empty() && complete_packet(client.input, header_size, body_size)) {
    const unsigned char type = client.input[0] & 0xF0;
    const std::vector<unsigned char> body(client.input.begin() + static_cast<long>(header_size),
                                          client.input.begin() + static_cast<long>(header_size + body_size));
    const unsigned char flags = client.input[0] & 0x0F;
    client.input.erase(client.input.begin(),
                       client.input.begin() + static_cast<long>(header_size + body_size));
    if (behaviour_ == FakeBehaviour::silent) continue;
    {
      std::lock_guard lock{mutex_};
      packets_.emplace_back(type, std::string{body.begin(), body.end()});
    }
    switch (type) {
    case 0x10: {  // CONNECT: protocol name (2-byte length + text), then the level
      const std::size_t name_length = body.size() >= 2 ? static_cast<std::size_t>(body[0] << 8 | body[1]) : 0;
      const int level = body.size() > 2 + name_length ? body[2 + name_length] : 0;
      client.level = level;
      {
        std::lock_guard lock{mutex_};
        connect_levels_.push_back(level);
      }
      if (!answer_connect(client, level)) return false;
      break;
    }
    case 0x30: {  // PUBLISH: topic, then the packet id when QoS > 0
      const int qos = (flags >> 1) & 0x03;
      const std::size_t topic_length = static_cast<std::size_t>(body[0] << 8 | body[1]);
      if (qos > 0) {
        std::lock_guard lock{mutex_};
        ++publishes_received_;
      }
      if (qos > 0 && behaviour_ != FakeBehaviour::never_acknowledge)
        answer(client, qos == 1 ? 0x40 : 0x50, {body[2 + topic_length], body[3 + topic_length]});
      break;
    }
    case 0x60:
      answer(client, 0x70, {body[0], body[1]});
      break;    // PUBREL -> PUBCOMP
    case 0x80:  // SUBSCRIBE -> SUBACK granting QoS 0 (after no properties in v5)
      answer(client, 0x90,
             client.level == 5 ? std::vector<unsigned char>{body[0], body[1], 0x00, 0x00}
                               : std::vector<unsigned char>{body[0], body[1], 0x00});
      break;
    case 0xA0:
      answer_unsubscribe(client, body);
      break;
    case 0xC0:
      answer(client, 0xD0, {});
      break;  // PINGREQ -> PINGRESP
    case 0xE0:
      return false;  // DISCONNECT
    default:
      break;
    }
  }
  return true;
}

}  // namespace mq::test
