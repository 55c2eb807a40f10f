#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/process.hpp"
#include "harness/workspace.hpp"

// The servers of the WebSocket and proxy tests other than the broker: a misbehaving WebSocket
// server (fake_websocket_server.py), tinyproxy for HTTP CONNECT and microsocks for SOCKS5, each
// on a loopback port, started by the constructor (ready when it returns) and stopped by the
// destructor.
namespace mq::test {

/// fake_websocket_server.py with one behaviour (see the script), e.g. {"status", "404 Not Found"}.
class FakeWebSocketServer {
public:
  FakeWebSocketServer(const Workspace& workspace, const std::vector<std::string>& behaviour);
  int port() const { return port_; }
  std::string port_text() const { return std::to_string(port_); }
  /// Every request head received so far, each followed by a blank line.
  std::string requests() const;

private:
  std::filesystem::path requests_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

/// tinyproxy allowing CONNECT to `connect_port` only; with `users`, BasicAuth for them.
class HttpProxy {
public:
  HttpProxy(const Workspace& workspace, int connect_port,
            const std::map<std::string, std::string>& users = {});
  int port() const { return port_; }
  /// "http://127.0.0.1:PORT", or with "user:password@" in it.
  std::string url(const std::string& credentials = "") const;
  /// Stops it: the port then refuses connections.
  void stop() { process_.reset(); }

private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

/// microsocks; with a user, it asks for a username and password (SOCKS5 method 2).
class SocksProxy {
public:
  SocksProxy(const Workspace& workspace, const std::string& user = "", const std::string& password = "");
  int port() const { return port_; }
  /// "socks5h://127.0.0.1:PORT", or with "user:password@" in it.
  std::string url(const std::string& credentials = "") const;

private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

}  // namespace mq::test
