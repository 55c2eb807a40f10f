#include <doctest/doctest.h>

#include <string>

#include "mq/error.hpp"
#include "mq/tls.hpp"

TEST_CASE("TLS alerts are named as RFC 8446 names them, those TLS 1.3 added included") {
  CHECK(mq::tls_alert_name(109) == "missing extension");
  CHECK(mq::tls_alert_name(112) == "unrecognized name");
  CHECK(mq::tls_alert_name(115) == "unknown PSK identity");
  CHECK(mq::tls_alert_name(116) == "certificate required");
  CHECK(mq::tls_alert_name(120) == "no application protocol");
  CHECK(mq::tls_alert_name(40) == "handshake failure");
  CHECK(mq::tls_alert_name(48) == "unknown CA");
  // OpenSSL's info callback gives the level in the high byte: a fatal (2) alert 116.
  CHECK(mq::tls_alert_name(0x0274) == "certificate required");
  CHECK(mq::tls_alert_name(0x0228) == "handshake failure");
}

TEST_CASE("a --ciphers list OpenSSL knows nothing of is a usage error that says how to list them") {
  mq::TlsOptions options;
  options.ciphers = "NO-SUCH-CIPHER";
  try {
    const mq::TlsContext context{options, "broker"};
    FAIL("accepted");
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    CHECK(std::string{error.what()} == "--ciphers 'NO-SUCH-CIPHER' names no cipher OpenSSL knows");
    CHECK(error.fix() == "list the available names with: openssl ciphers");
  }
}

TEST_CASE("--tls-alpn takes comma-separated protocol names, none empty or over 255 bytes") {
  mq::TlsOptions options;
  options.alpn = "mqtt,,x";
  CHECK_THROWS_WITH_AS((mq::TlsContext{options, "broker"}), doctest::Contains("--tls-alpn 'mqtt,,x'"),
                       mq::Error);
  options.alpn = "mqtt,x-mqtt";
  CHECK_NOTHROW((mq::TlsContext{options, "broker"}));
}

TEST_CASE("a --psk that is not an even number of hexadecimal digits is a usage error naming it") {
  mq::TlsOptions options;
  options.psk_identity = "me";
  for (const std::string key : {"abc", "zz", "12 4"}) {
    CAPTURE(key);
    options.psk = key;
    try {
      const mq::TlsContext context{options, "broker"};
      FAIL("accepted");
    } catch (const mq::Error& error) {
      CHECK(error.code() == mq::Exit::usage);
      CHECK(std::string{error.what()} == "--psk '" + key + "' is not an even number of hexadecimal digits");
    }
  }
}
