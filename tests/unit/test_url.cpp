#include <doctest/doctest.h>

#include "mq/error.hpp"
#include "mq/url.hpp"

using mq::parse_broker_url;

TEST_CASE("a full URL gives every part") {
  const auto url = parse_broker_url("mqtts://alice:s3cret@broker.example:8884/sensors/room1");
  CHECK(url.tls);
  CHECK(url.host == "broker.example");
  CHECK(url.port == 8884);
  CHECK(url.username == "alice");
  CHECK(url.password == "s3cret");
  CHECK(url.topic == "sensors/room1");
}

TEST_CASE("port, user and password are optional") {
  const auto url = parse_broker_url("mqtt://localhost/t");
  CHECK_FALSE(url.tls);
  CHECK(url.host == "localhost");
  CHECK_FALSE(url.port.has_value());
  CHECK_FALSE(url.username.has_value());
  CHECK_FALSE(url.password.has_value());
  CHECK(url.topic == "t");
}

TEST_CASE("a user without a password, and a password containing ':' and '@'") {
  CHECK(parse_broker_url("mqtt://bob@h/t").username == "bob");
  CHECK_FALSE(parse_broker_url("mqtt://bob@h/t").password.has_value());
  const auto url = parse_broker_url("mqtt://bob:a:b@c@h/t");
  CHECK(url.username == "bob");
  CHECK(url.password == "a:b@c");
  CHECK(url.host == "h");
}

TEST_CASE("percent-escapes in the user name and password are decoded, the topic stays verbatim") {
  const auto url = parse_broker_url("mqtt://we%40ird:p%3Ass%2Fw%25rd%40@h/a%20b");
  CHECK(url.username == "we@ird");
  CHECK(url.password == "p:ss/w%rd@");
  CHECK(url.host == "h");
  CHECK(url.topic == "a%20b");
  CHECK(parse_broker_url("mqtt://%C3%A9t%c3%a9@h/t").username == "\xc3\xa9t\xc3\xa9");
}

TEST_CASE("a percent sign not followed by two hex digits is a usage error naming the part") {
  for (const char* text : {"mqtt://a%4@h/t", "mqtt://a%zz@h/t", "mqtt://a%@h/t"}) {
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(parse_broker_url(text),
                         doctest::Contains("the user name has a '%' that is not followed"), mq::Error);
  }
  CHECK_THROWS_WITH_AS(parse_broker_url("mqtt://a:b%g1@h/t"), doctest::Contains("the password has a '%'"),
                       mq::Error);
}

TEST_CASE("IPv6 hosts are written in brackets") {
  const auto url = parse_broker_url("mqtt://[::1]:1884/a/b");
  CHECK(url.host == "::1");
  CHECK(url.port == 1884);
  CHECK(url.topic == "a/b");
}

TEST_CASE("the topic keeps wildcards and later slashes verbatim") {
  CHECK(parse_broker_url("mqtt://h/a/+/#").topic == "a/+/#");
}

TEST_CASE("malformed URLs are usage errors that say what is wrong") {
  const std::pair<const char*, const char*> cases[] = {
      {"http://h/t", "must start with mqtt://, mqtts://, ws:// or wss://"},
      {"mqtt://h", "topic after the host is missing"},
      {"mqtt://h/", "topic after the host is missing"},
      {"mqtt:///t", "host is empty"},
      {"mqtt://h:0/t", "port '0'"},
      {"mqtt://h:99999/t", "port '99999'"},
      {"mqtt://h:12x/t", "port '12x'"},
      {"mqtt://h:/t", "port ''"},
      {"mqtt://[::1/t", "closing ']'"},
      {"mqtt://[::1]x/t", "only ':port'"},
      {"mqtt://@h/t", "user name before '@' is empty"},
  };
  for (const auto& test_case : cases) {
    const auto& [text, reason] = test_case;
    CAPTURE(test_case.first);  // not a structured binding: clang cannot capture one
    try {
      parse_broker_url(text);
      FAIL("accepted");
    } catch (const mq::Error& error) {
      CHECK(error.code() == mq::Exit::usage);
      CHECK(std::string{error.what()}.find(reason) != std::string::npos);
      CHECK(std::string{error.what()}.find("--url") != std::string::npos);
    }
  }
}

TEST_CASE("ws:// and wss:// are WebSocket URLs whose path is the topic, as in mosquitto 2.1") {
  const auto plain = parse_broker_url("ws://alice@broker.example/sensors/#");
  CHECK(plain.websocket);
  CHECK_FALSE(plain.tls);
  CHECK_FALSE(plain.port.has_value());
  CHECK(plain.topic == "sensors/#");
  const auto secure = parse_broker_url("wss://[::1]:8084/t");
  CHECK(secure.websocket);
  CHECK(secure.tls);
  CHECK(secure.host == "::1");
  CHECK(secure.port == 8084);
  CHECK_FALSE(parse_broker_url("mqtts://h/t").websocket);
}

TEST_CASE(
    "a proxy URL: http:// needs a port, socks5h:// defaults to 1080, and the password is masked in text()") {
  const auto http = mq::parse_proxy_url("http://alice:p%40ss@proxy.example:3128");
  CHECK(http.kind == mq::ProxyUrl::Kind::http);
  CHECK(http.host == "proxy.example");
  CHECK(http.port == 3128);
  CHECK(http.username == "alice");
  CHECK(http.password == "p@ss");
  CHECK(http.text() == "http://alice:***@proxy.example:3128");
  const auto socks = mq::parse_proxy_url("socks5h://[::1]/");
  CHECK(socks.kind == mq::ProxyUrl::Kind::socks5);
  CHECK(socks.port == 1080);
  CHECK(socks.text() == "socks5h://[::1]:1080");
  for (const char* bad : {"http://proxy", "socks5://h:1", "https://h:1", "http://h:1/path", "http://:1"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(mq::parse_proxy_url(bad), mq::Error);
  }
}
