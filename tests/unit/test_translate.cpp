#include <doctest/doctest.h>
#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <string_view>

#include "mq/port_probe.hpp"
#include "mq/tls.hpp"
#include "mq/translate.hpp"

using namespace mq;

namespace {

ConnectAttempt attempt_to(std::string host, int port, bool tls = false) {
  ConnectAttempt attempt;
  attempt.endpoint = Endpoint{std::move(host), port, "", tls, ""};
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
  const Endpoint endpoint{"h", 1883, "", false, ""};
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

namespace {

// What an Error promises: exit code, and its three texts ("" where it says nothing).
struct Promise {
  Exit code;
  std::string what;
  std::string cause;
  std::string fix;
};

void check_promise(const Error& error, const Promise& promise) {
  CHECK(error.code() == promise.code);
  CHECK(std::string{error.what()} == promise.what);
  CHECK(error.cause() == promise.cause);
  CHECK(error.fix() == promise.fix);
}

}  // namespace

TEST_CASE("each libmosquitto refusal of a request has its exit code and words") {
  struct Row {
    int mosq_rc;
    Promise promise;
  };
  const std::string oversize = "cannot publish to 't': the message is larger than the broker or MQTT allows";
  const Row rows[] = {
      {MOSQ_ERR_NO_CONN,
       {Exit::network, "cannot publish to 't'", "the connection to the broker is down", "check the broker"}},
      {MOSQ_ERR_CONN_LOST,
       {Exit::network, "cannot publish to 't'", "the connection to the broker broke while it was sent",
        "check the broker and its log"}},
      {MOSQ_ERR_ERRNO,
       {Exit::network, "cannot publish to 't'", "the connection to the broker broke while it was sent",
        "check the broker and its log"}},
      {MOSQ_ERR_PAYLOAD_SIZE, {Exit::usage, oversize, "", "send a smaller payload"}},
      {MOSQ_ERR_OVERSIZE_PACKET, {Exit::usage, oversize, "", "send a smaller payload"}},
      {MOSQ_ERR_QOS_NOT_SUPPORTED,
       {Exit::protocol, "cannot publish to 't'", "the broker does not support this QoS", "use a lower -q"}},
      {MOSQ_ERR_RETAIN_NOT_SUPPORTED,
       {Exit::protocol, "cannot publish to 't'", "the broker does not support retained messages", "drop -r"}},
      {MOSQ_ERR_NOMEM, {Exit::internal, "cannot publish to 't'", "out of memory", ""}},
      {MOSQ_ERR_INVAL,
       {Exit::usage, std::string{"cannot publish to 't': "} + mosquitto_strerror(MOSQ_ERR_INVAL), "", ""}},
      {MOSQ_ERR_MALFORMED_UTF8,
       {Exit::usage, std::string{"cannot publish to 't': "} + mosquitto_strerror(MOSQ_ERR_MALFORMED_UTF8), "",
        ""}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.mosq_rc);
    check_promise(request_error(row.mosq_rc, "publish to 't'"), row.promise);
  }
}

TEST_CASE("each socket error of the connect call has its exit code and words") {
  struct Row {
    int mosq_rc;
    int error_number;
    bool tls;
    Promise promise;
  };
  const std::string plain = "cannot connect to b:1883";
  const std::string secure = "cannot connect to b:8883";
  const auto local_address = [](int error_number) {
    return fmt::format("the local address cannot be used ({})", std::strerror(error_number));
  };
  const std::string bind_fix = "check -A (bind address): it must be an address of this machine";
  const Row rows[] = {
      {MOSQ_ERR_ERRNO,
       ECONNREFUSED,
       false,
       {Exit::network, plain, "nothing is listening there (connection refused)",
        "start the broker, or check -h and -p; the usual MQTT port is 1883, and 8883 for TLS (add --cafile "
        "for TLS)"}},
      {MOSQ_ERR_ERRNO,
       ECONNREFUSED,
       true,
       {Exit::network, secure, "nothing is listening there (connection refused)",
        "start the broker, or check -h and -p; the usual MQTT port is 1883 for plain connections and 8883 "
        "for TLS"}},
      {MOSQ_ERR_ERRNO,
       ENOENT,
       false,
       {Exit::network, plain, "the socket file does not exist",
        "start the broker, or check the --unix path"}},
      {MOSQ_ERR_ERRNO,
       ENETUNREACH,
       false,
       {Exit::network, plain, fmt::format("the network path is down ({})", std::strerror(ENETUNREACH)),
        "check the address and the route to the broker"}},
      {MOSQ_ERR_ERRNO,
       EHOSTUNREACH,
       false,
       {Exit::network, plain, fmt::format("the network path is down ({})", std::strerror(EHOSTUNREACH)),
        "check the address and the route to the broker"}},
      {MOSQ_ERR_ERRNO,
       ETIMEDOUT,
       false,
       {Exit::network, plain, "the TCP connection timed out",
        "check that the broker is up and that no firewall drops the packets"}},
      {MOSQ_ERR_ERRNO, EINVAL, false, {Exit::network, plain, local_address(EINVAL), bind_fix}},
      {MOSQ_ERR_ERRNO,
       EACCES,
       false,
       {Exit::network, plain, std::strerror(EACCES), "check -h, -p and the network"}},
      {MOSQ_ERR_EAI,
       EAI_NONAME,
       false,
       {Exit::network, "cannot resolve the broker's name 'b'",
        fmt::format("the name lookup failed: {}", gai_strerror(EAI_NONAME)),
        "check the spelling of -h, your DNS settings, or use an IP address"}},
      {MOSQ_ERR_INVAL,
       0,
       false,
       {Exit::usage, "libmosquitto refused the connection settings for b:1883", "",
        "check -h, -p, -k and -A"}},
      {MOSQ_ERR_NOMEM,
       0,
       false,
       {Exit::network, plain, mosquitto_strerror(MOSQ_ERR_NOMEM), "check -h, -p and the network"}},
      // The connect call also starts the handshake and sends CONNECT: a reset is a closed connection.
      {MOSQ_ERR_ERRNO,
       ECONNRESET,
       false,
       {Exit::network, "the broker at b:1883 closed the connection before answering CONNECT",
        "the broker closed the connection; a TLS port does this to a client that speaks plain MQTT",
        "if this is a TLS port (usually 8883), add --cafile FILE or --tls-use-os-certs; otherwise check the "
        "broker's log"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.mosq_rc);
    CAPTURE(row.error_number);
    const ConnectAttempt attempt = attempt_to("b", row.tls ? 8883 : 1883, row.tls);
    check_promise(connect_call_error(row.mosq_rc, row.error_number, attempt, nullptr), row.promise);
  }
}

TEST_CASE("no free local port names the port range, and an address not of this machine names -A") {
  const std::string ports_used_up =
      fmt::format("no local port is free to connect from ({}): this machine's connections take them all, "
                  "with those closed in the last minute (TIME_WAIT)",
                  std::strerror(EADDRNOTAVAIL));
  const std::string ports_fix =
      "widen the range (sysctl -w net.ipv4.ip_local_port_range='1024 65535'), open fewer connections, or "
      "spread them over more local addresses (-A) or broker addresses";
  ConnectAttempt attempt = attempt_to("b", 1883, false);
  // Without -A, a machine with no IPv6 address fails a connect to one with the same error.
  check_promise(connect_call_error(MOSQ_ERR_ERRNO, EADDRNOTAVAIL, attempt, nullptr),
                {Exit::network, "cannot connect to b:1883",
                 ports_used_up + "; or it has no address of the broker's family (IPv6 turned off)",
                 ports_fix + "; without IPv6, give the broker's IPv4 address"});
  attempt.bind_address = "192.0.2.1";
  check_promise(connect_call_error(MOSQ_ERR_ERRNO, EADDRNOTAVAIL, attempt, nullptr),
                {Exit::network, "cannot connect to b:1883",
                 fmt::format("the local address cannot be used ({})", std::strerror(EADDRNOTAVAIL)),
                 "check -A (bind address): it must be an address of this machine"});
  attempt.bind_address = "127.0.0.1";  // bind() found every port of it taken
  const Error in_use = connect_call_error(MOSQ_ERR_ERRNO, EADDRINUSE, attempt, nullptr);
  CHECK(in_use.cause() ==
        fmt::format("no local port is free to connect from ({}): this machine's connections "
                    "take them all, with those closed in the last minute (TIME_WAIT)",
                    std::strerror(EADDRINUSE)));
  CHECK(in_use.fix() == ports_fix);
}

TEST_CASE("only failures after the TCP connection are taken for a closed connection") {
  CHECK(failed_after_tcp_connect(MOSQ_ERR_TLS, 0));
  CHECK(failed_after_tcp_connect(MOSQ_ERR_PROTOCOL, 0));
  CHECK(failed_after_tcp_connect(MOSQ_ERR_MALFORMED_PACKET, 0));
  CHECK(failed_after_tcp_connect(MOSQ_ERR_CONN_LOST, 0));
  CHECK(failed_after_tcp_connect(MOSQ_ERR_ERRNO, EPROTO));
  CHECK(failed_after_tcp_connect(MOSQ_ERR_ERRNO, ECONNRESET));
  CHECK(failed_after_tcp_connect(MOSQ_ERR_ERRNO, EPIPE));
  CHECK_FALSE(failed_after_tcp_connect(MOSQ_ERR_ERRNO, ECONNREFUSED));
  CHECK_FALSE(failed_after_tcp_connect(MOSQ_ERR_EAI, EPROTO));
  CHECK_FALSE(failed_after_tcp_connect(MOSQ_ERR_NO_CONN, 0));
}

TEST_CASE("each way a connection ends has its exit code and words") {
  struct Row {
    int mosq_rc;
    int error_number;
    bool was_connected;
    bool tls;
    bool sent_client_id;
    Promise promise;
  };
  const std::string lost = "the connection to b:1883 was lost";
  const std::string still_running = "check that the broker is still running and the network between us";
  const Row rows[] = {
      {MQTT_RC_SERVER_SHUTTING_DOWN,
       0,
       true,
       false,
       false,
       {Exit::network, "the broker at b:1883 closed the connection (server shutting down, reason code 0x8B)",
        "the broker is shutting down", "connect again once the broker is back"}},
      {MOSQ_ERR_PROTOCOL,
       0,
       true,
       false,
       false,
       {Exit::protocol, "the broker at b:1883 broke the MQTT protocol", mosquitto_strerror(MOSQ_ERR_PROTOCOL),
        "check that this port serves MQTT; run with -d to see the packets"}},
      {MOSQ_ERR_MALFORMED_PACKET,
       0,
       false,
       false,
       false,
       {Exit::protocol, "the broker at b:1883 broke the MQTT protocol",
        mosquitto_strerror(MOSQ_ERR_MALFORMED_PACKET),
        "check that this port serves MQTT; run with -d to see the packets"}},
      {MOSQ_ERR_KEEPALIVE,
       0,
       true,
       false,
       false,
       {Exit::network, lost, "the broker stopped answering PINGREQ within the keepalive",
        "check the broker and the network; -k sets the keepalive"}},
      {MOSQ_ERR_CONN_LOST,
       0,
       false,
       true,
       false,
       {Exit::network,
        "the broker at b:8883 closed the connection after the TLS handshake, before answering CONNECT",
        "the broker closed the connection", "check the broker's log for why it dropped this client"}},
      {MOSQ_ERR_CONN_LOST,
       0,
       true,
       false,
       false,
       {Exit::network, lost, "the broker closed the connection", still_running}},
      {MOSQ_ERR_ERRNO,
       EPIPE,
       true,
       false,
       true,
       {Exit::network, lost,
        "the broker closed the connection (a broker also does this when another client connects with the "
        "same client id)",
        still_running}},
      {MOSQ_ERR_ERRNO,
       ETIMEDOUT,
       true,
       false,
       false,
       {Exit::network, lost, std::strerror(ETIMEDOUT), still_running}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.mosq_rc);
    CAPTURE(row.error_number);
    ConnectAttempt attempt = attempt_to("b", row.tls ? 8883 : 1883, row.tls);
    attempt.sent_client_id = row.sent_client_id;
    check_promise(connection_ended_error(row.mosq_rc, row.error_number, row.was_connected, attempt, nullptr),
                  row.promise);
  }
}

TEST_CASE("each MQTT v5 CONNACK refusal has its exit code and words") {
  struct Row {
    BrokerReason reason;
    bool sent_client_id;
    Promise promise;
  };
  const auto refused = [](std::string_view code) {
    return fmt::format("the broker at b:1883 refused the connection ({})", code);
  };
  const std::string later = "try again later, or check the broker's log";
  const std::string not_now = "the broker is up but not accepting this connection now";
  const Row rows[] = {
      {{MQTT_RC_BANNED, "", ""},
       true,
       {Exit::protocol, refused("banned, reason code 0x8A"), "the broker has banned this client",
        "ask the broker's administrator"}},
      {{MQTT_RC_SERVER_UNAVAILABLE, "", ""},
       true,
       {Exit::protocol, refused("server unavailable, reason code 0x88"), not_now, later}},
      {{MQTT_RC_SERVER_BUSY, "", ""},
       true,
       {Exit::protocol, refused("server busy, reason code 0x89"), not_now, later}},
      {{MQTT_RC_QUOTA_EXCEEDED, "", ""},
       true,
       {Exit::protocol, refused("quota exceeded, reason code 0x97"), not_now, later}},
      {{MQTT_RC_CONNECTION_RATE_EXCEEDED, "", ""},
       true,
       {Exit::protocol, refused("connection rate exceeded, reason code 0x9F"), not_now, later}},
      {{MQTT_RC_USE_ANOTHER_SERVER, "", ""},
       true,
       {Exit::protocol, refused("use another server, reason code 0x9C"),
        "the broker sends its clients to another server, without naming it",
        "ask the broker's administrator which server to use"}},
      {{MQTT_RC_UNSPECIFIED, "", ""},
       false,
       {Exit::protocol, refused("unspecified error, reason code 0x80"),
        "the broker gave no reason; we sent no client id, and a broker that requires one (mosquitto: "
        "allow_zero_length_clientid false) refuses MQTT v5 clients this way",
        "give a client id with -i ID; if that does not help, check the broker's log"}},
      {{MQTT_RC_UNSPECIFIED, "", ""},
       true,
       {Exit::protocol, refused("unspecified error, reason code 0x80"), "the broker gave no reason",
        "check the broker's log for this client"}},
      {{MQTT_RC_CLIENTID_NOT_VALID, "too long", ""},
       true,
       {Exit::protocol, refused("client identifier not valid, reason code 0x85"),
        "the broker does not accept this client id; the broker says: \"too long\"",
        "choose another id with -i"}},
      {{MQTT_RC_PACKET_TOO_LARGE, "", ""},
       true,
       {Exit::protocol, refused("packet too large, reason code 0x95"),
        "the broker refused the CONNECT packet",
        "check the options sent with CONNECT (-D connect, --will-*) and the broker's log"}},
      {{MQTT_RC_BAD_AUTHENTICATION_METHOD, "", ""},
       true,
       {Exit::authentication,
        "the broker at b:1883 refused the login (bad authentication method, reason code 0x8C)",
        "the broker requires a username and password, and none was given",
        "add -u USERNAME and a password with --pw-file FILE, MQ_PASSWORD or -P"}},
      {{0xFE, "", ""},
       true,
       {Exit::protocol, refused("unknown reason code, reason code 0xFE"),
        "the broker refused the CONNECT packet",
        "check the options sent with CONNECT (-D connect, --will-*) and the broker's log"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.reason.code);
    ConnectAttempt attempt = attempt_to("b", 1883);
    attempt.sent_client_id = row.sent_client_id;
    check_promise(connack_error(row.reason, attempt), row.promise);
  }
}

TEST_CASE("a refused protocol version says which one, and whether -V asked for it") {
  ConnectAttempt attempt = attempt_to("b", 1883);
  check_promise(connack_error(MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION, attempt),
                {Exit::protocol,
                 "the broker at b:1883 refused MQTT v5 (unsupported protocol version, reason code 0x84)",
                 "the broker does not speak MQTT v5, which the v5-only options (-x, -D) need",
                 "drop the MQTT v5 options (-x, -D) to connect with MQTT v3.1.1"});
  attempt.protocol_given = true;
  check_promise(connack_error(MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION, attempt),
                {Exit::protocol,
                 "the broker at b:1883 refused MQTT v5 (unsupported protocol version, reason code 0x84)",
                 "the broker does not speak MQTT v5, which -V 5 asks for",
                 "use -V 311 (MQTT v3.1.1), or drop -V to fall back to it automatically"});
  attempt.protocol = ProtocolVersion::v311;
  check_promise(connack_error(CONNACK_REFUSED_PROTOCOL_VERSION, attempt),
                {Exit::protocol,
                 "the broker at b:1883 refused MQTT v3.1.1 (unacceptable protocol version, CONNACK code 1)",
                 "the broker does not speak MQTT v3.1.1, which -V 311 asks for",
                 "use -V 5, or -V 31 for a very old broker"});
  attempt.protocol = ProtocolVersion::v31;
  check_promise(connack_error(CONNACK_REFUSED_PROTOCOL_VERSION, attempt),
                {Exit::protocol,
                 "the broker at b:1883 refused MQTT v3.1 (unacceptable protocol version, CONNACK code 1)",
                 "the broker does not speak MQTT v3.1, which -V 31 asks for",
                 "use -V 311 (MQTT v3.1.1), or drop -V"});
}

TEST_CASE("each MQTT v3 CONNACK refusal has its exit code and words") {
  struct Row {
    int code;
    ProtocolVersion protocol;
    Promise promise;
  };
  const Row rows[] = {
      {CONNACK_REFUSED_SERVER_UNAVAILABLE,
       ProtocolVersion::v311,
       {Exit::protocol, "the broker at b:1883 refused the connection (server unavailable, CONNACK code 3)",
        "the broker is up but not accepting clients", "try again later, or check the broker's log"}},
      {CONNACK_REFUSED_BAD_USERNAME_PASSWORD,
       ProtocolVersion::v311,
       {Exit::authentication,
        "the broker at b:1883 refused the login (bad user name or password, CONNACK code 4)",
        "the broker requires a username and password, and none was given",
        "add -u USERNAME and a password with --pw-file FILE, MQ_PASSWORD or -P"}},
      {CONNACK_REFUSED_NOT_AUTHORIZED,
       ProtocolVersion::v31,
       {Exit::authentication, "the broker at b:1883 refused the login (not authorized, CONNACK code 5)",
        "the broker requires a username and password, and none was given",
        "add -u USERNAME and a password with --pw-file FILE, MQ_PASSWORD or -P"}},
      {CONNACK_REFUSED_IDENTIFIER_REJECTED,
       ProtocolVersion::v31,
       {Exit::protocol, "the broker at b:1883 refused the connection (identifier rejected, CONNACK code 2)",
        "the broker does not accept this client id",
        "choose another id with -i (MQTT v3.1 allows 1 to 23 letters and digits)"}},
      {9,
       ProtocolVersion::v311,
       {Exit::protocol, "the broker at b:1883 refused the connection (unknown code, CONNACK code 9)",
        "the broker sent a CONNACK code MQTT v3 does not define", "check the broker's log"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.code);
    ConnectAttempt attempt = attempt_to("b", 1883);
    attempt.protocol = row.protocol;
    attempt.sent_client_id = true;
    check_promise(connack_error(row.code, attempt), row.promise);
  }
}

TEST_CASE("each reason of a broker's DISCONNECT has its exit code and words") {
  struct Row {
    BrokerReason reason;
    Promise promise;
  };
  const auto closed = [](std::string_view code) {
    return fmt::format("the broker at b:1883 closed the connection ({})", code);
  };
  const std::string over_limit = "this client went over one of the broker's limits";
  const std::string slow_down = "slow down, or ask for a higher limit";
  const Row rows[] = {
      {{MQTT_RC_KEEP_ALIVE_TIMEOUT, "", ""},
       {Exit::network, closed("keep alive timeout, reason code 0x8D"),
        "the broker heard nothing from us within 1.5 times the keepalive",
        "check the network; -k sets the keepalive"}},
      {{MQTT_RC_NOT_AUTHORIZED, "", ""},
       {Exit::authorization, closed("not authorized, reason code 0x87"),
        "the broker's access control refused something this client did", "check the broker's ACL and log"}},
      {{MQTT_RC_ADMINISTRATIVE_ACTION, "", ""},
       {Exit::protocol, closed("administrative action, reason code 0x98"),
        "an administrator of the broker disconnected this client", "ask the broker's administrator"}},
      {{MQTT_RC_SERVER_BUSY, "", ""},
       {Exit::protocol, closed("server busy, reason code 0x89"), over_limit, slow_down}},
      {{MQTT_RC_QUOTA_EXCEEDED, "", ""},
       {Exit::protocol, closed("quota exceeded, reason code 0x97"), over_limit, slow_down}},
      {{MQTT_RC_MESSAGE_RATE_TOO_HIGH, "", ""},
       {Exit::protocol, closed("message rate too high, reason code 0x96"), over_limit, slow_down}},
      {{MQTT_RC_CONNECTION_RATE_EXCEEDED, "", ""},
       {Exit::protocol, closed("connection rate exceeded, reason code 0x9F"), over_limit, slow_down}},
      {{MQTT_RC_PACKET_TOO_LARGE, "", ""},
       {Exit::protocol, closed("packet too large, reason code 0x95"),
        "we sent a packet larger than the broker's maximum packet size", "send smaller messages"}},
      {{MQTT_RC_USE_ANOTHER_SERVER, "", "c.example"},
       {Exit::protocol, closed("use another server, reason code 0x9C"),
        "the broker sends its clients to 'c.example'", "connect to c.example instead (-h, -p)"}},
      {{MQTT_RC_SERVER_MOVED, "", ""},
       {Exit::protocol, closed("server moved, reason code 0x9D"),
        "the broker sends its clients to another server, without naming it",
        "ask the broker's administrator which server to use"}},
      {{MQTT_RC_MALFORMED_PACKET, "", ""},
       {Exit::protocol, closed("malformed packet, reason code 0x81"),
        "the broker says we broke the MQTT protocol", "please report it, with the output of -d"}},
      {{MQTT_RC_PROTOCOL_ERROR, "bad topic alias", ""},
       {Exit::protocol, closed("protocol error, reason code 0x82"),
        "the broker says we broke the MQTT protocol; the broker says: \"bad topic alias\"",
        "please report it, with the output of -d"}},
      {{MQTT_RC_SESSION_TAKEN_OVER, "", ""},
       {Exit::protocol, closed("session taken over, reason code 0x8E"),
        "another client connected with the same client id, and the broker closed our connection",
        "stop the other client with this id"}},
      {{MQTT_RC_BAD_AUTHENTICATION_METHOD, "", ""},
       {Exit::authentication, closed("bad authentication method, reason code 0x8C"),
        "the broker ended the connection with this reason", "check the broker's log for this client"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.reason.code);
    check_promise(broker_disconnect_error(row.reason, attempt_to("b", 1883)), row.promise);
  }
  ConnectAttempt with_id = attempt_to("b", 1883);
  with_id.sent_client_id = true;
  CHECK(broker_disconnect_error(BrokerReason{MQTT_RC_SESSION_TAKEN_OVER, "", ""}, with_id).fix() ==
        "give each client its own id (-i), or stop the other one");
}

TEST_CASE("each refused publish has its exit code and words") {
  struct Row {
    int code;
    Promise promise;
  };
  const auto refused = [](std::string_view code) {
    return fmt::format("the broker refused the message to 'a/b' ({})", code);
  };
  const Row rows[] = {
      {MQTT_RC_NOT_AUTHORIZED,
       {Exit::authorization, refused("not authorized, reason code 0x87"),
        "the broker's access control does not let this client publish to 'a/b'",
        "check the broker's ACL for this user and topic"}},
      {MQTT_RC_TOPIC_NAME_INVALID,
       {Exit::incomplete, refused("topic name invalid, reason code 0x90"),
        "the broker does not accept this topic name", "publish to another topic"}},
      {MQTT_RC_QUOTA_EXCEEDED,
       {Exit::incomplete, refused("quota exceeded, reason code 0x97"),
        "this client used up a quota of the broker", "try again later"}},
      {MQTT_RC_PACKET_TOO_LARGE,
       {Exit::incomplete, refused("packet too large, reason code 0x95"),
        "the message is larger than the broker accepts",
        "send a smaller message, or raise the broker's limit (mosquitto: message_size_limit)"}},
      {MQTT_RC_PAYLOAD_FORMAT_INVALID,
       {Exit::incomplete, refused("payload format invalid, reason code 0x99"),
        "the payload does not match its payload-format-indicator (UTF-8)",
        "send valid UTF-8, or drop the payload-format-indicator property"}},
      {MQTT_RC_IMPLEMENTATION_SPECIFIC,
       {Exit::incomplete, refused("implementation specific error, reason code 0x83"),
        "the broker did not take the message", "check the broker's log"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.code);
    check_promise(publish_refused_error("a/b", row.code, ProtocolVersion::v5), row.promise);
  }
}

TEST_CASE("each refused subscription has its exit code and words") {
  struct Row {
    int code;
    ProtocolVersion protocol;
    Promise promise;
  };
  const auto refused = [](std::string_view code) {
    return fmt::format("the broker refused the subscription to 'a/#' ({})", code);
  };
  const std::string acl_fix = "check the broker's ACL for this user and filter";
  const Row rows[] = {
      {0x80,
       ProtocolVersion::v311,
       {Exit::authorization, refused("unspecified error, reason code 0x80"),
        "MQTT v3.1.1 reports only 'failure'; usually the broker's ACL does not allow this filter (-V 5 would "
        "say why)",
        acl_fix}},
      {MQTT_RC_NOT_AUTHORIZED,
       ProtocolVersion::v5,
       {Exit::authorization, refused("not authorized, reason code 0x87"),
        "the broker's access control does not let this client subscribe to 'a/#'", acl_fix}},
      {MQTT_RC_TOPIC_FILTER_INVALID,
       ProtocolVersion::v5,
       {Exit::protocol, refused("topic filter invalid, reason code 0x8F"),
        "the broker does not accept this filter", "subscribe to another filter"}},
      {MQTT_RC_SHARED_SUBS_NOT_SUPPORTED,
       ProtocolVersion::v5,
       {Exit::protocol, refused("shared subscriptions not supported, reason code 0x9E"),
        "the broker does not support shared subscriptions ($share/...)", "subscribe without $share/GROUP/"}},
      {MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED,
       ProtocolVersion::v5,
       {Exit::protocol, refused("wildcard subscriptions not supported, reason code 0xA2"),
        "the broker does not support wildcards (+, #) in filters",
        "subscribe to each topic by its full name"}},
      {MQTT_RC_QUOTA_EXCEEDED,
       ProtocolVersion::v5,
       {Exit::protocol, refused("quota exceeded, reason code 0x97"),
        "this client has more subscriptions than the broker allows", "subscribe to fewer filters"}},
      {MQTT_RC_BAD_USERNAME_OR_PASSWORD,
       ProtocolVersion::v5,
       {Exit::authentication, refused("bad user name or password, reason code 0x86"),
        "the broker did not accept the subscription", "check the broker's log"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.code);
    check_promise(subscribe_refused_error("a/#", row.code, row.protocol), row.promise);
  }
}

TEST_CASE("exit codes of the remaining reason codes: authentication method, keepalive") {
  CHECK(exit_for_reason(MQTT_RC_BAD_AUTHENTICATION_METHOD) == Exit::authentication);
  CHECK(exit_for_reason(MQTT_RC_KEEP_ALIVE_TIMEOUT) == Exit::network);
  CHECK(exit_for_reason(0xFF) == Exit::protocol);
}

TEST_CASE("a stop signal is exit 130 for SIGINT and 143 for SIGTERM") {
  check_promise(interrupted_error(SIGINT), {Exit::interrupted, "interrupted by SIGINT", "", ""});
  check_promise(interrupted_error(SIGTERM), {Exit::terminated, "interrupted by SIGTERM", "", ""});
}

TEST_CASE("a broker silent after the TCP connection: no answer within --connect-timeout") {
  check_promise(
      connect_timeout_error(2.5, attempt_to("b", 1883), nullptr),
      {Exit::network, "no answer from b:1883 within 2.5 s",
       "the server accepted the TCP connection but did not answer the MQTT CONNECT",
       "check that this port serves MQTT (a TLS port needs --cafile); --connect-timeout sets the limit"});
  CHECK(connect_timeout_error(1, attempt_to("b", 8883, true), nullptr).fix() ==
        "check that this port serves MQTT; --connect-timeout sets the limit");
}

TEST_CASE("names that do not resolve, and addresses of the wrong family, name the option at fault") {
  Resolution broker_name;
  broker_name.lookup_error = EAI_NONAME;
  check_promise(resolve_error(broker_name, attempt_to("nowhere", 1883), ""),
                {Exit::network, "cannot resolve the broker's name 'nowhere'",
                 fmt::format("the name lookup failed: {}", gai_strerror(EAI_NONAME)),
                 "check the spelling of -h, your DNS settings, or use an IP address"});
  Resolution bind_name;
  bind_name.lookup_error = EAI_NONAME;
  bind_name.bind_failed = true;
  check_promise(resolve_error(bind_name, attempt_to("b", 1883), "here"),
                {Exit::network, "cannot resolve --bind-address 'here'",
                 fmt::format("the name lookup failed: {}", gai_strerror(EAI_NONAME)),
                 "give an address (or name) of this machine to connect from"});
  Resolution unpaired;
  unpaired.unpaired = {"::1"};
  check_promise(
      unpaired_error(unpaired, attempt_to("b", 1883), "127.0.0.1"),
      {Exit::network, "cannot connect to b:1883 from --bind-address '127.0.0.1'",
       "the broker's addresses (::1) are not of the family (IPv4 or IPv6) of '127.0.0.1'",
       "give a --bind-address of the broker's family, or the broker's address of the other family with -h"});
}

TEST_CASE("a message the broker closes the connection on each time is exit 9, blamed on its size") {
  const Error closed = closed_on_message_error("line 3", "a/b", 5000, Endpoint{"b", 1883, "", false, ""},
                                               ProtocolVersion::v311);
  CHECK(closed.code() == Exit::incomplete);
  CHECK(std::string{closed.what()} == "line 3 (5000 bytes to 'a/b') was not delivered: the broker at b:1883 "
                                      "closed the connection each time it received it");
  CHECK(closed.cause().find("which MQTT v3.1.1 cannot announce") != std::string::npos);
}

TEST_CASE("an endpoint is named as a user would write it: host:port, [IPv6]:port, or its socket") {
  CHECK(Endpoint{"b", 1883, "", false, ""}.text() == "b:1883");
  CHECK(Endpoint{"::1", 8883, "", true, ""}.text() == "[::1]:8883");
  CHECK(Endpoint{"b", 1883, "/run/m.sock", false, ""}.text() == "unix socket /run/m.sock");
  CHECK(Endpoint{"b", 8080, "", false, "/mqtt"}.text() == "ws://b:8080/mqtt");
  CHECK(Endpoint{"::1", 443, "", true, "/"}.text() == "wss://[::1]:443/");
}
