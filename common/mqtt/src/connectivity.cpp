#include "mq/connectivity.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>

#include "mq/option_checks.hpp"
#include "mq/output.hpp"
#include "mq/properties.hpp"
#include "mq/relay.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/text.hpp"

namespace mq {
namespace {

void read_property(BrokerCapabilities& capabilities, const ReadProperty& property) {
  const std::uint32_t number = property.number;
  const std::string text = printable(property.bytes.view());
  switch (property.identifier) {
  case MQTT_PROP_MAXIMUM_QOS:
    capabilities.maximum_qos = static_cast<int>(number);
    break;
  case MQTT_PROP_RETAIN_AVAILABLE:
    capabilities.retain_available = number != 0;
    break;
  case MQTT_PROP_WILDCARD_SUB_AVAILABLE:
    capabilities.wildcard_subscriptions = number != 0;
    break;
  case MQTT_PROP_SHARED_SUB_AVAILABLE:
    capabilities.shared_subscriptions = number != 0;
    break;
  case MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE:
    capabilities.subscription_identifiers = number != 0;
    break;
  case MQTT_PROP_MAXIMUM_PACKET_SIZE:
    capabilities.maximum_packet_size = number;
    break;
  case MQTT_PROP_TOPIC_ALIAS_MAXIMUM:
    capabilities.topic_alias_maximum = static_cast<std::uint16_t>(number);
    break;
  case MQTT_PROP_RECEIVE_MAXIMUM:
    capabilities.receive_maximum = static_cast<std::uint16_t>(number);
    break;
  case MQTT_PROP_SERVER_KEEP_ALIVE:
    capabilities.server_keep_alive = static_cast<std::uint16_t>(number);
    break;
  case MQTT_PROP_SESSION_EXPIRY_INTERVAL:
    capabilities.session_expiry_interval = number;
    break;
  case MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER:
    capabilities.assigned_client_id = text;
    break;
  case MQTT_PROP_RESPONSE_INFORMATION:
    capabilities.response_information = text;
    break;
  case MQTT_PROP_SERVER_REFERENCE:
    capabilities.server_reference = text;
    break;
  case MQTT_PROP_REASON_STRING:
    capabilities.reason_string = text;
    break;
  case MQTT_PROP_USER_PROPERTY:
    capabilities.user_properties.emplace_back(printable(property.pair_name.view()), text);
    break;
  default:
    break;
  }
  capabilities.stated.emplace_back(property.name.empty() ? std::to_string(property.identifier)
                                                         : std::string{property.name});
}

// Collects what the check reports from the session's callbacks.
class ProbeEvents : public SessionEvents {
public:
  explicit ProbeEvents(ProbeReport& report) : report_(report) {}
  void on_connected(const ConnackInfo& connack) override {
    report_.session_present = connack.session_present;
    if (connack.protocol == ProtocolVersion::v5) report_.capabilities = read_capabilities(connack.properties);
  }

private:
  ProbeReport& report_;
};

void note_peer_address(ProbeReport& report, int socket) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (socket < 0 || getpeername(socket, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return;
  char text[INET6_ADDRSTRLEN] = "";
  if (peer.ss_family == AF_INET) {
    const auto* address = reinterpret_cast<const sockaddr_in*>(&peer);
    inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
    report.port = ntohs(address->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto* address = reinterpret_cast<const sockaddr_in6*>(&peer);
    inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof text);
    report.port = ntohs(address->sin6_port);
  } else {
    report.address = "unix socket";
    return;
  }
  report.address = text;
}

std::string transport_name(const ClientOptions& client) {
  if (client.connection.unix_socket) return "unix socket";
  const bool tls = client.tls.enabled();
  if (client.transport.websocket) return tls ? "wss" : "ws";
  return tls ? "mqtts" : "mqtt";
}

std::string proxy_text(const ProxyUrl& proxy) {
  return fmt::format("{} ({})", proxy.text(),
                     proxy.kind == ProxyUrl::Kind::http ? "HTTP CONNECT"
                                                        : "SOCKS5, names resolved by the proxy");
}

void note_relay(ProbeReport& report, const Relay& relay) {
  report.http_status = relay.http_status();
  report.subprotocol = relay.subprotocol();
  note_peer_address(report, relay.tunnel_socket());
}

void note_session(ProbeReport& report, const Session& session, const ClientOptions& client) {
  if (const TlsContext* tls = session.tls()) {
    report.tls = tls->observation();
    report.host_name_checked = !tls->server_name().empty();
  }
  if (!session.connected()) return;
  if (const Relay* relay = session.relay())
    note_relay(report, *relay);
  else
    note_peer_address(report, session.socket());
  report.protocol = protocol_name(session.protocol());
  report.fell_back = session.protocol() != ProtocolVersion::v5 && !client.connection.protocol;
  report.client_id = session.client_id();
  if (report.capabilities && !report.capabilities->assigned_client_id.empty()) {
    report.client_id = report.capabilities->assigned_client_id;
    report.client_id_assigned = true;
  }
}

std::string yes_no(bool value) { return value ? "yes" : "no"; }

// " (default)" for what the broker left out of its CONNACK: MQTT's default applies.
std::string origin(const BrokerCapabilities& capabilities, std::string_view name) {
  return capabilities.was_stated(name) ? "" : " (default)";
}

void append_capabilities(std::string& text, const BrokerCapabilities& c, int keepalive) {
  text += fmt::format("maximum QoS: {}{}\n", c.maximum_qos, origin(c, "maximum-qos"));
  text += fmt::format("retain available: {}{}\n", yes_no(c.retain_available), origin(c, "retain-available"));
  text += fmt::format("wildcard subscriptions: {}{}\n", yes_no(c.wildcard_subscriptions),
                      origin(c, "wildcard-subscription-available"));
  text += fmt::format("shared subscriptions: {}{}\n", yes_no(c.shared_subscriptions),
                      origin(c, "shared-subscription-available"));
  text += fmt::format("subscription identifiers: {}{}\n", yes_no(c.subscription_identifiers),
                      origin(c, "subscription-identifier-available"));
  text += fmt::format("maximum packet size: {}{}\n",
                      c.maximum_packet_size ? fmt::format("{} bytes", *c.maximum_packet_size) : "no limit",
                      origin(c, "maximum-packet-size"));
  text += fmt::format("topic alias maximum: {}{}\n", c.topic_alias_maximum, origin(c, "topic-alias-maximum"));
  text += fmt::format("receive maximum: {}{}\n", c.receive_maximum, origin(c, "receive-maximum"));
  text += fmt::format("server keep alive: {} s{}\n",
                      c.server_keep_alive.value_or(static_cast<std::uint16_t>(keepalive)),
                      c.server_keep_alive ? "" : " (ours, accepted)");
  if (c.session_expiry_interval)
    text += fmt::format("session expiry interval: {} s\n", *c.session_expiry_interval);
  if (!c.response_information.empty())
    text += fmt::format("response information: {}\n", c.response_information);
  if (!c.server_reference.empty()) text += fmt::format("server reference: {}\n", c.server_reference);
  if (!c.reason_string.empty()) text += fmt::format("reason string: {}\n", c.reason_string);
  for (const auto& [name, value] : c.user_properties)
    text += fmt::format("user property: {}={}\n", name, value);
}

// How a relayed connection went: WebSockets, a proxy, or both.
void append_transport(std::string& text, const ProbeReport& report) {
  text += fmt::format("transport: {}\n", report.transport);
  text += fmt::format("proxy: {}\n", report.proxy.empty() ? "none" : report.proxy);
  if (!report.address.empty())
    text += fmt::format("{}: {} port {}\n", report.proxy.empty() ? "address" : "proxy address",
                        report.address, report.port);
  if (!report.http_status.empty()) text += fmt::format("http status: {}\n", report.http_status);
  if (report.transport == "ws" || report.transport == "wss")
    text +=
        fmt::format("websocket subprotocol: {}\n", report.subprotocol.empty() ? "none" : report.subprotocol);
}

nlohmann::json certificate_json(const CertificateFacts& certificate) {
  return {{"subject", certificate.subject},
          {"issuer", certificate.issuer},
          {"not_before", certificate.not_before},
          {"not_after", certificate.not_after},
          {"names", certificate.names}};
}

nlohmann::json tls_json(const ProbeReport& report) {
  if (!report.tls) return nullptr;
  const TlsObservation& tls = *report.tls;
  nlohmann::json chain = nlohmann::json::array();
  for (const CertificateFacts& certificate : tls.chain)
    chain.push_back(certificate_json(certificate));
  return {{"version", tls.handshake_done ? nlohmann::json(tls.version) : nlohmann::json(nullptr)},
          {"cipher", tls.handshake_done ? nlohmann::json(tls.cipher) : nlohmann::json(nullptr)},
          {"host_name_checked", report.host_name_checked},
          {"chain", chain}};
}

nlohmann::json capabilities_json(const BrokerCapabilities& c, int keepalive) {
  nlohmann::json users = nlohmann::json::array();
  for (const auto& [name, value] : c.user_properties)
    users.push_back({name, value});
  return {
      {"maximum_qos", c.maximum_qos},
      {"retain_available", c.retain_available},
      {"wildcard_subscriptions", c.wildcard_subscriptions},
      {"shared_subscriptions", c.shared_subscriptions},
      {"subscription_identifiers", c.subscription_identifiers},
      {"maximum_packet_size", c.maximum_packet_size ? nlohmann::json(*c.maximum_packet_size) : nullptr},
      {"topic_alias_maximum", c.topic_alias_maximum},
      {"receive_maximum", c.receive_maximum},
      {"server_keep_alive", c.server_keep_alive.value_or(static_cast<std::uint16_t>(keepalive))},
      {"session_expiry_interval",
       c.session_expiry_interval ? nlohmann::json(*c.session_expiry_interval) : nullptr},
      {"assigned_client_id", c.assigned_client_id.empty() ? nullptr : nlohmann::json(c.assigned_client_id)},
      {"user_properties", users},
      {"stated", c.stated}};
}

}  // namespace

bool ProbeReport::relayed() const { return transport == "ws" || transport == "wss" || !proxy.empty(); }

bool BrokerCapabilities::was_stated(std::string_view name) const {
  return std::find(stated.begin(), stated.end(), name) != stated.end();
}

BrokerCapabilities read_capabilities(const mosquitto_property* connack_properties) {
  BrokerCapabilities capabilities;
  for (const ReadProperty& property : read_properties(connack_properties))
    read_property(capabilities, property);
  return capabilities;
}

void add_probe_options(CLI::App& app, ProbeOptions& probe) {
  app.add_option("--probe", probe.format,
                 "Check the connection: connect, print what the broker and its TLS said, and disconnect; "
                 "=json prints one JSON object")
      ->expected(0, 1)
      ->default_str("text")
      ->check(one_of({"text", "json"}))
      ->option_text("[=text|json]")
      ->group("Diagnostics");
}

std::string probe_text(const ProbeReport& report) {
  std::string text = fmt::format("broker: {}\n", report.broker);
  if (report.relayed())
    append_transport(text, report);
  else if (!report.address.empty())
    text += fmt::format("address: {} port {}\n", report.address, report.port);
  if (report.tls) {
    const TlsObservation& tls = *report.tls;
    if (tls.handshake_done) text += fmt::format("tls: {}, cipher {}\n", tls.version, tls.cipher);
    if (!report.host_name_checked) text += "tls host name: not checked (--insecure)\n";
    for (std::size_t depth = 0; depth < tls.chain.size(); ++depth)
      text += fmt::format("certificate {}: {}\n", depth, describe_certificate(tls.chain[depth]));
  } else {
    text += "tls: no\n";
  }
  if (report.protocol.empty()) return text;
  text +=
      fmt::format("mqtt: {}{}\n", report.protocol, report.fell_back ? " (the broker refused MQTT v5)" : "");
  text += fmt::format("session present: {}\n", yes_no(report.session_present));
  text += fmt::format("client id: {}\n", report.client_id.empty() ? "chosen by the broker, not reported"
                                         : report.client_id_assigned
                                             ? fmt::format("{} (assigned by the broker)", report.client_id)
                                             : report.client_id);
  if (report.capabilities)
    append_capabilities(text, *report.capabilities, report.keepalive);
  else
    text += fmt::format("capabilities: not reported ({} has no CONNACK properties)\n", report.protocol);
  return text;
}

nlohmann::json probe_json(const ProbeReport& report) {
  nlohmann::json json{
      {"broker", report.broker},
      {"connected", !report.protocol.empty()},
      {"address", report.address.empty() ? nullptr : nlohmann::json(report.address)},
      {"port", report.port == 0 ? nullptr : nlohmann::json(report.port)},
      {"transport", report.transport},
      {"proxy", report.proxy.empty() ? nullptr : nlohmann::json(report.proxy)},
      {"http_status", report.http_status.empty() ? nullptr : nlohmann::json(report.http_status)},
      {"subprotocol", report.subprotocol.empty() ? nullptr : nlohmann::json(report.subprotocol)},
      {"tls", tls_json(report)}};
  if (!report.protocol.empty()) {
    json["mqtt"] = {{"version", report.protocol},
                    {"fell_back", report.fell_back},
                    {"session_present", report.session_present},
                    {"client_id", report.client_id.empty() ? nullptr : nlohmann::json(report.client_id)},
                    {"client_id_assigned", report.client_id_assigned}};
    json["capabilities"] = report.capabilities ? capabilities_json(*report.capabilities, report.keepalive)
                                               : nlohmann::json(nullptr);
  }
  if (report.failure)
    json["error"] = {{"exit_code", exit_status(report.failure->code())},
                     {"message", report.failure->what()},
                     {"cause", report.failure->cause()},
                     {"fix", report.failure->fix()}};
  return json;
}

Exit run_probe(const ClientOptions& client, const ProbeOptions& probe) {
  const bool json = probe.format == "json";
  ProbeReport report;
  const ConnectionOptions& connection = client.connection;
  report.broker = Endpoint{connection.host, connection.effective_port(client.tls.enabled()),
                           connection.unix_socket.value_or(""), client.tls.enabled(),
                           client.transport.websocket ? client.transport.path() : ""}
                      .text();
  report.keepalive = connection.keepalive;
  report.transport = transport_name(client);
  if (client.transport.proxy) report.proxy = proxy_text(*client.transport.proxy);
  try {
    ProbeEvents events{report};
    StopSignals::install();  // Ctrl-C ends the probe with a clean shutdown and exit 130
    Session session{client, events};
    try {
      session.connect();
    } catch (const Error&) {
      note_session(report, session, client);
      throw;
    }
    note_session(report, session, client);
    session.disconnect();
  } catch (const Error& failure) {
    report.failure = failure;
    if (json) write_stdout(probe_json(report).dump() + "\n");
    throw;
  }
  write_stdout(json ? probe_json(report).dump() + "\n" : probe_text(report));
  return Exit::ok;
}

}  // namespace mq
