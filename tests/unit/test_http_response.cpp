#include <doctest/doctest.h>

#include "mq/http_response.hpp"

using mq::parse_http_response;

TEST_CASE("a head ends at the first blank line, with CRLF or bare LF line ends") {
  CHECK(mq::http_head_size("HTTP/1.1 200 OK\r\nA: b\r\n\r\nrest") == 25);
  CHECK(mq::http_head_size("HTTP/1.1 200 OK\nA: b\n\nrest") == 22);
  CHECK(mq::http_head_size("HTTP/1.1 200 OK\r\nA: b\r\n") == 0);
}

TEST_CASE("the status, the status line and headers with lower-case names and trimmed values") {
  const auto response = parse_http_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade:  WebSocket \r\n"
                                            "Connection: keep-alive, Upgrade\r\n\r\n");
  REQUIRE(response);
  CHECK(response->status == 101);
  CHECK(response->status_line == "HTTP/1.1 101 Switching Protocols");
  CHECK(response->header("upgrade") == "WebSocket");
  CHECK(response->header_has_token("connection", "upgrade"));
  CHECK(response->header_has_token("upgrade", "websocket"));
  CHECK_FALSE(response->header_has_token("connection", "close"));
  CHECK_FALSE(response->header("missing").has_value());
}

TEST_CASE("what is not an HTTP/1.x response head is refused") {
  for (const char* head : {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
                           "HTTP/1.1 200OK\r\n\r\n"}) {
    CAPTURE(head);
    CHECK_FALSE(parse_http_response(head).has_value());
  }
  CHECK(mq::starts_like_http("HTT"));
  CHECK_FALSE(mq::starts_like_http("\x15\x03\x03"));
}

TEST_CASE("control characters in a status line are made printable") {
  const auto response = parse_http_response("HTTP/1.1 500 \x1b[31mred\r\n\r\n");
  REQUIRE(response);
  CHECK(response->status_line == "HTTP/1.1 500 \\x1b[31mred");
}
