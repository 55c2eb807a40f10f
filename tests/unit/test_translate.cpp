#include <doctest/doctest.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "mq/port_probe.hpp"
#include "mq/tls.hpp"
#include "mq/translate.hpp"

using namespace mq;

namespace {

ConnectAttempt attempt_to(std::string host, int port, bool tls = false) {
  ConnectAttempt attempt;
  attempt.endpoint = Endpoint{std::move(host), port, "", tls};
  return attempt;
}

const Error first{Exit::network, "the first diagnosis"};

}  // namespace

TEST_CASE("reason codes are named as MQTT names them, with their number") {
  CHECK(reason_text(0x87, ProtocolVersion::v5) == "not authorized, reason code 0x87");
  CHECK(reason_text(0x9B, ProtocolVersion::v5) == "QoS not supported, reason code 0x9B");
  CHECK(reason_text(2, ProtocolVersion::v311) == "identifier rejected, CONNACK code 2");
  CHECK(reason_text(0x80, ProtocolVersion::v311) == "unspecified error, reason code 0x80");
}

TEST_CASE("each refusal has the exit code of design.md section 4") {
  CHECK(exit_for_reason(MQTT_RC_NOT_AUTHORIZED) == Exit::authorization);
  CHECK(exit_for_reason(MQTT_RC_BAD_USERNAME_OR_PASSWORD) == Exit::authentication);
  CHECK(exit_for_reason(MQTT_RC_SERVER_SHUTTING_DOWN) == Exit::network);
  CHECK(exit_for_reason(MQTT_RC_BANNED) == Exit::protocol);
  CHECK(connack_error(MQTT_RC_NOT_AUTHORIZED, attempt_to("h", 1)).code() == Exit::authentication);
  CHECK(connack_error(MQTT_RC_CLIENTID_NOT_VALID, attempt_to("h", 1)).code() == Exit::protocol);
  CHECK(publish_refused_error("t", MQTT_RC_NOT_AUTHORIZED, ProtocolVersion::v5).code() ==
        Exit::authorization);
  CHECK(subscribe_refused_error("t/#", 0x80, ProtocolVersion::v311).code() == Exit::authorization);
  CHECK(subscribe_refused_error("t/#", MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED, ProtocolVersion::v5).code() ==
        Exit::protocol);
}

TEST_CASE("a rejected client id is explained by whether we sent one") {
  ConnectAttempt attempt = attempt_to("h", 1);
  attempt.protocol = ProtocolVersion::v311;
  CHECK(connack_error(CONNACK_REFUSED_IDENTIFIER_REJECTED, attempt).cause() ==
        "the broker does not accept an empty client id (we let the broker choose one)");
  attempt.sent_client_id = true;
  CHECK(connack_error(CONNACK_REFUSED_IDENTIFIER_REJECTED, attempt).cause() ==
        "the broker does not accept this client id");
}

TEST_CASE("the broker's reason string and server reference are shown") {
  const ConnectAttempt attempt = attempt_to("h", 1);
  const Error moved =
      connack_error(BrokerReason{MQTT_RC_SERVER_MOVED, "see you there", "b.example:1883"}, attempt);
  CHECK(moved.cause() ==
        "the broker sends its clients to 'b.example:1883'; the broker says: \"see you there\"");
  CHECK(moved.fix() == "connect to b.example:1883 instead (-h, -p)");
  const Error banned = broker_disconnect_error(BrokerReason{MQTT_RC_SESSION_TAKEN_OVER, "", ""}, attempt);
  CHECK(banned.what() ==
        std::string{"the broker at h:1 closed the connection (session taken over, reason code 0x8E)"});
}

TEST_CASE("after the fallback, a refused v3.1.1 names both versions") {
  ConnectAttempt attempt = attempt_to("h", 1);
  attempt.protocol = ProtocolVersion::v311;
  attempt.fell_back = true;
  const Error refused = connack_error(CONNACK_REFUSED_PROTOCOL_VERSION, attempt);
  CHECK(refused.what() == std::string{"the broker at h:1 refused MQTT v5 and MQTT v3.1.1 (unacceptable "
                                      "protocol version, CONNACK code 1)"});
  CHECK(refused.fix() == "try -V 31");
}

TEST_CASE("what cannot be known about a publish is said: QoS 0, and MQTT v3.1.1") {
  CHECK(unconfirmed_publish_note(ProtocolVersion::v5, 1) == "");
  CHECK(unconfirmed_publish_note(ProtocolVersion::v5, 0).find("use -q 1 with MQTT v5") != std::string::npos);
  CHECK(unconfirmed_publish_note(ProtocolVersion::v311, 2).find("use -V 5") != std::string::npos);
}

TEST_CASE("a second look turns an ambiguous close into the protocol the port speaks") {
  const ConnectAttempt plain = attempt_to("broker", 8883);
  PortProbe probe;
  probe.look = SecondLook::tls;
  probe.speaks = PortSpeaks::tls;
  probe.chain = {CertificateFacts{"CN=broker", "CN=Some CA", "a", "b", {"broker"}}};
  const Error tls_port = port_mismatch_error(first, plain, probe, nullptr);
  CHECK(tls_port.code() == Exit::tls);
  CHECK(tls_port.fix() == "add --cafile FILE with the certificate of the CA 'CN=Some CA' (or "
                          "--tls-use-os-certs if it is a public CA)");

  probe.speaks = PortSpeaks::plain_mqtt;
  CHECK(port_mismatch_error(first, plain, probe, nullptr).code() == Exit::protocol);
  probe.speaks = PortSpeaks::unknown;
  CHECK(port_mismatch_error(first, plain, probe, nullptr).what() == std::string{"the first diagnosis"});

  const ConnectAttempt tls = attempt_to("broker", 1883, true);
  probe.look = SecondLook::plain_mqtt;
  probe.speaks = PortSpeaks::plain_mqtt;
  CHECK(port_mismatch_error(first, tls, probe, nullptr).what() ==
        std::string{"TLS handshake with broker:1883 failed: the port speaks plain MQTT, not TLS"});
}

TEST_CASE("the TLS versions a server accepts settle a version mismatch, or point at --ciphers") {
  TlsOptions options;
  options.version = "tlsv1.3";
  const TlsContext tls{options, "broker"};
  const ConnectAttempt attempt = attempt_to("broker", 8883, true);
  PortProbe probe;
  probe.look = SecondLook::tls_versions;
  probe.tls_versions = {"TLSv1.2"};
  const Error mismatch = port_mismatch_error(first, attempt, probe, &tls);
  CHECK(mismatch.cause() ==
        "the server accepts TLSv1.2 only, and we ask for TLS 1.3 (--tls-version tlsv1.3)");
  CHECK(mismatch.fix() == "use --tls-version tlsv1.2 (or enable a newer TLS version on the broker)");

  TlsOptions with_ciphers;
  with_ciphers.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  const TlsContext cipher_tls{with_ciphers, "broker"};
  CHECK(port_mismatch_error(first, attempt, probe, &cipher_tls).what() ==
        std::string{"TLS handshake with broker:8883 failed: no cipher in common"});
}

TEST_CASE("only ambiguous failures before CONNACK get a second look") {
  const ConnectAttempt plain = attempt_to("broker", 1883);
  CHECK(second_look_for(MOSQ_ERR_CONN_LOST, false, plain, nullptr) == SecondLook::tls);
  CHECK(second_look_for(MOSQ_ERR_CONN_LOST, true, plain, nullptr) == SecondLook::none);
  CHECK(second_look_for(MQTT_RC_SERVER_SHUTTING_DOWN, false, plain, nullptr) == SecondLook::none);
  ConnectAttempt unix_socket = plain;
  unix_socket.endpoint.unix_path = "/run/mosquitto.sock";
  CHECK(second_look_for(MOSQ_ERR_CONN_LOST, false, unix_socket, nullptr) == SecondLook::none);

  const TlsContext tls{TlsOptions{}, "broker"};  // no handshake seen: the server said no word of TLS
  CHECK(second_look_for(MOSQ_ERR_TLS, false, attempt_to("broker", 8883, true), &tls) ==
        SecondLook::plain_mqtt);
}

TEST_CASE("a refused login names the user, and says when no password was sent") {
  ConnectAttempt attempt = attempt_to("h", 1);
  attempt.sent_username = true;
  attempt.username = "diag";
  const Error without = connack_error(MQTT_RC_NOT_AUTHORIZED, attempt);
  CHECK(without.code() == Exit::authentication);
  CHECK(without.cause() == "user 'diag' was sent without a password: none came from -P, --pw-file, "
                           "MQ_PASSWORD or -L");
  CHECK(without.fix().find("--pw-file FILE") != std::string::npos);
  attempt.sent_password = true;
  const Error wrong = connack_error(MQTT_RC_BAD_USERNAME_OR_PASSWORD, attempt);
  CHECK(wrong.cause() == "the password for user 'diag' is wrong, or this user may not connect");
}

TEST_CASE("a message too large names its packet size and the limit: the broker's or MQTT's") {
  const Endpoint endpoint{"h", 1883, "", false};
  const PublishShape shape{3, 2000, 1, ProtocolVersion::v5, nullptr};
  const Error broker = message_too_large_error("a/b", shape, 1000, endpoint);
  CHECK(broker.code() == Exit::incomplete);
  CHECK(broker.what() == std::string{"the message to 'a/b' is too large for the broker at h:1883"});
  CHECK(broker.cause() == "its PUBLISH packet would be 2011 bytes (2000 bytes of payload), and the broker "
                          "accepts packets of at most 1000 bytes (the maximum packet size in its CONNACK)");
  const PublishShape huge{3, mqtt_max_remaining_length, 0, ProtocolVersion::v311, nullptr};
  const Error mqtt = message_too_large_error("a/b", huge, 0, endpoint);
  CHECK(mqtt.what() == std::string{"the message to 'a/b' is larger than MQTT allows"});
  CHECK(mqtt.cause().find("MQTT allows at most 268435455") != std::string::npos);
}
