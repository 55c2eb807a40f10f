#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mq/cli_forward.hpp"
#include "mq/diagnostics.hpp"
#include "mq/properties.hpp"
#include "mq/url.hpp"

// The option groups every client tool shares, one struct and one registration function per
// concern. Rules between options of one group are declared by its add_* function; rules that
// cross groups (the -L URL, passwords from the environment) are applied by finalize_client_options.
namespace mq {

class OutputFile;

/// MQTT protocol versions, numbered as on the wire (and as libmosquitto's MQTT_PROTOCOL_*).
enum class ProtocolVersion : int { v31 = 3, v311 = 4, v5 = 5 };

/// "MQTT v3.1", "MQTT v3.1.1" or "MQTT v5".
std::string_view protocol_name(ProtocolVersion version);

/// Where the broker is and how the MQTT session behaves.
struct ConnectionOptions {
  std::string host = "localhost";
  std::optional<int> port;         // unset: 1883, or 8883 with TLS
  std::optional<std::string> url;  // -L; finalize_client_options folds it into the others
  std::optional<std::string> unix_socket;
  std::string bind_address;
  int keepalive = 60;
  std::optional<ProtocolVersion> protocol;  // unset: v5, falling back to v3.1.1 if refused
  std::string client_id;
  std::string id_prefix;
  bool clean_session = true;                   // -c turns it off
  std::optional<std::int64_t> session_expiry;  // -x seconds; -1: never expires
  int max_inflight = 20;
  bool nodelay = false;
  double connect_timeout = 10;            // seconds from TCP connect to CONNACK
  std::optional<int> reconnect_attempts;  // after losing the connection; the tool picks the default
  Properties connect_properties;          // -D connect ... (v5 only)
  Properties disconnect_properties;       // -D disconnect ...
  bool requires_v5 = false;               // a -D was given: properties exist only in MQTT v5

  /// The TCP port to use: the given one, else the MQTT default for plain or TLS.
  int effective_port(bool tls) const;
};
/// Registers -h -p -L --unix -A -k -V -i -I -c -x -M --nodelay --connect-timeout: the two below.
void add_connection_options(CLI::App& app, ConnectionOptions& connection);
/// What a tool says differently in the connection group: mqpub and mqsub take the defaults;
/// mqbench connects many clients, does not reconnect, and keeps Nagle's algorithm off.
struct ConnectionGroupWords {
  const char* host = "Broker host name or address";
  const char* url = "Broker and topic as mqtt[s]://[user[:password]@]host[:port]/topic, or ws[s]://";
  const char* bind_address_names = "-A,--bind-address";
  const char* bind_address = "Local address to connect from";
  const char* id = "Client id [default: chosen by the broker]";
  const char* id_prefix = "Client id prefix; the process id is appended";
  const char* session_expiry =
      "Session expiry in seconds, -1 for never (MQTT v5) [default: -1 with -c, else 0]";
  const char* max_inflight_names = "-M,--max-inflight";
  const char* max_inflight = "Maximum QoS 1/2 messages in flight at once";
  bool nodelay_by_default = false;  // then --nodelay is the default and --nagle turns it off
  bool reconnects = true;           // --reconnect-attempts
};
/// Registers every connection option but -c (mqbench spells -c as its client count).
void add_broker_connection_options(CLI::App& app, ConnectionOptions& connection,
                                   const ConnectionGroupWords& words = {});
/// Registers -c/--disable-clean-session.
void add_clean_session_option(CLI::App& app, ConnectionOptions& connection);

/// Credentials; the password may come from -P, --pw-file or MQ_PASSWORD.
struct AuthOptions {
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> password_file;
};
/// Registers -u -P --pw-file.
void add_auth_options(CLI::App& app, AuthOptions& auth);

/// The last-will message the broker publishes if we vanish.
struct WillOptions {
  std::optional<std::string> topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  Properties properties;  // -D will ... (v5 only)
};
/// Registers --will-topic --will-payload --will-qos --will-retain.
void add_will_options(CLI::App& app, WillOptions& will);

/// TLS settings; TLS is on when any option that needs it is given.
struct TlsOptions {
  std::optional<std::string> cafile;
  std::optional<std::string> capath;
  std::optional<std::string> cert;
  std::optional<std::string> key;  // a PEM file, a pkcs11: URI, another OSSL_STORE URI, or an engine's key id
  std::string keyform = "pem";     // --keyform: pem, or engine (the key is --tls-engine's)
  std::optional<std::string> engine;             // --tls-engine: the OpenSSL engine's id
  std::optional<std::string> engine_kpass_sha1;  // --tls-engine-kpass-sha1: 40 hex digits
  bool insecure = false;                         // skip the host-name check (not the chain)
  bool use_os_certs = false;                     // trust the system CA store
  std::string version;                           // tlsv1.3, tlsv1.2, tlsv1.1; empty: TLS 1.2 or newer
  std::string ciphers;                           // OpenSSL cipher list for TLS <= 1.2
  std::string alpn;
  std::optional<std::string> psk;  // hex key
  std::optional<std::string> psk_identity;
  std::optional<std::string> keylog_file;  // --tls-keylog: NSS key log for Wireshark
  std::shared_ptr<OutputFile> keylog;      // that file, opened once by finalize_client_options and
                                           // shared by every copy (one stream for a FIFO's reader)
  bool disabled = false;                   // --no-tls: plain MQTT whatever else says TLS
  bool requested_by_url = false;           // -L mqtts://

  /// Whether the connection uses TLS.
  bool enabled() const;
};
/// Registers --cafile --capath --cert --key --insecure --tls-version --ciphers --tls-alpn
/// --tls-use-os-certs --psk --psk-identity --tls-keylog --no-tls.
void add_tls_options(CLI::App& app, TlsOptions& tls);
/// Registers mosquitto's engine options --keyform --tls-engine --tls-engine-kpass-sha1 (mqpub,
/// mqsub, mqrr; --key's URIs need none of them).
void add_tls_engine_options(CLI::App& app, TlsOptions& tls);

/// How the MQTT bytes reach the broker: over WebSockets instead of bare TCP, through a proxy.
struct TransportOptions {
  bool websocket = false;                     // --ws, or -L ws:// and wss://
  std::optional<std::string> ws_path;         // unset: /mqtt
  std::vector<std::string> ws_headers;        // "Name: value", sent in the handshake
  std::optional<std::string> ws_origin;       // the Origin header
  std::optional<std::string> ws_subprotocol;  // unset: mqtt; "": none asked for
  std::optional<std::string> proxy_option;    // --proxy as given
  bool no_proxy = false;                      // --no-proxy: ignore MQ_PROXY
  std::optional<ProxyUrl> proxy;              // --proxy or MQ_PROXY, parsed by finalize_client_options

  /// The HTTP path of the WebSocket handshake.
  std::string path() const { return ws_path.value_or("/mqtt"); }
  /// The subprotocol asked for ("" for none).
  std::string subprotocol() const { return ws_subprotocol.value_or("mqtt"); }
  /// Whether the bytes go through mq's own relay (WebSockets or a proxy) rather than straight
  /// from libmosquitto to the broker.
  bool relayed() const { return websocket || proxy.has_value(); }
};
/// Registers --ws --ws-path --ws-header --ws-origin --ws-subprotocol --proxy --no-proxy.
void add_transport_options(CLI::App& app, TransportOptions& transport);

/// How much the tool says on stderr.
struct LogOptions {
  bool debug = false;
  bool quiet = false;

  /// What -d and --quiet ask of the diagnostics; the tool sets it (diag::set_verbosity) first.
  diag::Verbosity verbosity() const;
};
/// Registers -d/--debug and --quiet.
void add_log_options(CLI::App& app, LogOptions& log);

/// Everything needed to reach a broker and log in; each tool adds its own groups beside it.
struct ClientOptions {
  ConnectionOptions connection;
  AuthOptions auth;
  WillOptions will;
  TlsOptions tls;
  TransportOptions transport;
  LogOptions log;
  std::optional<std::string> url_topic;  // the topic part of -L, set by finalize_client_options
};
/// Registers all the groups of ClientOptions.
void add_client_options(CLI::App& app, ClientOptions& client);

/// Completes the options once, after parsing and before anything runs (each tool's
/// run_command_line): applies -L, reads the password from --pw-file or
/// MQ_PASSWORD and the proxy from --proxy or MQ_PROXY, checks the rules that cross groups and opens
/// the --tls-keylog file. Throws a usage Error naming the offending option (Exit::file when the
/// key log cannot be written).
void finalize_client_options(ClientOptions& client);

}  // namespace mq
