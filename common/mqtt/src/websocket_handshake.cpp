#include "mq/websocket_handshake.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>

#include "mq/base64.hpp"
#include "mq/text.hpp"

namespace mq {
namespace {

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string host_header(const Endpoint& broker) {
  const bool default_port = broker.port == (broker.tls ? 443 : 80);
  const std::string host = broker.host.find(':') != std::string::npos ? "[" + broker.host + "]" : broker.host;
  return default_port ? host : fmt::format("{}:{}", host, broker.port);
}

std::string where(const Endpoint& broker, const TransportOptions& transport) {
  return fmt::format("the WebSocket handshake with {} (path {})", broker.text(), transport.path());
}

Error status_error(const HttpResponse& answer, const TransportOptions& transport, const Endpoint& broker) {
  const std::string what = fmt::format("{} was refused", where(broker, transport));
  const std::string said = fmt::format("the server answered '{}'", answer.status_line);
  switch (answer.status) {
  case 401:
  case 403:
    return Error{Exit::authentication, what, fmt::format("{}: it wants credentials or refuses ours", said),
                 "give what the server expects, e.g. --ws-header 'Authorization: Bearer TOKEN' (or -u and -P "
                 "when the broker checks the MQTT login)"};
  case 404:
    return Error{Exit::protocol, what,
                 fmt::format("{}: nothing serves WebSockets at {}", said, transport.path()),
                 "give the broker's WebSocket path with --ws-path: /mqtt (mq's default, HiveMQ, EMQX) or / "
                 "(mosquitto)"};
  default:
    return Error{Exit::protocol, what, fmt::format("{} instead of 101 Switching Protocols", said),
                 "check that this host and port serve MQTT over WebSockets, and the path (--ws-path)"};
  }
}

}  // namespace

std::string new_websocket_key() {
  std::array<unsigned char, 16> nonce{};
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
    throw Error{Exit::internal, "OpenSSL could not make a random WebSocket key"};
  return base64_encode({reinterpret_cast<const char*>(nonce.data()), nonce.size()});
}

std::string websocket_accept_for(std::string_view key) {
  const std::string joined = std::string{key} + std::string{websocket_guid};
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest.data());
  return base64_encode({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

std::string websocket_request(const TransportOptions& transport, const Endpoint& broker,
                              std::string_view key) {
  std::string request =
      fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n",
                  transport.path(), host_header(broker), key);
  if (!transport.subprotocol().empty())
    request += fmt::format("Sec-WebSocket-Protocol: {}\r\n", transport.subprotocol());
  if (transport.ws_origin) request += fmt::format("Origin: {}\r\n", *transport.ws_origin);
  for (const std::string& header : transport.ws_headers)
    request += header + "\r\n";
  return request + "\r\n";
}

std::vector<std::string> masked_handshake_headers(const TransportOptions& transport) {
  std::vector<std::string> names{"authorization", "cookie", "set-cookie"};
  for (const std::string& header : transport.ws_headers)
    names.push_back(ascii_lowercase(header.substr(0, header.find(':'))));
  return names;
}

std::string check_websocket_answer(const HttpResponse& answer, const TransportOptions& transport,
                                   const Endpoint& broker, std::string_view key) {
  if (answer.status != 101) throw status_error(answer, transport, broker);
  const std::string what = fmt::format("{} failed", where(broker, transport));
  const std::string fix = "check that this port serves MQTT over WebSockets; a proxy or load balancer on the "
                          "way may be mangling the handshake";
  if (!answer.header_has_token("upgrade", "websocket") || !answer.header_has_token("connection", "upgrade"))
    throw Error{Exit::protocol, what,
                fmt::format("the server answered '{}' without 'Upgrade: websocket' and 'Connection: Upgrade'",
                            answer.status_line),
                fix};
  const std::string expected = websocket_accept_for(key);
  const std::optional<std::string> accept = answer.header("sec-websocket-accept");
  if (accept != expected)
    throw Error{Exit::protocol, what,
                accept ? fmt::format("its Sec-WebSocket-Accept '{}' is not the one our key asks for ('{}')",
                                     *accept, expected)
                       : "its answer has no Sec-WebSocket-Accept header",
                fix};
  const std::string agreed = answer.header("sec-websocket-protocol").value_or("");
  const std::string asked = transport.subprotocol();
  if (agreed != asked)
    throw Error{
        Exit::protocol, what,
        asked.empty() ? fmt::format("the server chose the subprotocol '{}', which we did not ask for", agreed)
        : agreed.empty()
            ? fmt::format("the server did not accept the subprotocol '{}'", asked)
            : fmt::format("the server chose the subprotocol '{}' instead of '{}'", agreed, asked),
        "give the subprotocol the server expects with --ws-subprotocol (MQTT brokers use mqtt; '' asks "
        "for none)"};
  return agreed;
}

Error websocket_silence_error(const Endpoint& broker, const std::string& subprotocol, bool speaks_mqtt) {
  const std::string what = fmt::format("{} closed the connection at our WebSocket handshake", broker.text());
  if (speaks_mqtt)
    return Error{Exit::protocol, what,
                 "the port speaks plain MQTT, not WebSockets: it answered a plain MQTT CONNECT with CONNACK",
                 fmt::format("drop ws:// (or --ws): -L mqtt://{}:{}/TOPIC, or give the port of the broker's "
                             "WebSocket listener",
                             broker.host, broker.port)};
  if (!subprotocol.empty() && subprotocol != "mqtt")
    return Error{
        Exit::protocol, what,
        fmt::format("the server sent no HTTP answer: it refuses the subprotocol '{}' (mosquitto closes "
                    "the connection then), or the port speaks another protocol",
                    subprotocol),
        "ask for the subprotocol MQTT brokers serve: drop --ws-subprotocol (it defaults to mqtt)"};
  return Error{
      Exit::protocol, what, "the server sent no HTTP answer: the port speaks another protocol",
      "give the port of the broker's WebSocket listener (often 8080 or 8083, 443 or 8084 for wss://); a "
      "plain MQTT port needs mqtt:// instead of ws://"};
}

std::string close_code_text(int code) {
  static constexpr std::pair<int, const char*> names[] = {
      {1000, "normal closure"},        {1001, "going away"},
      {1002, "protocol error"},        {1003, "unsupported data"},
      {1005, "no status code"},        {1006, "abnormal closure"},
      {1007, "invalid payload data"},  {1008, "policy violation"},
      {1009, "message too big"},       {1010, "mandatory extension missing"},
      {1011, "internal server error"}, {1012, "service restart"},
      {1013, "try again later"},       {1014, "bad gateway"},
      {1015, "TLS handshake failure"}};
  for (const auto& [number, name] : names) {
    if (number == code) return fmt::format("{} ({})", code, name);
  }
  return fmt::format("{}", code);
}

}  // namespace mq
