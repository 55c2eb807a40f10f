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

TEST_CASE("the Accept header is kept: its name in any case, its value trimmed, several joined with commas") {
  CHECK(parse_http_request("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")->accept.empty());
  CHECK(parse_http_request("GET /metrics HTTP/1.1\r\naccept:  text/plain ;q=0.5 \t\r\n\r\n")->accept ==
        "text/plain ;q=0.5");
  CHECK(parse_http_request("GET /metrics HTTP/1.1\r\nAccept: a/b\r\nX-Accept: c/d\r\nACCEPT: */*\r\n\r\n")
            ->accept == "a/b,*/*");
}

namespace {

// What mqbench's endpoint offers: Prometheus text (the default) and OpenMetrics.
const mq::bench::OfferedType offered[] = {{"text/plain", "0.0.4"}, {"application/openmetrics-text", "1.0.0"}};

std::size_t preferred(std::string_view accept) { return mq::bench::preferred_type(accept, offered); }

}  // namespace

TEST_CASE("the type with the highest q-value is preferred, and the first without the header or when all are "
          "refused") {
  CHECK(preferred("") == 0);
  CHECK(preferred("application/openmetrics-text") == 1);
  CHECK(preferred("text/plain;q=0.5, application/openmetrics-text;q=0.6") == 1);
  CHECK(preferred("text/plain;q=0.6, application/openmetrics-text;q=0.5") == 0);
  CHECK(preferred("application/openmetrics-text;q=0.001, text/plain;q=0") == 1);
  CHECK(preferred("application/openmetrics-text;q=0, text/plain;q=0") == 0);
  CHECK(preferred("image/png") == 0);
  CHECK(preferred("application/openmetrics-text;q=1.000") == 1);
  CHECK(preferred("text/plain;q=0.999,application/openmetrics-text;q=1.") == 1);
}

TEST_CASE("the most specific matching range gives a type its q-value, and one naming another version does "
          "not match") {
  CHECK(preferred("*/*;q=0.5, application/openmetrics-text;q=0.4") == 0);  // */* leaves OpenMetrics 0.4
  CHECK(preferred("application/*;q=0.9, application/openmetrics-text;q=0, */*;q=0.1") == 0);
  CHECK(preferred("application/openmetrics-text;q=0, application/*;q=0.9, text/plain;q=0.1") == 0);
  CHECK(preferred("application/openmetrics-text;q=0.2, application/openmetrics-text;version=1.0.0;q=0.8, "
                  "text/plain;q=0.5") == 1);
  CHECK(preferred("application/openmetrics-text;version=1.0.0;q=0.8, application/openmetrics-text;q=0.2, "
                  "text/plain;q=0.5") == 1);
  CHECK(preferred("application/openmetrics-text;version=0.0.1, text/plain;q=0.1") == 0);
  CHECK(preferred("application/openmetrics-text;version=\"1.0.0\";charset=utf-8") == 1);
  CHECK(preferred("Application/OpenMetrics-Text;Version=1.0.0;Q=0.7, text/plain;q=0.6") == 1);
}

TEST_CASE("at equal q-values the more specific range wins, then the one listed first") {
  CHECK(preferred("*/*, application/openmetrics-text") == 1);
  CHECK(preferred("application/openmetrics-text, text/plain") == 1);
  CHECK(preferred("text/plain, application/openmetrics-text") == 0);
  CHECK(preferred("*/*") == 0);
  CHECK(preferred("application/openmetrics-text;q=0.5, text/*;q=0.5") == 1);
}

TEST_CASE("ranges that are not well-formed are skipped, the others still count") {
  for (const char* accept : {"application/openmetrics-text;q=2", "application/openmetrics-text;q=0.0001",
                             "application/openmetrics-text;q=.5", "application/openmetrics-text;q=\"1\"",
                             "application/openmetrics-text;q", "application/openmetrics-text;version=\"1.0.0",
                             "application/openmetrics-text;version=\"1.0.0\\\"", "*/openmetrics-text",
                             "application", "application/", "/openmetrics-text", "application/open metrics",
                             "application/openmetrics-text;=1", "application/openmetrics-text;v=a\"b"}) {
    CAPTURE(accept);
    CHECK(preferred(std::string{accept} + ", text/plain;q=0.1") == 0);
  }
  CHECK(preferred("nonsense, application/openmetrics-text;q=0.2, text/plain;q=0.1") == 1);
  CHECK(preferred("text/plain;a=\"x,y\";q=0.1, application/openmetrics-text;q=0.2") == 1);
  CHECK(preferred(",,  ,application/openmetrics-text;;q=0.3, text/plain;q=0.2") == 1);
}
