#include "mq/translate.hpp"

#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "mq/properties.hpp"
#include "mq/tls.hpp"

namespace mq {
namespace {

bool is_v5(const ConnectAttempt& attempt) { return attempt.protocol == ProtocolVersion::v5; }

std::string port_advice(const Endpoint& endpoint) {
  return endpoint.tls ? "the usual MQTT port is 1883 for plain connections and 8883 for TLS"
                      : "the usual MQTT port is 1883, and 8883 for TLS (add --cafile for TLS)";
}

// The names MQTT v3.1.1 gives its CONNACK return codes (mosquitto_connack_string() capitalises
// and punctuates them as sentences).
std::string v3_connack_name(int code) {
  switch (code) {
  case CONNACK_REFUSED_PROTOCOL_VERSION:
    return "unacceptable protocol version";
  case CONNACK_REFUSED_IDENTIFIER_REJECTED:
    return "identifier rejected";
  case CONNACK_REFUSED_SERVER_UNAVAILABLE:
    return "server unavailable";
  case CONNACK_REFUSED_BAD_USERNAME_PASSWORD:
    return "bad user name or password";
  case CONNACK_REFUSED_NOT_AUTHORIZED:
    return "not authorized";
  default:
    return "unknown code";
  }
}

// MQTT v5's names of its reason codes (mosquitto_reason_string() capitalises them unevenly).
struct ReasonName {
  int code;
  std::string_view name;
};
constexpr ReasonName v5_reason_names[] = {
    {0x00, "success"},
    {0x01, "granted QoS 1"},
    {0x02, "granted QoS 2"},
    {0x04, "disconnect with will message"},
    {0x10, "no matching subscribers"},
    {0x11, "no subscription existed"},
    {0x18, "continue authentication"},
    {0x19, "re-authenticate"},
    {0x80, "unspecified error"},
    {0x81, "malformed packet"},
    {0x82, "protocol error"},
    {0x83, "implementation specific error"},
    {0x84, "unsupported protocol version"},
    {0x85, "client identifier not valid"},
    {0x86, "bad user name or password"},
    {0x87, "not authorized"},
    {0x88, "server unavailable"},
    {0x89, "server busy"},
    {0x8A, "banned"},
    {0x8B, "server shutting down"},
    {0x8C, "bad authentication method"},
    {0x8D, "keep alive timeout"},
    {0x8E, "session taken over"},
    {0x8F, "topic filter invalid"},
    {0x90, "topic name invalid"},
    {0x91, "packet identifier in use"},
    {0x92, "packet identifier not found"},
    {0x93, "receive maximum exceeded"},
    {0x94, "topic alias invalid"},
    {0x95, "packet too large"},
    {0x96, "message rate too high"},
    {0x97, "quota exceeded"},
    {0x98, "administrative action"},
    {0x99, "payload format invalid"},
    {0x9A, "retain not supported"},
    {0x9B, "QoS not supported"},
    {0x9C, "use another server"},
    {0x9D, "server moved"},
    {0x9E, "shared subscriptions not supported"},
    {0x9F, "connection rate exceeded"},
    {0xA0, "maximum connect time"},
    {0xA1, "subscription identifiers not supported"},
    {0xA2, "wildcard subscriptions not supported"},
};

std::string_view v5_reason_name(int code) {
  for (const ReasonName& reason : v5_reason_names)
    if (reason.code == code) return reason.name;
  return "unknown reason code";
}

// Appends what the broker said in words, which names the cause better than any guess of ours.
std::string with_broker_words(std::string cause, const BrokerReason& reason) {
  if (reason.reason_string.empty()) return cause;
  return fmt::format("{}; the broker says: \"{}\"", cause, reason.reason_string);
}

Error authentication_error(const ConnectAttempt& attempt, const BrokerReason& reason) {
  const std::string what = fmt::format("the broker at {} refused the login ({})", attempt.endpoint.text(),
                                       reason_text(reason.code, attempt.protocol));
  if (attempt.sent_username && !attempt.sent_password)
    return Error{Exit::authentication, what,
                 with_broker_words(fmt::format("user '{}' was sent without a password: none came from -P, "
                                               "--pw-file, MQ_PASSWORD or -L",
                                               attempt.username),
                                   reason),
                 "give the password with --pw-file FILE, the MQ_PASSWORD environment variable, -P PASSWORD "
                 "or -L mqtt://USER:PASSWORD@HOST"};
  if (attempt.sent_username)
    return Error{Exit::authentication, what,
                 with_broker_words(fmt::format("the password for user '{}' is wrong, or this user may not "
                                               "connect",
                                               attempt.username),
                                   reason),
                 "check -u and the password (-P, --pw-file or MQ_PASSWORD)"};
  return Error{Exit::authentication, what,
               with_broker_words("the broker requires a username and password, and none was given", reason),
               "add -u USERNAME and a password with --pw-file FILE, MQ_PASSWORD or -P"};
}

Error protocol_version_error(const ConnectAttempt& attempt, const BrokerReason& reason) {
  const std::string where = attempt.endpoint.text();
  const std::string code = reason_text(reason.code, attempt.protocol);
  switch (attempt.protocol) {
  case ProtocolVersion::v5:
    return Error{Exit::protocol, fmt::format("the broker at {} refused MQTT v5 ({})", where, code),
                 with_broker_words(attempt.protocol_given
                                       ? "the broker does not speak MQTT v5, which -V 5 asks for"
                                       : "the broker does not speak MQTT v5, which the v5-only options "
                                         "(-x, -D) need",
                                   reason),
                 attempt.protocol_given
                     ? "use -V 311 (MQTT v3.1.1), or drop -V to fall back to it automatically"
                     : "drop the MQTT v5 options (-x, -D) to connect with MQTT v3.1.1"};
  case ProtocolVersion::v311:
    if (attempt.fell_back)
      return Error{Exit::protocol,
                   fmt::format("the broker at {} refused MQTT v5 and MQTT v3.1.1 ({})", where, code),
                   "the broker speaks neither; only a very old broker speaks MQTT v3.1 alone", "try -V 31"};
    return Error{Exit::protocol, fmt::format("the broker at {} refused MQTT v3.1.1 ({})", where, code),
                 "the broker does not speak MQTT v3.1.1, which -V 311 asks for",
                 "use -V 5, or -V 31 for a very old broker"};
  case ProtocolVersion::v31:
    return Error{Exit::protocol, fmt::format("the broker at {} refused MQTT v3.1 ({})", where, code),
                 "the broker does not speak MQTT v3.1, which -V 31 asks for",
                 "use -V 311 (MQTT v3.1.1), or drop -V"};
  }
  return Error{Exit::protocol, fmt::format("the broker at {} refused the protocol version", where)};
}

Error refused_error(const ConnectAttempt& attempt, const BrokerReason& reason, std::string cause,
                    std::string fix) {
  return Error{Exit::protocol,
               fmt::format("the broker at {} refused the connection ({})", attempt.endpoint.text(),
                           reason_text(reason.code, attempt.protocol)),
               with_broker_words(std::move(cause), reason), std::move(fix)};
}

Error client_id_error(const ConnectAttempt& attempt, const BrokerReason& reason) {
  if (!attempt.sent_client_id)
    return refused_error(attempt, reason,
                         "the broker does not accept an empty client id (we let the broker choose one)",
                         "give a client id with -i ID");
  return refused_error(attempt, reason, "the broker does not accept this client id",
                       attempt.protocol == ProtocolVersion::v31
                           ? "choose another id with -i (MQTT v3.1 allows 1 to 23 letters and digits)"
                           : "choose another id with -i");
}

Error v3_connack_error(const BrokerReason& reason, const ConnectAttempt& attempt) {
  switch (reason.code) {
  case CONNACK_REFUSED_PROTOCOL_VERSION:
    return protocol_version_error(attempt, reason);
  case CONNACK_REFUSED_IDENTIFIER_REJECTED:
    return client_id_error(attempt, reason);
  case CONNACK_REFUSED_SERVER_UNAVAILABLE:
    return refused_error(attempt, reason, "the broker is up but not accepting clients",
                         "try again later, or check the broker's log");
  case CONNACK_REFUSED_BAD_USERNAME_PASSWORD:
  case CONNACK_REFUSED_NOT_AUTHORIZED:
    return authentication_error(attempt, reason);
  default:
    return refused_error(attempt, reason, "the broker sent a CONNACK code MQTT v3 does not define",
                         "check the broker's log");
  }
}

Error v5_connack_error(const BrokerReason& reason, const ConnectAttempt& attempt) {
  switch (reason.code) {
  case MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION:
    return protocol_version_error(attempt, reason);
  case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
  case MQTT_RC_NOT_AUTHORIZED:
  case MQTT_RC_BAD_AUTHENTICATION_METHOD:
    return authentication_error(attempt, reason);
  case MQTT_RC_CLIENTID_NOT_VALID:
    return client_id_error(attempt, reason);
  case MQTT_RC_BANNED:
    return refused_error(attempt, reason, "the broker has banned this client",
                         "ask the broker's administrator");
  case MQTT_RC_SERVER_UNAVAILABLE:
  case MQTT_RC_SERVER_BUSY:
  case MQTT_RC_QUOTA_EXCEEDED:
  case MQTT_RC_CONNECTION_RATE_EXCEEDED:
    return refused_error(attempt, reason, "the broker is up but not accepting this connection now",
                         "try again later, or check the broker's log");
  case MQTT_RC_USE_ANOTHER_SERVER:
  case MQTT_RC_SERVER_MOVED:
    return refused_error(
        attempt, reason,
        reason.server_reference.empty()
            ? std::string{"the broker sends its clients to another server, without naming it"}
            : fmt::format("the broker sends its clients to '{}'", reason.server_reference),
        reason.server_reference.empty()
            ? "ask the broker's administrator which server to use"
            : fmt::format("connect to {} instead (-h, -p)", reason.server_reference));
  case MQTT_RC_UNSPECIFIED:
    // mosquitto answers an empty client id this way when allow_zero_length_clientid is false.
    if (!attempt.sent_client_id)
      return refused_error(attempt, reason,
                           "the broker gave no reason; we sent no client id, and a broker that requires one "
                           "(mosquitto: allow_zero_length_clientid false) refuses MQTT v5 clients this way",
                           "give a client id with -i ID; if that does not help, check the broker's log");
    return refused_error(attempt, reason, "the broker gave no reason",
                         "check the broker's log for this client");
  default:
    return refused_error(attempt, reason, "the broker refused the CONNECT packet",
                         "check the options sent with CONNECT (-D connect, --will-*) and the broker's log");
  }
}

struct DisconnectMeaning {
  std::string cause;
  std::string fix;
};

DisconnectMeaning disconnect_meaning(const BrokerReason& reason, const ConnectAttempt& attempt) {
  switch (reason.code) {
  case MQTT_RC_SERVER_SHUTTING_DOWN:
    return {"the broker is shutting down", "connect again once the broker is back"};
  case MQTT_RC_SESSION_TAKEN_OVER:
    return {"another client connected with the same client id, and the broker closed our connection",
            attempt.sent_client_id ? "give each client its own id (-i), or stop the other one"
                                   : "stop the other client with this id"};
  case MQTT_RC_KEEP_ALIVE_TIMEOUT:
    return {"the broker heard nothing from us within 1.5 times the keepalive",
            "check the network; -k sets the keepalive"};
  case MQTT_RC_NOT_AUTHORIZED:
    return {"the broker's access control refused something this client did",
            "check the broker's ACL and log"};
  case MQTT_RC_ADMINISTRATIVE_ACTION:
    return {"an administrator of the broker disconnected this client", "ask the broker's administrator"};
  case MQTT_RC_SERVER_BUSY:
  case MQTT_RC_QUOTA_EXCEEDED:
  case MQTT_RC_MESSAGE_RATE_TOO_HIGH:
  case MQTT_RC_CONNECTION_RATE_EXCEEDED:
    return {"this client went over one of the broker's limits", "slow down, or ask for a higher limit"};
  case MQTT_RC_PACKET_TOO_LARGE:
    return {"we sent a packet larger than the broker's maximum packet size", "send smaller messages"};
  case MQTT_RC_USE_ANOTHER_SERVER:
  case MQTT_RC_SERVER_MOVED:
    return {reason.server_reference.empty()
                ? std::string{"the broker sends its clients to another server, without naming it"}
                : fmt::format("the broker sends its clients to '{}'", reason.server_reference),
            reason.server_reference.empty()
                ? "ask the broker's administrator which server to use"
                : fmt::format("connect to {} instead (-h, -p)", reason.server_reference)};
  case MQTT_RC_MALFORMED_PACKET:
  case MQTT_RC_PROTOCOL_ERROR:
    return {"the broker says we broke the MQTT protocol", "please report it, with the output of -d"};
  default:
    return {"the broker ended the connection with this reason", "check the broker's log for this client"};
  }
}

// A reset and an orderly close race each other on the wire: both read as "closed", so that the
// same failure always prints the same words.
std::string closing_detail(int mosq_rc, int error_number) {
  const bool closed = mosq_rc != MOSQ_ERR_ERRNO || error_number == 0 || error_number == ECONNRESET ||
                      error_number == EPIPE || error_number == EPROTO;
  return closed ? std::string{"the broker closed the connection"} : std::string{std::strerror(error_number)};
}

Error dropped_before_connack_error(int mosq_rc, int error_number, const ConnectAttempt& attempt) {
  const std::string where = attempt.endpoint.text();
  const std::string detail = closing_detail(mosq_rc, error_number);
  if (attempt.endpoint.tls)
    return Error{
        Exit::network,
        fmt::format("the broker at {} closed the connection after the TLS handshake, before answering "
                    "CONNECT",
                    where),
        detail, "check the broker's log for why it dropped this client"};
  return Error{
      Exit::network, fmt::format("the broker at {} closed the connection before answering CONNECT", where),
      fmt::format("{}; a TLS port does this to a client that speaks plain MQTT", detail),
      "if this is a TLS port (usually 8883), add --cafile FILE or --tls-use-os-certs; otherwise check "
      "the broker's log"};
}

}  // namespace

std::string Endpoint::text() const {
  if (!unix_path.empty()) return fmt::format("unix socket {}", unix_path);
  const std::string host_port = host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                                                    : fmt::format("{}:{}", host, port);
  if (!web_path.empty()) return fmt::format("{}://{}{}", tls ? "wss" : "ws", host_port, web_path);
  return host_port;
}

BrokerReason broker_reason(int code, const mosquitto_property* properties) {
  BrokerReason reason{code, {}, {}};
  if (const std::optional<ReadProperty> text = find_property(properties, MQTT_PROP_REASON_STRING))
    reason.reason_string = text->bytes.view();
  if (const std::optional<ReadProperty> reference = find_property(properties, MQTT_PROP_SERVER_REFERENCE))
    reason.server_reference = reference->bytes.view();
  return reason;
}

std::string reason_text(int reason_code, ProtocolVersion protocol) {
  if (protocol != ProtocolVersion::v5 && reason_code < 0x80)
    return fmt::format("{}, CONNACK code {}", v3_connack_name(reason_code), reason_code);
  return fmt::format("{}, reason code 0x{:02X}", v5_reason_name(reason_code), reason_code);
}

Exit exit_for_reason(int reason_code) {
  switch (reason_code) {
  case MQTT_RC_NOT_AUTHORIZED:
    return Exit::authorization;
  case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
  case MQTT_RC_BAD_AUTHENTICATION_METHOD:
    return Exit::authentication;
  case MQTT_RC_SERVER_SHUTTING_DOWN:
  case MQTT_RC_KEEP_ALIVE_TIMEOUT:
    return Exit::network;
  default:
    return Exit::protocol;
  }
}

namespace {

// connect() or the bind to -A found no free local port: each connection to one broker address
// from one local address takes a port of net.ipv4.ip_local_port_range, and a closed one keeps it
// a minute in TIME_WAIT (a bound one even from other broker addresses). A connect without -A
// fails the same way where the machine has no address of the broker's family (IPv6 turned off).
Error local_ports_used_up_error(const std::string& what, int error_number, bool bound) {
  return Error{
      Exit::network, what,
      fmt::format("no local port is free to connect from ({}): this machine's connections take "
                  "them all, with those closed in the last minute (TIME_WAIT){}",
                  std::strerror(error_number),
                  bound ? "" : "; or it has no address of the broker's family (IPv6 turned off)"),
      fmt::format("widen the range (sysctl -w net.ipv4.ip_local_port_range='1024 65535'), open fewer "
                  "connections, or spread them over more local addresses (-A) or broker addresses{}",
                  bound ? "" : "; without IPv6, give the broker's IPv4 address")};
}

}  // namespace

bool failed_after_tcp_connect(int mosq_rc, int error_number) {
  switch (mosq_rc) {
  case MOSQ_ERR_TLS:
  case MOSQ_ERR_PROTOCOL:
  case MOSQ_ERR_MALFORMED_PACKET:
  case MOSQ_ERR_CONN_LOST:
    return true;
  case MOSQ_ERR_ERRNO:  // libmosquitto sets EPROTO for every TLS failure
    return error_number == EPROTO || error_number == ECONNRESET || error_number == EPIPE;
  default:
    return false;
  }
}

Error connect_call_error(int mosq_rc, int error_number, const ConnectAttempt& attempt,
                         const TlsContext* tls) {
  const Endpoint& endpoint = attempt.endpoint;
  // The blocking connect call also starts the TLS handshake and writes CONNECT, so it can fail
  // the way a connection does that ends before CONNACK.
  if (failed_after_tcp_connect(mosq_rc, error_number))
    return connection_ended_error(mosq_rc, error_number, false, attempt, tls);
  if (mosq_rc == MOSQ_ERR_EAI)
    return Error{Exit::network, fmt::format("cannot resolve the broker's name '{}'", endpoint.host),
                 fmt::format("the name lookup failed: {}", gai_strerror(error_number)),
                 "check the spelling of -h, your DNS settings, or use an IP address"};
  if (mosq_rc == MOSQ_ERR_ERRNO) {
    const std::string what = fmt::format("cannot connect to {}", endpoint.text());
    switch (error_number) {
    case ECONNREFUSED:
      return Error{Exit::network, what, "nothing is listening there (connection refused)",
                   fmt::format("start the broker, or check -h and -p; {}", port_advice(endpoint))};
    case ENOENT:
      return Error{Exit::network, what, "the socket file does not exist",
                   "start the broker, or check the --unix path"};
    case ENETUNREACH:
    case EHOSTUNREACH:
      return Error{Exit::network, what,
                   fmt::format("the network path is down ({})", std::strerror(error_number)),
                   "check the address and the route to the broker"};
    case ETIMEDOUT:
      return Error{Exit::network, what, "the TCP connection timed out",
                   "check that the broker is up and that no firewall drops the packets"};
    case EADDRNOTAVAIL:
      if (attempt.bind_address.empty()) return local_ports_used_up_error(what, error_number, false);
      [[fallthrough]];
    case EINVAL:
      return Error{Exit::network, what,
                   fmt::format("the local address cannot be used ({})", std::strerror(error_number)),
                   "check -A (bind address): it must be an address of this machine"};
    case EADDRINUSE:  // binding to -A found no free port
      return local_ports_used_up_error(what, error_number, true);
    default:
      return Error{Exit::network, what, std::strerror(error_number), "check -h, -p and the network"};
    }
  }
  if (mosq_rc == MOSQ_ERR_INVAL)
    return usage_error(fmt::format("libmosquitto refused the connection settings for {}", endpoint.text()),
                       "check -h, -p, -k and -A");
  return Error{Exit::network, fmt::format("cannot connect to {}", endpoint.text()),
               mosquitto_strerror(mosq_rc), "check -h, -p and the network"};
}

Error connack_error(int reason_code, const ConnectAttempt& attempt) {
  return connack_error(BrokerReason{reason_code, {}, {}}, attempt);
}

Error connack_error(const BrokerReason& reason, const ConnectAttempt& attempt) {
  return is_v5(attempt) ? v5_connack_error(reason, attempt) : v3_connack_error(reason, attempt);
}

Error broker_disconnect_error(const BrokerReason& reason, const ConnectAttempt& attempt) {
  DisconnectMeaning meaning = disconnect_meaning(reason, attempt);
  return Error{exit_for_reason(reason.code),
               fmt::format("the broker at {} closed the connection ({})", attempt.endpoint.text(),
                           reason_text(reason.code, ProtocolVersion::v5)),
               with_broker_words(std::move(meaning.cause), reason), std::move(meaning.fix)};
}

Error connection_ended_error(int mosq_rc, int error_number, bool was_connected, const ConnectAttempt& attempt,
                             const TlsContext* tls) {
  const std::string where = attempt.endpoint.text();
  if (mosq_rc >= 0x80) return broker_disconnect_error(BrokerReason{mosq_rc, {}, {}}, attempt);
  if (tls && !was_connected) {
    const TlsObservation& seen = tls->observation();
    if (!seen.handshake_done || !seen.alert_received.empty() ||
        (seen.certificate_requested && !tls->has_client_certificate()))
      return tls_handshake_error(attempt, *tls);
  }
  if (mosq_rc == MOSQ_ERR_PROTOCOL || mosq_rc == MOSQ_ERR_MALFORMED_PACKET)
    return Error{Exit::protocol, fmt::format("the broker at {} broke the MQTT protocol", where),
                 mosquitto_strerror(mosq_rc),
                 "check that this port serves MQTT; run with -d to see the packets"};
  if (mosq_rc == MOSQ_ERR_KEEPALIVE)
    return Error{Exit::network, fmt::format("the connection to {} was lost", where),
                 "the broker stopped answering PINGREQ within the keepalive",
                 "check the broker and the network; -k sets the keepalive"};
  if (!was_connected) return dropped_before_connack_error(mosq_rc, error_number, attempt);
  const std::string detail = closing_detail(mosq_rc, error_number);
  return Error{Exit::network, fmt::format("the connection to {} was lost", where),
               attempt.sent_client_id
                   ? fmt::format("{} (a broker also does this when another client connects "
                                 "with the same client id)",
                                 detail)
                   : detail,
               "check that the broker is still running and the network between us"};
}

Error connect_timeout_error(double seconds, const ConnectAttempt& attempt, const TlsContext* tls) {
  const std::string where = attempt.endpoint.text();
  if (tls && !tls->observation().handshake_done)
    return Error{Exit::network, fmt::format("no TLS handshake with {} within {} s", where, seconds),
                 tls->observation().server_answered
                     ? "the server started the TLS handshake but did not finish it"
                     : "the server accepted the TCP connection but did not answer our TLS greeting",
                 "check that this port serves MQTT over TLS; --connect-timeout sets the limit"};
  return Error{Exit::network, fmt::format("no answer from {} within {} s", where, seconds),
               "the server accepted the TCP connection but did not answer the MQTT CONNECT",
               attempt.endpoint.tls ? "check that this port serves MQTT; --connect-timeout sets the limit"
                                    : "check that this port serves MQTT (a TLS port needs --cafile); "
                                      "--connect-timeout sets the limit"};
}

// A refused message was not delivered: exit 6 when access control refused it, else 9 (incomplete).
Error publish_refused_error(std::string_view topic, int reason_code, ProtocolVersion protocol) {
  const std::string what =
      fmt::format("the broker refused the message to '{}' ({})", topic, reason_text(reason_code, protocol));
  switch (reason_code) {
  case MQTT_RC_NOT_AUTHORIZED:
    return Error{Exit::authorization, what,
                 fmt::format("the broker's access control does not let this client publish to '{}'", topic),
                 "check the broker's ACL for this user and topic"};
  case MQTT_RC_TOPIC_NAME_INVALID:
    return Error{Exit::incomplete, what, "the broker does not accept this topic name",
                 "publish to another topic"};
  case MQTT_RC_QUOTA_EXCEEDED:
    return Error{Exit::incomplete, what, "this client used up a quota of the broker", "try again later"};
  case MQTT_RC_PACKET_TOO_LARGE:
    return Error{Exit::incomplete, what, "the message is larger than the broker accepts",
                 "send a smaller message, or raise the broker's limit (mosquitto: message_size_limit)"};
  case MQTT_RC_PAYLOAD_FORMAT_INVALID:
    return Error{Exit::incomplete, what, "the payload does not match its payload-format-indicator (UTF-8)",
                 "send valid UTF-8, or drop the payload-format-indicator property"};
  default:
    return Error{Exit::incomplete, what, "the broker did not take the message", "check the broker's log"};
  }
}

Error subscribe_refused_error(std::string_view filter, int reason_code, ProtocolVersion protocol) {
  const std::string what = fmt::format("the broker refused the subscription to '{}' ({})", filter,
                                       reason_text(reason_code, ProtocolVersion::v5));
  if (protocol != ProtocolVersion::v5)
    return Error{Exit::authorization, what,
                 fmt::format("{} reports only 'failure'; usually the broker's ACL does not allow this filter "
                             "(-V 5 would say why)",
                             protocol_name(protocol)),
                 "check the broker's ACL for this user and filter"};
  switch (reason_code) {
  case MQTT_RC_NOT_AUTHORIZED:
    return Error{
        Exit::authorization, what,
        fmt::format("the broker's access control does not let this client subscribe to '{}'", filter),
        "check the broker's ACL for this user and filter"};
  case MQTT_RC_TOPIC_FILTER_INVALID:
    return Error{Exit::protocol, what, "the broker does not accept this filter",
                 "subscribe to another filter"};
  case MQTT_RC_SHARED_SUBS_NOT_SUPPORTED:
    return Error{Exit::protocol, what, "the broker does not support shared subscriptions ($share/...)",
                 "subscribe without $share/GROUP/"};
  case MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED:
    return Error{Exit::protocol, what, "the broker does not support wildcards (+, #) in filters",
                 "subscribe to each topic by its full name"};
  case MQTT_RC_QUOTA_EXCEEDED:
    return Error{Exit::protocol, what, "this client has more subscriptions than the broker allows",
                 "subscribe to fewer filters"};
  default:
    return Error{exit_for_reason(reason_code), what, "the broker did not accept the subscription",
                 "check the broker's log"};
  }
}

std::string unconfirmed_publish_note(ProtocolVersion protocol, int qos) {
  if (qos == 0)
    return "QoS 0 is never acknowledged: a message the broker refuses (for example by its ACL) is dropped "
           "without a word; use -q 1 with MQTT v5 to learn whether it was accepted";
  if (protocol != ProtocolVersion::v5)
    return fmt::format("{} cannot report a refused publish: a broker acknowledges a message its ACL "
                       "drops; use -V 5 to learn whether it was accepted",
                       protocol_name(protocol));
  return {};
}

Error interrupted_error(int signal_number) {
  return Error{signal_number == SIGTERM ? Exit::terminated : Exit::interrupted,
               fmt::format("interrupted by {}", signal_number == SIGTERM ? "SIGTERM" : "SIGINT")};
}

Error message_too_large_error(std::string_view topic, const PublishShape& shape, std::uint32_t broker_limit,
                              const Endpoint& endpoint) {
  const std::size_t remaining = publish_remaining_length(shape);
  if (remaining > mqtt_max_remaining_length)
    return Error{Exit::incomplete, fmt::format("the message to '{}' is larger than MQTT allows", topic),
                 fmt::format("with {} bytes of payload its PUBLISH packet would carry {} bytes after its "
                             "header, and MQTT allows at most {}",
                             shape.payload_bytes, remaining, mqtt_max_remaining_length),
                 "send a smaller message: split or compress it"};
  return Error{
      Exit::incomplete,
      fmt::format("the message to '{}' is too large for the broker at {}", topic, endpoint.text()),
      fmt::format("its PUBLISH packet would be {} bytes ({} bytes of payload), and the broker accepts "
                  "packets of at most {} bytes (the maximum packet size in its CONNACK)",
                  publish_packet_size(shape), shape.payload_bytes, broker_limit),
      "send a smaller message, or raise the broker's limit (mosquitto: max_packet_size)"};
}

Error closed_on_message_error(std::string_view message, std::string_view topic, std::size_t payload_bytes,
                              const Endpoint& endpoint, ProtocolVersion protocol) {
  return Error{
      Exit::incomplete,
      fmt::format("{} ({} bytes to '{}') was not delivered: the broker at {} closed the connection each time "
                  "it received it",
                  message, payload_bytes, topic, endpoint.text()),
      fmt::format("the broker accepted the connection again in between, so it is up: the message is most "
                  "likely larger than the broker's maximum packet size, which {} cannot announce (a broker "
                  "closes the connection instead)",
                  protocol_name(protocol)),
      "send a smaller message, or raise the broker's limit (mosquitto: max_packet_size); with -V 5 the "
      "broker announces its limit and the message is refused before it is sent"};
}

Error request_error(int mosq_rc, std::string_view request) {
  const std::string what = fmt::format("cannot {}", request);
  switch (mosq_rc) {
  case MOSQ_ERR_NO_CONN:
    return Error{Exit::network, what, "the connection to the broker is down", "check the broker"};
  case MOSQ_ERR_CONN_LOST:
  case MOSQ_ERR_ERRNO:  // the write of the request failed: the connection broke under it
    return Error{Exit::network, what, "the connection to the broker broke while it was sent",
                 "check the broker and its log"};
  case MOSQ_ERR_PAYLOAD_SIZE:
  case MOSQ_ERR_OVERSIZE_PACKET:
    return usage_error(what + ": the message is larger than the broker or MQTT allows",
                       "send a smaller payload");
  case MOSQ_ERR_QOS_NOT_SUPPORTED:
    return Error{Exit::protocol, what, "the broker does not support this QoS", "use a lower -q"};
  case MOSQ_ERR_RETAIN_NOT_SUPPORTED:
    return Error{Exit::protocol, what, "the broker does not support retained messages", "drop -r"};
  case MOSQ_ERR_NOMEM:
    return Error{Exit::internal, what, "out of memory"};
  default:
    return usage_error(fmt::format("{}: {}", what, mosquitto_strerror(mosq_rc)));
  }
}

Error resolve_error(const Resolution& resolution, const ConnectAttempt& attempt,
                    const std::string& bind_address) {
  if (!resolution.bind_failed)
    return connect_call_error(MOSQ_ERR_EAI, resolution.lookup_error, attempt, nullptr);
  return Error{Exit::network, fmt::format("cannot resolve --bind-address '{}'", bind_address),
               fmt::format("the name lookup failed: {}", gai_strerror(resolution.lookup_error)),
               "give an address (or name) of this machine to connect from"};
}

Error unpaired_error(const Resolution& resolution, const ConnectAttempt& attempt,
                     const std::string& bind_address) {
  return Error{
      Exit::network,
      fmt::format("cannot connect to {} from --bind-address '{}'", attempt.endpoint.text(), bind_address),
      fmt::format("the broker's addresses ({}) are not of the family (IPv4 or IPv6) of '{}'",
                  address_list(resolution.unpaired), bind_address),
      "give a --bind-address of the broker's family, or the broker's address of the other family with -h"};
}

}  // namespace mq
