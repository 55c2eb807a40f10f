#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mq::test {

/// How the fake broker treats its clients.
enum class FakeBehaviour {
  refuse_v5,          // answers an MQTT v5 CONNECT with a v3 "unacceptable protocol version", serves v3.x
  refuse_all,         // answers every CONNECT with "unacceptable protocol version"
  silent,             // accepts TCP connections and never sends a byte
  never_acknowledge,  // as refuse_v5, then never acknowledges a PUBLISH
  refuse_connect,     // answers CONNECT with the FakeReply's reason code (and v5 properties), closes
  disconnect_after_connack,  // accepts CONNECT, then sends a v5 DISCONNECT with the FakeReply's reason
                             // code and properties (a v3 client is just cut off)
  http,                      // answers whatever it receives with an HTTP error, as a web server would
  refuse_after_some,         // accepts the first FakeReply::accepted_connects CONNECTs (any version),
                             // then answers each with the FakeReply's reason code and closes
  accept_all,                // serves every protocol version, MQTT v5 included
};

/// What refuse_connect and disconnect_after_connack say; empty strings are left out.
struct FakeReply {
  int reason_code = 0x80;
  std::string reason_string;
  std::string server_reference;
  int accepted_connects = 1;  // refuse_after_some: how many CONNECTs are accepted first
};

/// A minimal MQTT server on a kernel-chosen loopback port, run by a thread of the test, for
/// behaviours a real mosquitto does not show. It acknowledges PUBLISH (QoS 1 and 2),
/// SUBSCRIBE and PINGREQ as a broker would, without routing anything.
class FakeBroker {
public:
  explicit FakeBroker(FakeBehaviour behaviour, FakeReply reply = {});
  ~FakeBroker();
  /// Closes every connection and stops listening, as a broker that went away.
  void stop();
  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  int port() const { return port_; }
  std::string port_text() const { return std::to_string(port_); }
  /// The protocol levels of the CONNECT packets received so far (3, 4 or 5).
  std::vector<int> connect_levels() const;
  /// The QoS 1 and 2 PUBLISH packets received so far (with never_acknowledge: all of them
  /// unacknowledged, so the most a client had in flight at once).
  int publishes_received() const;
  /// The bodies (what follows the fixed header) of the packets of `type` received so far, e.g.
  /// 0x10 for CONNECT, 0xA0 for UNSUBSCRIBE, 0xE0 for DISCONNECT.
  std::vector<std::string> packets_received(unsigned char type) const;
  /// Waits until a packet of `type` has arrived (a client's last packet may still be on its way
  /// when the client has exited); false after `timeout`.
  bool wait_for_packet(unsigned char type,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

private:
  struct Client {
    int fd;
    std::vector<unsigned char> input;
    int level = 0;  // the protocol level of its CONNECT
  };
  void serve();
  bool handle_packets(Client& client);
  void answer(Client& client, unsigned char header, const std::vector<unsigned char>& body);

  bool answer_connect(Client& client, int level);
  void answer_unsubscribe(Client& client, const std::vector<unsigned char>& body);

  FakeBehaviour behaviour_;
  FakeReply reply_;
  int listener_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  mutable std::mutex mutex_;
  std::vector<int> connect_levels_;
  std::vector<std::pair<unsigned char, std::string>> packets_;  // type and body of each packet received
  int publishes_received_ = 0;
  int connects_accepted_ = 0;  // refuse_after_some; the serving thread's only
  std::thread thread_;
};

}  // namespace mq::test
