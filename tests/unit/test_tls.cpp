#include <doctest/doctest.h>

#include <string>

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
