#include <doctest/doctest.h>

#include <cstdlib>
#include <vector>

#include "mq/app.hpp"
#include "mq/client_options.hpp"
#include "mq/error.hpp"

namespace {

// Parses a command line the way a tool does: registration, CLI11 parsing, finalize.
mq::ClientOptions parse(std::vector<const char*> arguments) {
  mq::ClientOptions options;
  mq::ToolApp app{"mqtest", "test"};
  mq::add_client_options(app, options);
  arguments.insert(arguments.begin(), "mqtest");
  mq::parse_command_line(app, static_cast<int>(arguments.size()), arguments.data());
  mq::finalize_client_options(options);
  return options;
}

std::string usage_error_of(std::vector<const char*> arguments) {
  try {
    parse(std::move(arguments));
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    return error.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("defaults: localhost, 1883, v5 with fallback, clean session, keepalive 60") {
  const auto options = parse({});
  CHECK(options.connection.host == "localhost");
  CHECK(options.connection.effective_port(false) == 1883);
  CHECK_FALSE(options.connection.protocol.has_value());
  CHECK(options.connection.clean_session);
  CHECK(options.connection.keepalive == 60);
  CHECK(options.connection.max_inflight == 20);
  CHECK(options.connection.connect_timeout == 10);
  CHECK_FALSE(options.tls.enabled());
}

TEST_CASE("TLS options turn TLS on and move the default port to 8883") {
  const auto options = parse({"--cafile", "ca.pem"});
  CHECK(options.tls.enabled());
  CHECK(options.connection.effective_port(options.tls.enabled()) == 8883);
  CHECK(parse({"--cafile", "ca.pem", "-p", "1234"}).connection.effective_port(true) == 1234);
  CHECK(parse({"--tls-use-os-certs"}).tls.enabled());
  CHECK(parse({"--psk", "abcd", "--psk-identity", "me"}).tls.enabled());
  CHECK_FALSE(parse({"--insecure"}).tls.enabled());
}

TEST_CASE("-V takes every spelling of mosquitto_pub") {
  CHECK(parse({"-V", "mqttv31"}).connection.protocol == mq::ProtocolVersion::v31);
  CHECK(parse({"-V", "31"}).connection.protocol == mq::ProtocolVersion::v31);
  CHECK(parse({"-V", "mqttv311"}).connection.protocol == mq::ProtocolVersion::v311);
  CHECK(parse({"-V", "311"}).connection.protocol == mq::ProtocolVersion::v311);
  CHECK(parse({"-V", "mqttv5"}).connection.protocol == mq::ProtocolVersion::v5);
  CHECK(parse({"--protocol-version", "5"}).connection.protocol == mq::ProtocolVersion::v5);
  CHECK(usage_error_of({"-V", "4"}).find("--protocol-version") != std::string::npos);
}

TEST_CASE("-L fills host, port, credentials and the topic, and mqtts turns TLS on") {
  const auto options = parse({"-L", "mqtts://u:p@example.test:9999/a/b"});
  CHECK(options.connection.host == "example.test");
  CHECK(options.connection.port == 9999);
  CHECK(options.auth.username == "u");
  CHECK(options.auth.password == "p");
  CHECK(options.url_topic == "a/b");
  CHECK(options.tls.enabled());
  CHECK(parse({"-L", "mqtts://example.test/t"}).connection.effective_port(true) == 8883);
}

TEST_CASE("-L excludes -h, -p and --unix") {
  CHECK(usage_error_of({"-L", "mqtt://h/t", "-h", "x"}).find("--url") != std::string::npos);
  CHECK(usage_error_of({"-L", "mqtt://h/t", "-p", "1"}).find("--url") != std::string::npos);
  CHECK(usage_error_of({"--unix", "/s", "-h", "x"}).find("--unix") != std::string::npos);
}

TEST_CASE("the password comes from -P, --pw-file or MQ_PASSWORD, and needs a username") {
  setenv("MQ_PASSWORD", "from-env", 1);
  CHECK(parse({"-u", "u"}).auth.password == "from-env");
  CHECK(parse({"-u", "u", "-P", "given"}).auth.password == "given");
  unsetenv("MQ_PASSWORD");
  CHECK_FALSE(parse({"-u", "u"}).auth.password.has_value());
  CHECK(usage_error_of({"-P", "p"}).find("without a username") != std::string::npos);
  CHECK(usage_error_of({"-u", "u", "-P", "p", "--pw-file", "f"}).find("--pw-file") != std::string::npos);
  CHECK(usage_error_of({"-u", "u", "--pw-file", "/nonexistent"})
            .find("--pw-file '/nonexistent' cannot be read") != std::string::npos);
}

TEST_CASE("rules between options") {
  CHECK(usage_error_of({"--cert", "c"}).find("--key") != std::string::npos);
  CHECK(usage_error_of({"--key", "k"}).find("--cert") != std::string::npos);
  CHECK(usage_error_of({"--psk", "ab"}).find("--psk-identity") != std::string::npos);
  CHECK(usage_error_of({"--psk", "ab", "--psk-identity", "i", "--cafile", "c"}).find("--psk") !=
        std::string::npos);
  CHECK(usage_error_of({"--will-qos", "1"}).find("--will-topic") != std::string::npos);
  CHECK(usage_error_of({"--will-topic", "a/+"}).find("--will-topic") != std::string::npos);
  CHECK(usage_error_of({"-i", "a", "-I", "b"}).find("--id") != std::string::npos);
  CHECK(usage_error_of({"-c"}).find("needs a client id") != std::string::npos);
  CHECK(usage_error_of({"-x", "60", "-V", "311"}).find("MQTT v5") != std::string::npos);
  CHECK(usage_error_of({"-d", "--quiet"}).find("--quiet") != std::string::npos);
}

TEST_CASE("value ranges") {
  CHECK(usage_error_of({"-p", "0"}).find("--port") != std::string::npos);
  CHECK(usage_error_of({"-p", "65536"}).find("--port") != std::string::npos);
  CHECK(usage_error_of({"-k", "4"}).find("--keepalive") != std::string::npos);
  CHECK(parse({"-k", "0"}).connection.keepalive == 0);
  CHECK(parse({"-k", "5"}).connection.keepalive == 5);
  CHECK(usage_error_of({"-M", "0"}).find("--max-inflight") != std::string::npos);
  CHECK(parse({"-M", "65535"}).connection.max_inflight == 65535);
  CHECK(usage_error_of({"-x", "-2"}).find("--session-expiry") != std::string::npos);
  CHECK(parse({"-x", "-1", "-c", "-i", "me"}).connection.session_expiry == -1);
  CHECK(usage_error_of({"--tls-version", "tlsv1.0"}).find("--tls-version") != std::string::npos);
  CHECK(usage_error_of({"--connect-timeout", "0"}).find("--connect-timeout") != std::string::npos);
}

TEST_CASE("-c with -i keeps the session") {
  const auto options = parse({"-c", "-i", "worker-1"});
  CHECK_FALSE(options.connection.clean_session);
  CHECK(options.connection.client_id == "worker-1");
}

TEST_CASE(
    "-L ws:// turns WebSockets on with the default path /mqtt and subprotocol mqtt, and wss:// TLS too") {
  const auto plain = parse({"-L", "ws://broker/t"});
  CHECK(plain.transport.websocket);
  CHECK_FALSE(plain.tls.enabled());
  CHECK(plain.connection.effective_port(false) == 1883);
  CHECK(plain.transport.path() == "/mqtt");
  CHECK(plain.transport.subprotocol() == "mqtt");
  const auto secure = parse({"-L", "wss://broker/t"});
  CHECK(secure.transport.websocket);
  CHECK(secure.tls.enabled());
  CHECK(secure.connection.effective_port(true) == 8883);
}

TEST_CASE("--ws-header repeats, one header each, and WebSocket options need WebSockets") {
  const auto options =
      parse({"--ws", "--ws-header", "A: 1", "--ws-header", "B: two words", "--ws-subprotocol", ""});
  CHECK(options.transport.ws_headers == std::vector<std::string>{"A: 1", "B: two words"});
  CHECK(options.transport.subprotocol().empty());
  CHECK(usage_error_of({"--ws-origin", "https://x"}) ==
        "--ws-path, --ws-header, --ws-origin and --ws-subprotocol need WebSockets");
  CHECK(usage_error_of({"--ws", "--ws-header", "Sec-WebSocket-Key: x"}) ==
        "--ws-header cannot set Sec-WebSocket-Key: mq writes it for the handshake");
  CHECK(usage_error_of({"--ws", "--ws-header", "X: a\rb"}) ==
        "--ws-header 'X' has a control character in its value");
}

TEST_CASE("--proxy wins over MQ_PROXY, --no-proxy ignores it, and proxies are relayed") {
  ::setenv("MQ_PROXY", "http://env-proxy:3128", 1);
  CHECK(parse({}).transport.proxy->host == "env-proxy");
  CHECK(parse({"--proxy", "socks5h://other"}).transport.proxy->host == "other");
  CHECK_FALSE(parse({"--no-proxy"}).transport.proxy.has_value());
  CHECK(parse({}).transport.relayed());
  CHECK(parse({"--proxy", "socks5h://other"}).transport.relayed());
  CHECK_FALSE(parse({"--no-proxy"}).transport.relayed());
  ::unsetenv("MQ_PROXY");
  CHECK_FALSE(parse({}).transport.proxy.has_value());
}
