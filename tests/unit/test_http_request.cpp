#include <doctest/doctest.h>

#include "http_request.hpp"

using mq::bench::parse_http_request;

TEST_CASE("a request line gives its method and path, without the query") {
  const auto request = parse_http_request("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n");
  REQUIRE(request);
  CHECK(request->method == "GET");
  CHECK(request->path == "/metrics");
  CHECK(parse_http_request("POST /metrics HTTP/1.0\n\n")->method == "POST");
  CHECK(parse_http_request("GET / HTTP/1.1\r\n\r\n")->path == "/");
}

TEST_CASE("anything but METHOD SP /PATH SP HTTP/1.x with well-formed headers is refused") {
  for (const char* head :
       {"\r\n\r\n", "GET\r\n\r\n", "GET /metrics\r\n\r\n", "GET /metrics HTTP/2.0\r\n\r\n",
        "GET metrics HTTP/1.1\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "G(T /metrics HTTP/1.1\r\n\r\n",
        "GET /a\tb HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n: empty\r\n\r\n", "GET /metrics HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nA: b\x01\r\n\r\n", "GET /\xc3\xa9 HTTP/1.1\r\n\r\n"}) {
    CAPTURE(head);
    CHECK(!parse_http_request(head));
  }
}
