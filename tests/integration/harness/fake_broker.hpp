#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace mq::test {

/// How the fake broker treats its clients.
enum class FakeBehaviour {
  refuse_v5,          // answers an MQTT v5 CONNECT with a v3 "unacceptable protocol version", serves v3.x
  refuse_all,         // answers every CONNECT with "unacceptable protocol version"
  silent,             // accepts TCP connections and never sends a byte
  never_acknowledge,  // accepts CONNECT, then never acknowledges a PUBLISH
};

/// A minimal MQTT server on a kernel-chosen loopback port, run by a thread of the test, for
/// behaviours a real mosquitto does not show. It acknowledges PUBLISH (QoS 1 and 2),
/// SUBSCRIBE and PINGREQ as a broker would, without routing anything.
class FakeBroker {
public:
  explicit FakeBroker(FakeBehaviour behaviour);
  ~FakeBroker();
  /// Closes every connection and stops listening, as a broker that went away.
  void stop();
  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  int port() const { return port_; }
  std::string port_text() const { return std::to_string(port_); }
  /// The protocol levels of the CONNECT packets received so far (3, 4 or 5).
  std::vector<int> connect_levels() const;

private:
  struct Client {
    int fd;
    std::vector<unsigned char> input;
  };
  void serve();
  bool handle_packets(Client& client);
  void answer(Client& client, unsigned char header, const std::vector<unsigned char>& body);

  FakeBehaviour behaviour_;
  int listener_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  mutable std::mutex mutex_;
  std::vector<int> connect_levels_;
  std::thread thread_;
};

}  // namespace mq::test
