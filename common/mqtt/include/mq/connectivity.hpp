#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mq/cli_forward.hpp"
#include "mq/client_options.hpp"
#include "mq/error.hpp"
#include "mq/tls.hpp"

struct mqtt5__property;
using mosquitto_property = struct mqtt5__property;

// The connectivity check (--probe) of mqpub and mqsub, for support tickets: connect as the
// options say, report what was learned about the broker, and disconnect.
namespace mq {

/// --probe[=text|json].
struct ProbeOptions {
  std::optional<std::string> format;  // set when --probe is given: "text" or "json"
  /// Whether the check replaces the tool's normal run.
  bool requested() const { return format.has_value(); }
};
/// Registers --probe in the Diagnostics group.
void add_probe_options(CLI::App& app, ProbeOptions& probe);

/// What an MQTT v5 broker says it supports in its CONNACK, with MQTT's defaults for what it
/// leaves out.
struct BrokerCapabilities {
  int maximum_qos = 2;
  bool retain_available = true;
  bool wildcard_subscriptions = true;
  bool shared_subscriptions = true;
  bool subscription_identifiers = true;
  std::optional<std::uint32_t> maximum_packet_size;  // unset: no limit but MQTT's
  std::uint16_t topic_alias_maximum = 0;
  std::uint16_t receive_maximum = 65535;
  std::optional<std::uint16_t> server_keep_alive;        // unset: ours is accepted
  std::optional<std::uint32_t> session_expiry_interval;  // unset: the one we asked for
  std::string assigned_client_id;                        // set when we sent none
  std::string response_information;
  std::string server_reference;
  std::string reason_string;
  std::vector<std::pair<std::string, std::string>> user_properties;
  std::vector<std::string> stated;  // names of the properties the broker sent, in order

  /// Whether the broker sent the property named `name` (e.g. "maximum-qos").
  bool was_stated(std::string_view name) const;
};

/// Reads a CONNACK's property list.
BrokerCapabilities read_capabilities(const mosquitto_property* connack_properties);

/// Everything the check learned; the parts not reached stay empty.
struct ProbeReport {
  std::string broker;   // as addressed: "localhost:1883"
  std::string address;  // the peer's numeric address, "" if not connected
  int port = 0;
  std::string transport;              // "mqtt", "mqtts", "ws", "wss" or "unix socket"
  std::string proxy;                  // the proxy's URL, its password masked; "" for none
  std::string http_status;            // the WebSocket handshake's answer, "HTTP/1.1 101 Switching Protocols"
  std::string subprotocol;            // the WebSocket subprotocol the server agreed to; "" for none
  std::optional<TlsObservation> tls;  // with TLS: version, cipher, chain
  bool host_name_checked = true;      // false with --insecure
  std::string protocol;               // "MQTT v5", "" if not accepted
  bool fell_back = false;             // MQTT v5 was refused first
  bool session_present = false;
  std::string client_id;  // "" when the broker chose one and did not tell
  bool client_id_assigned = false;
  int keepalive = 0;                               // the keepalive we asked for
  std::optional<BrokerCapabilities> capabilities;  // MQTT v5 only
  std::optional<Error> failure;

  /// Whether mq's relay carried the connection (WebSockets or a proxy).
  bool relayed() const;
};

/// The report as "name: value" lines.
std::string probe_text(const ProbeReport& report);
/// The report as one JSON object.
nlohmann::json probe_json(const ProbeReport& report);

/// Runs the check with the tool's client options (after finalize_client_options); prints the
/// report on stdout and returns Exit::ok, or throws the connection's failure (after printing the
/// JSON report with --probe=json).
Exit run_probe(const ClientOptions& client, const ProbeOptions& probe);

}  // namespace mq
