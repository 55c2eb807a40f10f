#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mq/client_options.hpp"
#include "mq/http_response.hpp"
#include "mq/translate.hpp"

// The opening handshake of a WebSocket client (RFC 6455 section 4): the request mq sends and
// the checks of the server's answer, each failure an Error in our words.
namespace mq {

/// A new Sec-WebSocket-Key: 16 random bytes in base64.
std::string new_websocket_key();

/// The Sec-WebSocket-Accept a server must answer `key` with.
std::string websocket_accept_for(std::string_view key);

/// The GET request that asks `broker` to upgrade to WebSockets, with --ws-path, --ws-header,
/// --ws-origin and --ws-subprotocol.
std::string websocket_request(const TransportOptions& transport, const Endpoint& broker,
                              std::string_view key);

/// The header names (lower-case) whose values -d hides: credentials and every --ws-header.
std::vector<std::string> masked_handshake_headers(const TransportOptions& transport);

/// Checks the server's answer to the request made with `key`; returns the subprotocol it agreed
/// to ("" for none). Throws the Error that explains a refusal or a broken answer.
std::string check_websocket_answer(const HttpResponse& answer, const TransportOptions& transport,
                                   const Endpoint& broker, std::string_view key);

/// The server closed the connection at our handshake without a word of HTTP, having been asked
/// for `subprotocol`. `speaks_mqtt`: a second look found that the port answers a plain MQTT
/// CONNECT.
Error websocket_silence_error(const Endpoint& broker, const std::string& subprotocol, bool speaks_mqtt);

/// "1008 policy violation": a WebSocket close code with its RFC 6455 name, when it has one.
std::string close_code_text(int code);

}  // namespace mq
