#include <doctest/doctest.h>

#include "mq/error.hpp"
#include "mq/http_response.hpp"
#include "mq/websocket_handshake.hpp"

namespace {

const mq::Endpoint broker{"broker.example", 8083, "", false, "/mqtt"};
constexpr const char* rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";

mq::HttpResponse answer(const std::string& head) { return *mq::parse_http_response(head + "\r\n"); }

mq::Error refusal(const std::string& head, const mq::TransportOptions& transport = {.websocket = true}) {
  try {
    mq::check_websocket_answer(answer(head), transport, broker, rfc_key);
  } catch (const mq::Error& error) {
    return error;
  }
  FAIL("accepted");
  return mq::Error{mq::Exit::ok, ""};
}

}  // namespace

TEST_CASE("the accept key of RFC 6455's example, and keys are 16 random bytes in base64") {
  CHECK(mq::websocket_accept_for(rfc_key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(mq::new_websocket_key().size() == 24);
  CHECK(mq::new_websocket_key() != mq::new_websocket_key());
}

TEST_CASE("the request: path, Host with a non-default port, subprotocol, Origin, extra headers") {
  mq::TransportOptions transport{.websocket = true};
  transport.ws_path = "/ws";
  transport.ws_origin = "https://o.example";
  transport.ws_headers = {"Authorization: Bearer t"};
  CHECK(mq::websocket_request(transport, broker, "KEY") ==
        "GET /ws HTTP/1.1\r\nHost: broker.example:8083\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: KEY\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n"
        "Origin: https://o.example\r\nAuthorization: Bearer t\r\n\r\n");
  CHECK(mq::masked_handshake_headers(transport) ==
        std::vector<std::string>{"authorization", "cookie", "set-cookie", "authorization"});
}

TEST_CASE("a good 101 gives the agreed subprotocol") {
  CHECK(mq::check_websocket_answer(
            answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                   "Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                   "Sec-WebSocket-Protocol: mqtt\r\n"),
            {.websocket = true}, broker, rfc_key) == "mqtt");
}

TEST_CASE("refusals: 401 and 403 are exit 5, 404 and the rest exit 7") {
  CHECK(refusal("HTTP/1.1 401 Unauthorized\r\n").code() == mq::Exit::authentication);
  CHECK(refusal("HTTP/1.1 403 Forbidden\r\n").code() == mq::Exit::authentication);
  const mq::Error not_found = refusal("HTTP/1.1 404 Not Found\r\n");
  CHECK(not_found.code() == mq::Exit::protocol);
  CHECK(not_found.cause() ==
        "the server answered 'HTTP/1.1 404 Not Found': nothing serves WebSockets at /mqtt");
  CHECK(refusal("HTTP/1.1 200 OK\r\n").cause() ==
        "the server answered 'HTTP/1.1 200 OK' instead of 101 Switching Protocols");
}

TEST_CASE("a 101 without the upgrade, the accept key or the subprotocol is exit 7") {
  const std::string upgrade =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  CHECK(refusal("HTTP/1.1 101 Switching Protocols\r\n").code() == mq::Exit::protocol);
  CHECK(refusal(upgrade).cause() == "its answer has no Sec-WebSocket-Accept header");
  CHECK(refusal(upgrade + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n").cause() ==
        "the server did not accept the subprotocol 'mqtt'");
}

TEST_CASE("close codes are named") {
  CHECK(mq::close_code_text(1008) == "1008 (policy violation)");
  CHECK(mq::close_code_text(4000) == "4000");
}
