#include "harness/broker.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace mq::test {
namespace {

constexpr int start_attempts = 3;  // a kernel-chosen port can be taken again before we bind it

std::filesystem::path make_password_file(const Workspace& workspace,
                                         const std::map<std::string, std::string>& users) {
  const std::filesystem::path file = workspace / "passwords";
  Workspace::write_file(file, "");
  for (const auto& [user, password] : users) {
    const Outcome made =
        run(Command{{"mosquitto_passwd", "-b", file.string(), user, password}, {}, {}}, workspace.path());
    if (made.exit_code != 0) throw std::runtime_error("mosquitto_passwd failed: " + made.err);
  }
  return file;
}

std::string base64(const unsigned char* bytes, int length) {
  std::string text(static_cast<std::size_t>(4 * ((length + 2) / 3)) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes, length);
  text.resize(static_cast<std::size_t>(written));
  return text;
}

// The dynamic-security plugin's JSON: every user gets a role that may not subscribe to the
// denied filters. Passwords are PBKDF2-SHA512 as the plugin stores them.
std::filesystem::path make_dynamic_security_file(const Workspace& workspace, const BrokerSetup& setup) {
  nlohmann::json clients = nlohmann::json::array();
  for (const auto& [user, password] : setup.users) {
    unsigned char salt[12];
    unsigned char hash[64];
    RAND_bytes(salt, sizeof salt);
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, sizeof salt, 101,
                      EVP_sha512(), sizeof hash, hash);
    clients.push_back({{"username", user},
                       {"password", base64(hash, sizeof hash)},
                       {"salt", base64(salt, sizeof salt)},
                       {"iterations", 101},
                       {"roles", {{{"rolename", "limited"}}}}});
  }
  nlohmann::json acls = nlohmann::json::array();
  for (const auto& filter : setup.denied_subscriptions)
    acls.push_back({{"acltype", "subscribePattern"}, {"topic", filter}, {"priority", 0}, {"allow", false}});
  const nlohmann::json config{{"defaultACLAccess",
                               {{"publishClientSend", true},
                                {"publishClientReceive", true},
                                {"subscribe", true},
                                {"unsubscribe", true}}},
                              {"clients", clients},
                              {"groups", nlohmann::json::array()},
                              {"roles", {{{"rolename", "limited"}, {"acls", acls}}}}};
  return workspace.write("dynamic-security.json", config.dump(2));
}

}  // namespace

BrokerSetup websocket_broker(bool tls) {
  BrokerSetup setup;
  setup.websockets = true;
  setup.tls = tls;
  return setup;
}

void add_psk_listener(BrokerSetup& setup, const Workspace& workspace, int port, const std::string& identity,
                      const std::string& hex_key, bool identity_as_username) {
  setup.extra_lines.push_back("psk_file " + workspace.write("psk", identity + ":" + hex_key + "\n").string());
  setup.extra_lines.push_back("listener " + std::to_string(port) + " 127.0.0.1");
  setup.extra_lines.push_back("psk_hint mq-test");
  if (identity_as_username) setup.extra_lines.push_back("use_identity_as_username true");
}

Broker::Broker(const Workspace& workspace, BrokerSetup setup)
    : workspace_(workspace), setup_(std::move(setup)) {
  if (setup_.tls) certificates_ = make_certificates(workspace_ / "certs");
  if (setup_.tls && setup_.server_certificate) replace_server_certificate(*setup_.server_certificate);
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    tls_port_ = setup_.tls ? free_port() : 0;
    ws_port_ = setup_.websockets ? free_port() : 0;
    wss_port_ = setup_.websockets && setup_.tls ? free_port() : 0;
    try {
      start();
      return;
    } catch (const std::runtime_error&) {
      if (attempt == start_attempts || log().find("Address already in use") == std::string::npos) throw;
    }
  }
}

Broker::~Broker() { stop(); }

void Broker::replace_server_certificate(const ServerCertificate& wanted) {
  const std::filesystem::path cert = workspace_ / "certs" / "custom-server.pem";
  const std::filesystem::path key = workspace_ / "certs" / "custom-server.key";
  if (wanted.self_signed)
    make_self_signed_certificate(cert, key, wanted.common_name, wanted.alt_names);
  else if (!wanted.not_before.empty() || !wanted.not_after.empty())
    issue_dated_certificate(certificates_, cert, key, wanted.common_name, wanted.alt_names,
                            wanted.not_before.empty() ? utc_time_in_days(0) : wanted.not_before,
                            wanted.not_after.empty() ? utc_time_in_days(1) : wanted.not_after);
  else
    issue_certificate(certificates_, cert, key, wanted.common_name, wanted.alt_names);
  certificates_.server_cert = cert;
  certificates_.server_key = key;
}

void Broker::write_config() const {
  std::string config = "user root\n";  // as root, mosquitto would otherwise drop to 'mosquitto'
  config += "log_dest file " + (workspace_ / "broker.log").string() + "\n";
  config += setup_.log_every_packet ? "log_type all\n"
                                    : "log_type error warning notice information subscribe unsubscribe\n";
  config += "allow_anonymous " + std::string{setup_.anonymous ? "true" : "false"} + "\n";
  if (setup_.persistence)
    config +=
        "persistence true\npersistence_location " + workspace_.path().string() + "/\nautosave_interval 1\n";
  if (!setup_.denied_subscriptions.empty()) {
    config += "plugin " + std::string{MQ_DYNSEC_PLUGIN} + "\nplugin_opt_config_file " +
              make_dynamic_security_file(workspace_, setup_).string() + "\n";
  } else if (!setup_.password_file_path.empty()) {
    config += "password_file " + std::filesystem::absolute(setup_.password_file_path).string() + "\n";
  } else if (!setup_.users.empty())
    config += "password_file " + make_password_file(workspace_, setup_.users).string() + "\n";
  if (!setup_.acl.empty()) config += "acl_file " + workspace_.write("acl", setup_.acl).string() + "\n";
  for (const auto& line : setup_.extra_lines)
    config += line + "\n";
  config += "listener " + std::to_string(port_) + " " + setup_.address + "\n";
  for (const auto& line : setup_.listener_lines)
    config += line + "\n";
  if (setup_.tls) {
    config += "listener " + std::to_string(tls_port_) + " " + setup_.address + "\n";
    for (const auto& line : setup_.listener_lines)
      config += line + "\n";
    config += "cafile " + certificates_.ca.string() + "\n";
    config += "certfile " + certificates_.server_cert.string() + "\n";
    config += "keyfile " + certificates_.server_key.string() + "\n";
    if (setup_.require_certificate) config += "require_certificate true\n";
  }
  if (setup_.websockets) config += "listener " + std::to_string(ws_port_) + "\nprotocol websockets\n";
  if (setup_.websockets && setup_.tls) {
    config += "listener " + std::to_string(wss_port_) + "\nprotocol websockets\n";
    config += "certfile " + certificates_.server_cert.string() + "\n";
    config += "keyfile " + certificates_.server_key.string() + "\n";
  }
  workspace_.write("mosquitto.conf", config);
}

void Broker::start() {
  write_config();
  process_ = std::make_unique<Process>(
      Command{{MQ_MOSQUITTO_BROKER, "-c", (workspace_ / "mosquitto.conf").string()}, {}, {}},
      workspace_.path());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running())
      throw std::runtime_error("mosquitto exited at start: " + process_->err() + log());
    if (accepts_connections(port_, setup_.address) &&
        (!setup_.tls || accepts_connections(tls_port_, setup_.address)) &&
        (ws_port_ == 0 || accepts_connections(ws_port_)) &&
        (wss_port_ == 0 || accepts_connections(wss_port_)))
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("mosquitto did not accept connections within 10 s: " + log());
}

void Broker::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  if (!process_->wait_for_exit(std::chrono::seconds(5))) {
    process_->signal(SIGKILL);
    process_->wait_for_exit(std::chrono::seconds(5));
  }
  process_.reset();
}

void Broker::reload() const {
  if (process_) process_->signal(SIGHUP);
}

std::string Broker::log() const { return read_file(workspace_ / "broker.log"); }

}  // namespace mq::test
