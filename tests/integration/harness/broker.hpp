#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/certificates.hpp"
#include "harness/process.hpp"
#include "harness/workspace.hpp"

namespace mq::test {

/// A server certificate other than the default one (CN localhost for localhost, 127.0.0.1 and
/// ::1, signed by the test CA, valid from now for a day).
struct ServerCertificate {
  std::string common_name = "localhost";
  std::vector<std::string> alt_names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  std::string not_before;  // "YYYYMMDDHHMMSSZ" (see utc_time_in_days); both empty: from now for a day
  std::string not_after;
  bool self_signed = false;  // its own issuer instead of the test CA
};

/// What the test broker should offer.
struct BrokerSetup {
  bool tls = false;                                     // a TLS listener with certificates made at test time
  bool require_certificate = false;                     // TLS listener asks for a client certificate
  std::optional<ServerCertificate> server_certificate;  // TLS listener presents this instead
  bool anonymous = true;                                // allow_anonymous
  std::map<std::string, std::string> users;             // password_file entries (user -> password)
  std::filesystem::path password_file_path;             // an existing password_file to use as it is
                                                        // (e.g. one mqpasswd wrote); wins over users
  std::string acl;                                      // acl_file content, empty for none
  std::vector<std::string> denied_subscriptions;        // filters no user may subscribe to (via the
                                                        // dynamic-security plugin, which then checks
                                                        // the users' passwords instead of password_file)
  bool persistence = false;
  bool log_every_packet = true;             // log_type all (also SIGHUP reloads); a third of the
                                            // broker's time when a test sends 100,000 messages
  std::vector<std::string> extra_lines;     // appended to the global section
  std::vector<std::string> listener_lines;  // settings of each listener (e.g. max_qos), after its line
  std::string address = "127.0.0.1";        // the loopback address its listeners are bound to
  bool websockets = false;  // also a WebSocket listener (and a TLS one with `tls`); mosquitto 2.0.11
                            // starts those only without a bind address, so they listen on every
                            // address (the tests still connect over loopback only)
};

/// A broker with WebSocket listeners: a plain one, and with `tls` a TLS one too.
BrokerSetup websocket_broker(bool tls = false);

/// Adds to `setup` a listener on 127.0.0.1:`port` for TLS with a pre-shared key instead of
/// certificates, knowing `identity` with `hex_key`; with `identity_as_username` the broker takes
/// the identity as the client's username.
void add_psk_listener(BrokerSetup& setup, const Workspace& workspace, int port, const std::string& identity,
                      const std::string& hex_key, bool identity_as_username = false);

/// A real mosquitto on kernel-chosen loopback ports with its own configuration in the
/// workspace. It is ready (accepting connections) when the constructor returns, and stopped
/// by the destructor.
class Broker {
public:
  Broker(const Workspace& workspace, BrokerSetup setup = {});
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  std::string port_text() const { return std::to_string(port_); }
  std::string tls_port_text() const { return std::to_string(tls_port_); }
  /// The WebSocket listeners' ports (BrokerSetup::websockets), plain and TLS.
  int ws_port() const { return ws_port_; }
  int wss_port() const { return wss_port_; }
  /// The CA, server and client files (TLS setups only).
  const Certificates& certificates() const { return certificates_; }
  /// Stops the broker (SIGTERM, then SIGKILL) and waits for it.
  void stop();
  /// Starts it again on the same ports and waits until it is ready.
  void start();
  /// Sends SIGHUP: mosquitto reloads its password and ACL files.
  void reload() const;
  /// The broker's log so far.
  std::string log() const;

private:
  void write_config() const;
  void replace_server_certificate(const ServerCertificate& wanted);

  const Workspace& workspace_;
  BrokerSetup setup_;
  Certificates certificates_;
  int port_ = 0;
  int tls_port_ = 0;
  int ws_port_ = 0;
  int wss_port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace mq::test
