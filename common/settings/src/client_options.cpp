#include "mq/client_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>

#include "mq/diagnostics.hpp"
#include "mq/error.hpp"
#include "mq/option_checks.hpp"
#include "mq/output_file.hpp"
#include "mq/text.hpp"
#include "mq/topic.hpp"
#include "mq/url.hpp"

namespace mq {
namespace {

constexpr const char* connection_group = "Connection";
constexpr const char* auth_group = "Authentication";
constexpr const char* will_group = "Last will";
constexpr const char* tls_group = "TLS";
constexpr const char* log_group = "Diagnostics";
constexpr const char* transport_group = "WebSocket and proxy";
constexpr std::int64_t never_expires = -1;

ProtocolVersion parse_protocol_version(const std::string& text) {
  static const std::map<std::string, ProtocolVersion> names{
      {"mqttv31", ProtocolVersion::v31}, {"31", ProtocolVersion::v31},    {"mqttv311", ProtocolVersion::v311},
      {"311", ProtocolVersion::v311},    {"mqttv5", ProtocolVersion::v5}, {"5", ProtocolVersion::v5}};
  const auto found = names.find(text);
  if (found == names.end())
    throw CLI::ValidationError("--protocol-version",
                               fmt::format("'{}' is not one of mqttv31|31|mqttv311|311|mqttv5|5", text));
  return found->second;
}

// MQTT allows 0 (no keepalive); libmosquitto refuses 1 to 4. Runs after whole_number.
std::string check_keepalive(const std::string& text) {
  const long seconds = std::strtol(text.c_str(), nullptr, 10);
  if (seconds == 0 || seconds >= 5) return {};
  return fmt::format("{} is too short: give 0 (no keepalive) or from 5 to 65535 seconds", text);
}

std::string read_password_file(const std::string& path) {
  std::ifstream file{path, std::ios::binary};
  std::string password;
  if (!file || !std::getline(file, password))
    throw usage_error(fmt::format("--pw-file '{}' cannot be read", path),
                      "give a readable file whose first line is the password");
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

void apply_url(ClientOptions& client) {
  const BrokerUrl url = parse_broker_url(*client.connection.url);
  client.connection.host = url.host;
  if (url.port) client.connection.port = url.port;
  if (url.username) client.auth.username = url.username;
  if (url.password) client.auth.password = url.password;
  client.tls.requested_by_url = url.tls;
  if (url.websocket) client.transport.websocket = true;
  client.url_topic = url.topic;
}

void resolve_password(AuthOptions& auth) {
  if (auth.password_file) auth.password = read_password_file(*auth.password_file);
  if (auth.username && !auth.password) {
    if (const char* from_environment = std::getenv("MQ_PASSWORD")) auth.password = from_environment;
  }
  if (auth.password && !auth.username)
    throw usage_error("a password was given without a username",
                      "add -u USERNAME (MQTT sends a password only with a username)");
}

bool is_token_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_character);
}

// Visible ASCII, spaces and tabs, and any byte of UTF-8: nothing that could end the header line.
bool is_header_value(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7f;
  });
}

// The headers mq writes itself: a second copy would make the handshake ambiguous.
bool is_handshake_header(std::string_view name) {
  static constexpr std::string_view ours[] = {"host",
                                              "upgrade",
                                              "connection",
                                              "sec-websocket-key",
                                              "sec-websocket-version",
                                              "sec-websocket-protocol",
                                              "origin",
                                              "content-length",
                                              "transfer-encoding"};
  const std::string lower = ascii_lowercase(name);
  return std::find(std::begin(ours), std::end(ours), lower) != std::end(ours);
}

void check_ws_header(const std::string& header) {
  const std::size_t colon = header.find(':');
  const std::string_view name = std::string_view{header}.substr(0, colon);
  if (colon == std::string::npos || !is_token(name))
    throw usage_error(fmt::format("--ws-header '{}' is not a header", header),
                      "write it as 'Name: value', e.g. --ws-header 'Authorization: Bearer TOKEN'");
  if (!is_header_value(std::string_view{header}.substr(colon + 1)))
    throw usage_error(fmt::format("--ws-header '{}' has a control character in its value", name),
                      "give the value on one line, without control characters");
  if (is_handshake_header(name))
    throw usage_error(fmt::format("--ws-header cannot set {}: mq writes it for the handshake", name),
                      "use --ws-origin for Origin and --ws-subprotocol for Sec-WebSocket-Protocol; "
                      "drop the others");
}

void check_websocket_options(const TransportOptions& transport) {
  const bool tuned =
      transport.ws_path || !transport.ws_headers.empty() || transport.ws_origin || transport.ws_subprotocol;
  if (tuned && !transport.websocket)
    throw usage_error("--ws-path, --ws-header, --ws-origin and --ws-subprotocol need WebSockets",
                      "add --ws, or give the broker as -L ws://HOST/TOPIC or wss://HOST/TOPIC");
  const std::string path = transport.path();
  if (!path.starts_with('/') || !std::all_of(path.begin(), path.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte > 0x20 && byte < 0x7f;
      }))
    throw usage_error(fmt::format("--ws-path '{}' is not an HTTP path", path),
                      "give a path that starts with '/' and has no spaces or control characters (%XX "
                      "escapes them), e.g. /mqtt");
  if (!transport.subprotocol().empty() && !is_token(transport.subprotocol()))
    throw usage_error(fmt::format("--ws-subprotocol '{}' is not a subprotocol name", transport.subprotocol()),
                      "give one word without spaces or separators, e.g. mqtt; '' asks for none");
  if (transport.ws_origin && !is_header_value(*transport.ws_origin))
    throw usage_error("--ws-origin has a control character",
                      "give the origin as one line, e.g. https://example.com");
  for (const std::string& header : transport.ws_headers)
    check_ws_header(header);
}

void resolve_proxy(TransportOptions& transport) {
  if (transport.proxy_option) {
    transport.proxy = parse_proxy_url(*transport.proxy_option, "--proxy");
  } else if (const char* from_environment = std::getenv("MQ_PROXY");
             from_environment && *from_environment && !transport.no_proxy) {
    transport.proxy = parse_proxy_url(from_environment, "MQ_PROXY");
  }
}

void check_tls_engine_rules(const TlsOptions& tls) {
  if (tls.keyform == "engine" && !tls.engine)
    throw usage_error(
        "--keyform engine needs --tls-engine: the key id of --key belongs to an engine",
        "name the engine, e.g. --tls-engine pkcs11, or give --key a pkcs11: URI without --keyform");
}

void check_transport_rules(const ClientOptions& client) {
  const TransportOptions& transport = client.transport;
  if (client.connection.unix_socket && (transport.websocket || transport.proxy))
    throw usage_error(
        fmt::format("--unix cannot be combined with {}", transport.websocket ? "WebSockets" : "a proxy"),
        transport.websocket ? "drop --unix, or drop --ws"
                            : "drop --unix, or unset MQ_PROXY (or add --no-proxy)");
}

void check_session_rules(const ConnectionOptions& connection) {
  if (!connection.clean_session && connection.client_id.empty())
    throw usage_error("--disable-clean-session needs a client id",
                      "add -i ID so that the next run resumes the same session");
  const bool v5_only = connection.session_expiry || connection.requires_v5;
  if (v5_only && connection.protocol && connection.protocol != ProtocolVersion::v5)
    throw usage_error(fmt::format("{} needs MQTT v5, but -V asks for {}",
                                  connection.session_expiry ? "-x" : "-D",
                                  protocol_name(*connection.protocol)),
                      "drop -V or use -V 5");
}

// --nodelay; where it is the default, --nagle turns Nagle's algorithm back on. Nagle's algorithm
// holds a small message back until the previous one is acknowledged, which the peer delays by up
// to 40 ms: with it, a load test measures TCP's batching, not the broker.
void add_nodelay_options(CLI::App& app, ConnectionOptions& connection, bool by_default) {
  if (!by_default) {
    app.add_flag("--nodelay", connection.nodelay, "Disable Nagle's algorithm (lower latency)")
        ->group(connection_group);
    return;
  }
  connection.nodelay = true;
  auto* nodelay = app.add_flag("--nodelay", connection.nodelay,
                               "Disable Nagle's algorithm on every connection (the default)")
                      ->group(connection_group);
  app.add_flag_callback(
         "--nagle,--no-nodelay", [&connection] { connection.nodelay = false; },
         "Leave Nagle's algorithm on: small messages wait for the ACK of earlier ones")
      ->excludes(nodelay)
      ->group(connection_group);
}

}  // namespace

std::string_view protocol_name(ProtocolVersion version) {
  switch (version) {
  case ProtocolVersion::v31:
    return "MQTT v3.1";
  case ProtocolVersion::v311:
    return "MQTT v3.1.1";
  case ProtocolVersion::v5:
    return "MQTT v5";
  }
  return "MQTT";
}

int ConnectionOptions::effective_port(bool tls) const { return port.value_or(tls ? 8883 : 1883); }

bool TlsOptions::enabled() const {
  return !disabled && (cafile || capath || cert || psk || use_os_certs || requested_by_url);
}

void add_connection_options(CLI::App& app, ConnectionOptions& connection) {
  add_broker_connection_options(app, connection);
  add_clean_session_option(app, connection);
}

void add_clean_session_option(CLI::App& app, ConnectionOptions& connection) {
  app.add_flag_callback(
         "-c,--disable-clean-session", [&connection] { connection.clean_session = false; },
         "Keep the session on the broker after disconnecting (needs -i)")
      ->group(connection_group);
}

void add_broker_connection_options(CLI::App& app, ConnectionOptions& connection,
                                   const ConnectionGroupWords& words) {
  auto* host = app.add_option("-h,--host", connection.host, words.host)->group(connection_group);
  auto* port = app.add_option("-p,--port", connection.port, "Broker port [default: 1883, or 8883 with TLS]")
                   ->check(whole_number(1, 65535))
                   ->group(connection_group);
  auto* unix_socket =
      app.add_option("--unix", connection.unix_socket, "Connect through a Unix domain socket at this path")
          ->group(connection_group);
  app.add_option("-L,--url", connection.url, words.url)
      ->excludes(host)
      ->excludes(port)
      ->excludes(unix_socket)
      ->group(connection_group);
  unix_socket->excludes(host)->excludes(port);
  app.add_option(words.bind_address_names, connection.bind_address, words.bind_address)
      ->group(connection_group);
  app.add_option("-k,--keepalive", connection.keepalive, "Seconds between PINGs when idle; 0 disables")
      ->check(whole_number(0, 65535))
      ->check(CLI::Validator(check_keepalive, "SECS"))
      ->group(connection_group);
  app.add_option_function<std::string>(
         "-V,--protocol-version",
         [&connection](const std::string& text) { connection.protocol = parse_protocol_version(text); },
         "mqttv31|31, mqttv311|311 or mqttv5|5 [default: 5, falling back to 311 if refused]")
      ->group(connection_group);
  auto* id = app.add_option("-i,--id", connection.client_id, words.id)->group(connection_group);
  app.add_option("-I,--id-prefix", connection.id_prefix, words.id_prefix)
      ->excludes(id)
      ->group(connection_group);
  app.add_option("-x,--session-expiry", connection.session_expiry, words.session_expiry)
      ->check(whole_number(never_expires, std::int64_t{UINT32_MAX}))
      ->group(connection_group);
  app.add_option(words.max_inflight_names, connection.max_inflight, words.max_inflight)
      ->check(whole_number(1, 65535))
      ->group(connection_group);
  add_nodelay_options(app, connection, words.nodelay_by_default);
  app.add_option("--connect-timeout", connection.connect_timeout,
                 "Seconds to wait for the broker to accept the connection")
      ->check(real_number(0.001, 86400.0))
      ->group(connection_group);
  if (!words.reconnects) return;
  app.add_option("--reconnect-attempts", connection.reconnect_attempts,
                 "Attempts to reconnect after losing the connection; 0: none, -1: forever")
      ->check(whole_number(-1, 1'000'000))
      ->group(connection_group);
}

void add_auth_options(CLI::App& app, AuthOptions& auth) {
  app.add_option("-u,--username", auth.username, "Username to log in with")->group(auth_group);
  auto* password = app.add_option("-P,--pw", auth.password,
                                  "Password (prefer --pw-file or MQ_PASSWORD: the command line is "
                                  "visible to other users)")
                       ->group(auth_group);
  app.add_option("--pw-file", auth.password_file, "Read the password from the first line of FILE")
      ->excludes(password)
      ->group(auth_group);
}

void add_will_options(CLI::App& app, WillOptions& will) {
  auto* topic =
      app.add_option("--will-topic", will.topic, "Topic the broker publishes our last will to if we vanish")
          ->group(will_group);
  app.add_option("--will-payload", will.payload, "Payload of the last will")->needs(topic)->group(will_group);
  app.add_option("--will-qos", will.qos, "QoS of the last will")
      ->check(whole_number(0, 2))
      ->needs(topic)
      ->group(will_group);
  app.add_flag("--will-retain", will.retain, "Retain the last will")->needs(topic)->group(will_group);
}

void add_tls_options(CLI::App& app, TlsOptions& tls) {
  auto* cafile =
      app.add_option("--cafile", tls.cafile, "PEM file of CAs to trust; turns TLS on")->group(tls_group);
  auto* capath =
      app.add_option("--capath", tls.capath, "Directory of hashed PEM CA files to trust; turns TLS on")
          ->group(tls_group);
  auto* cert = app.add_option("--cert", tls.cert, "PEM client certificate (needs --key)")->group(tls_group);
  auto* key = app.add_option("--key", tls.key,
                             "Private key of --cert: a PEM file, a pkcs11: URI, or a key URI OpenSSL opens")
                  ->group(tls_group);
  cert->needs(key);
  key->needs(cert);
  app.add_flag("--insecure", tls.insecure,
               "Do not check that the certificate's names match the host (testing only)")
      ->group(tls_group);
  app.add_option("--tls-version", tls.version,
                 "Lowest TLS version: tlsv1.3, tlsv1.2 or tlsv1.1 [default: tlsv1.2]")
      ->check(one_of({"tlsv1.3", "tlsv1.2", "tlsv1.1"}))
      ->group(tls_group);
  app.add_option("--ciphers", tls.ciphers, "OpenSSL cipher list for TLS 1.2 and older")->group(tls_group);
  app.add_option("--tls-alpn", tls.alpn, "ALPN protocol to offer (e.g. mqtt)")->group(tls_group);
  auto* os_certs =
      app.add_flag("--tls-use-os-certs", tls.use_os_certs, "Trust the system's CA store; turns TLS on")
          ->group(tls_group);
  auto* psk =
      app.add_option("--psk", tls.psk, "Pre-shared key in hex, instead of certificates")->group(tls_group);
  auto* identity = app.add_option("--psk-identity", tls.psk_identity, "Identity for --psk")->group(tls_group);
  psk->needs(identity)->excludes(cafile)->excludes(capath)->excludes(cert)->excludes(os_certs);
  identity->needs(psk);
  app.add_option("--tls-keylog", tls.keylog_file,
                 "Append the TLS session keys to FILE (NSS key log format, for Wireshark)")
      ->type_name("FILE")
      ->group(tls_group);
  app.add_flag("--no-tls", tls.disabled,
               "Connect without TLS even if TLS options are given (e.g. in -o FILE)")
      ->group(tls_group);
}

void add_tls_engine_options(CLI::App& app, TlsOptions& tls) {
  auto* key = app.get_option("--key");
  auto* keyform =
      app.add_option("--keyform", tls.keyform,
                     "How to read --key: pem (a file or URI), or engine (a key id of --tls-engine)")
          ->transform([](std::string text) {  // mosquitto reads it ignoring case
            std::transform(text.begin(), text.end(), text.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            return text;
          })
          ->check(one_of({"pem", "engine"}))
          ->default_str("pem")
          ->needs(key)
          ->group(tls_group);
  auto* engine = app.add_option("--tls-engine", tls.engine, "OpenSSL engine that holds --key (e.g. pkcs11)")
                     ->type_name("ID")
                     ->group(tls_group);
  app.add_option("--tls-engine-kpass-sha1", tls.engine_kpass_sha1,
                 "SHA-1 of the key's password, in hex, for engines that take one (e.g. tpm2tss)")
      ->type_name("HEX")
      ->check([](const std::string& text) -> std::string {
        if (text.size() == 40 && text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
          return {};
        return fmt::format("'{}' is not a SHA-1 in hex (40 hexadecimal digits)", printable(text));
      })
      ->needs(keyform)
      ->needs(engine)
      ->group(tls_group);
}

void add_transport_options(CLI::App& app, TransportOptions& transport) {
  app.add_flag("--ws", transport.websocket, "Speak MQTT over WebSockets (as -L ws:// or wss:// do)")
      ->group(transport_group);
  app.add_option("--ws-path", transport.ws_path, "HTTP path of the WebSocket handshake [default: /mqtt]")
      ->group(transport_group);  // TEXT, not PATH: completion would offer local files
  app.add_option("--ws-header", transport.ws_headers,
                 "Extra header for the WebSocket handshake, as 'Name: value' (repeatable)")
      ->type_name("HEADER")
      ->allow_extra_args(false)
      ->group(transport_group);
  app.add_option("--ws-origin", transport.ws_origin, "Origin header of the WebSocket handshake")
      ->type_name("URL")
      ->group(transport_group);
  app.add_option("--ws-subprotocol", transport.ws_subprotocol,
                 "WebSocket subprotocol to ask for; '' asks for none [default: mqtt]")
      ->type_name("NAME")
      ->group(transport_group);
  auto* proxy =
      app.add_option("--proxy", transport.proxy_option,
                     "Proxy to reach the broker through, else MQ_PROXY: http://[user:pass@]host:port (HTTP "
                     "CONNECT) or socks5h://[user:pass@]host[:port] (SOCKS5)")
          ->type_name("URL")
          ->group(transport_group);
  app.add_flag("--no-proxy", transport.no_proxy, "Connect directly even if MQ_PROXY is set")
      ->excludes(proxy)
      ->group(transport_group);
}

void add_log_options(CLI::App& app, LogOptions& log) {
  auto* debug =
      app.add_flag("-d,--debug", log.debug, "Trace packets, the TLS handshake and reconnects on stderr")
          ->group(log_group);
  app.add_flag("--quiet", log.quiet, "Print no diagnostics; the exit code still tells")
      ->excludes(debug)
      ->group(log_group);
}

void add_client_options(CLI::App& app, ClientOptions& client) {
  add_connection_options(app, client.connection);
  add_auth_options(app, client.auth);
  add_tls_options(app, client.tls);
  add_tls_engine_options(app, client.tls);
  add_will_options(app, client.will);
  add_transport_options(app, client.transport);
  add_log_options(app, client.log);
}

namespace {

// The key log is opened once, before connecting, and shared by every TLS context of the run:
// appended line by line as SSLKEYLOGFILE is, a new file readable by its owner only (the keys
// decrypt the traffic), a FIFO kept open from the first handshake to the end.
void open_key_log(TlsOptions& tls) {
  if (!tls.keylog_file || !tls.enabled() || tls.keylog) return;
  tls.keylog = std::make_shared<OutputFile>(
      OutputFile::open(*tls.keylog_file, OutputFileSettings{.what = "the TLS key log",
                                                            .option = "--tls-keylog",
                                                            .mode = WriteMode::append,
                                                            .new_file_mode = 0600,
                                                            .streams = true}));
  diag::warning(fmt::format(
      "TLS session keys are written to {}: anyone with this file can decrypt the traffic", *tls.keylog_file));
}

}  // namespace

diag::Verbosity LogOptions::verbosity() const {
  if (quiet) return diag::Verbosity::quiet;
  if (debug) return diag::Verbosity::debug;
  return diag::Verbosity::normal;
}

void finalize_client_options(ClientOptions& client) {
  if (client.connection.url) apply_url(client);
  if (client.tls.insecure && client.tls.enabled())
    diag::warning("--insecure: the broker's certificate is not checked against its host name, so another "
                  "server can pose as it (for testing only)");
  resolve_password(client.auth);
  resolve_proxy(client.transport);
  check_websocket_options(client.transport);
  check_transport_rules(client);
  check_tls_engine_rules(client.tls);
  check_session_rules(client.connection);
  if (client.will.topic) check_topic_name(*client.will.topic, "--will-topic");
  open_key_log(client.tls);
}

}  // namespace mq
