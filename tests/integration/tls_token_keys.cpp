// Client keys that are not PEM files: in a PKCS#11 token (SoftHSM 2 through OpenSSL's pkcs11
// engine), behind an OpenSSL store URI, or named by mosquitto's --keyform engine and
// --tls-engine; against a mosquitto TLS listener that requires client certificates.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "harness/broker.hpp"
#include "harness/software_token.hpp"
#include "harness/tools.hpp"
#include "mqrr_support.hpp"

using namespace mq::test;

namespace {

BrokerSetup certificate_broker() {
  BrokerSetup setup;
  setup.tls = true;
  setup.require_certificate = true;
  return setup;
}

// The options that reach the broker's TLS listener with the client certificate and `key`.
std::vector<std::string> over_tls(const Broker& broker, const std::string& key,
                                  std::vector<std::string> arguments = {}) {
  const Certificates& certificates = broker.certificates();
  arguments.insert(arguments.begin(), {"-p", broker.tls_port_text(), "--cafile", certificates.ca.string(),
                                       "--cert", certificates.client_cert.string(), "--key", key});
  return arguments;
}

std::vector<std::string> publish(const Broker& broker, const std::string& key,
                                 std::vector<std::string> more = {}) {
  std::vector<std::string> arguments = over_tls(broker, key, {"-t", "token/t", "-m", "signed by the token"});
  arguments.insert(arguments.end(), more.begin(), more.end());
  return arguments;
}

}  // namespace

TEST_CASE("a client key in a PKCS#11 token signs the TLS handshake of mqsub and mqpub") {
  Workspace workspace;
  Broker broker{workspace, certificate_broker()};
  const SoftwareToken token{workspace, broker.certificates().client_key};
  const std::string uri = token.key_uri(token.pin());

  auto subscriber = start_tool(workspace, "mqsub", over_tls(broker, uri, {"-t", "token/t", "-C", "1", "-d"}),
                               std::nullopt, token.environment());
  REQUIRE(wait_for_stderr_count(*subscriber, "SUBACK", 1));

  SUBCASE("as a pkcs11: URI") {
    const Outcome published = run_tool(workspace, "mqpub", publish(broker, uri, {"-q", "1", "-d"}),
                                       std::nullopt, token.environment());
    CHECK_MESSAGE(published.exit_code == 0, published.err);
    CHECK(contains(published.err,
                   "TLS private key pkcs11:token=mq-test;object=client;type=private?pin-value=****"
                   " from OpenSSL engine pkcs11"));
    CHECK_FALSE(contains(published.err, "pin-value=" + token.pin()));
  }
  SUBCASE("with the PIN in a file (pin-source)") {
    const std::string pin_file = workspace.write("pin", token.pin()).string();
    const Outcome published =
        run_tool(workspace, "mqpub", publish(broker, token.key_uri("") + "?pin-source=" + pin_file),
                 std::nullopt, token.environment());
    CHECK_MESSAGE(published.exit_code == 0, published.err);
  }
  SUBCASE("as mosquitto's --keyform engine --tls-engine pkcs11") {
    const Outcome published =
        run_tool(workspace, "mqpub", publish(broker, uri, {"--keyform", "ENGINE", "--tls-engine", "pkcs11"}),
                 std::nullopt, token.environment());
    CHECK_MESSAGE(published.exit_code == 0, published.err);
    CHECK(published.err == "");
  }
  const Outcome received = subscriber->finish();
  CHECK(received.exit_code == 0);
  CHECK(received.out == "signed by the token\n");
  CHECK_FALSE(contains(received.err, "pin-value=" + token.pin()));
}

TEST_CASE("mqrr and mqbench take a token's key too") {
  Workspace workspace;
  Broker broker{workspace, certificate_broker()};
  const SoftwareToken token{workspace, broker.certificates().client_key};
  const std::string uri = token.key_uri(token.pin());

  auto responder = start_responder(workspace, broker, "svc/echo", {}, {"cat"});
  const Outcome answered =
      run_tool(workspace, "mqrr",
               over_tls(broker, uri, {"-t", "svc/echo", "-e", "reply/echo", "-m", "ping", "-W", "10"}),
               std::nullopt, token.environment());
  CHECK_MESSAGE(answered.exit_code == 0, answered.err);
  CHECK(answered.out == "ping\n");

  const std::string result = (workspace / "result.json").string();
  std::vector<std::string> bench =
      over_tls(broker, uri, {"-c", "2", "--count", "40", "-q", "1", "--json", result});
  bench.insert(bench.begin(), "pubsub");  // the subcommand comes first
  const Outcome benched = run_tool(workspace, "mqbench", bench, std::nullopt, token.environment());
  REQUIRE_MESSAGE(benched.exit_code == 0, benched.err);
  const nlohmann::json totals = nlohmann::json::parse(read_file(result))["totals"];
  CHECK(totals["received"] == 40);
  CHECK(totals["lost"] == 0);
}

TEST_CASE("a token's key that cannot be had is exit 4, naming why, the PIN masked") {
  Workspace workspace;
  Broker broker{workspace, certificate_broker()};
  const SoftwareToken token{workspace, broker.certificates().client_key};

  SUBCASE("a wrong PIN") {
    const std::string uri = token.key_uri("9999");
    const Outcome outcome =
        run_tool(workspace, "mqpub", publish(broker, uri), std::nullopt, token.environment());
    CHECK(outcome.exit_code == 4);
    CHECK(outcome.err == "mqpub: error: the PKCS#11 token refused the PIN of --key "
                         "'pkcs11:token=mq-test;object=client;type=private?pin-value=****'\n"
                         "  cause: the token answered that the PIN is incorrect (a token locks itself after "
                         "a few wrong PINs)\n"
                         "  fix: give the token's user PIN in the URI: pin-value=PIN, or pin-source=FILE\n");
  }
  SUBCASE("no such object") {
    const std::string uri = "pkcs11:token=mq-test;object=nobody;type=private?pin-value=1234";
    const Outcome outcome =
        run_tool(workspace, "mqpub", publish(broker, uri), std::nullopt, token.environment());
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err, "mqpub: error: no private key matches --key "
                                "'pkcs11:token=mq-test;object=nobody;type=private?pin-value=****'\n"));
    CHECK(contains(outcome.err, "fix: list the token's keys"));
    CHECK_FALSE(contains(outcome.err, "1234"));
  }
  SUBCASE("no PIN: mq does not prompt") {
    const Outcome outcome =
        run_tool(workspace, "mqsub", over_tls(broker, token.key_uri(""), {"-t", "t", "-C", "1"}),
                 std::nullopt, token.environment());
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err, "needs the token's PIN"));
    CHECK(contains(outcome.err, "mq does not prompt"));
  }
  SUBCASE("the pkcs11 engine is not installed") {
    std::filesystem::create_directories(workspace / "no-engines");
    std::map<std::string, std::string> environment = token.environment();
    environment["OPENSSL_ENGINES"] = (workspace / "no-engines").string();
    const Outcome outcome =
        run_tool(workspace, "mqpub", publish(broker, token.key_uri(token.pin())), std::nullopt, environment);
    CHECK(outcome.exit_code == 4);
    CHECK(outcome.err == "mqpub: error: OpenSSL has no engine 'pkcs11'\n"
                         "  cause: no engine of that id is built into OpenSSL or installed in " +
                             (workspace / "no-engines").string() +
                             "\n"
                             "  fix: install the PKCS#11 engine: apt-get install libengine-pkcs11-openssl\n");
  }
  SUBCASE("an engine of an unknown id") {
    const Outcome outcome =
        run_tool(workspace, "mqpub",
                 publish(broker, "client", {"--keyform", "engine", "--tls-engine", "no-such-engine"}));
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err, "mqpub: error: OpenSSL has no engine 'no-such-engine'\n"));
    CHECK(contains(outcome.err,
                   "fix: install the engine, or check the id with: openssl engine -t no-such-engine"));
  }
  SUBCASE("a key password SHA-1 for an engine that takes none") {
    const Outcome outcome =
        run_tool(workspace, "mqpub",
                 publish(broker, token.key_uri(token.pin()),
                         {"--keyform", "engine", "--tls-engine", "pkcs11", "--tls-engine-kpass-sha1",
                          "7110eda4d09e062aa5e4a390b0a572ac0d2c0220"}),
                 std::nullopt, token.environment());
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err,
                   "mqpub: error: engine 'pkcs11' takes no key password SHA-1 (--tls-engine-kpass-sha1)\n"));
  }
}

TEST_CASE("--key takes a URI OpenSSL's store opens, and an unknown scheme is exit 4") {
  Workspace workspace;
  Broker broker{workspace, certificate_broker()};
  const std::string file_uri = "file:" + std::filesystem::absolute(broker.certificates().client_key).string();

  const Outcome published = run_tool(workspace, "mqpub", publish(broker, file_uri, {"-d"}));
  CHECK_MESSAGE(published.exit_code == 0, published.err);
  CHECK(contains(published.err, "TLS private key " + file_uri + " from OpenSSL's store"));

  const std::string missing_file = (workspace / "none.key").string();
  const Outcome missing = run_tool(workspace, "mqpub", publish(broker, "file:" + missing_file));
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "mqpub: error: --key '" + missing_file + "' cannot be read"));

  const Outcome unknown = run_tool(workspace, "mqpub", publish(broker, "vault:client-key"));
  CHECK(unknown.exit_code == 4);
  CHECK(
      contains(unknown.err, "mqpub: error: --key 'vault:client-key': no OpenSSL loader opens vault: URIs\n"));
}

TEST_CASE("mosquitto's engine options: their rules are usage errors (exit 2)") {
  Workspace workspace;
  const std::string port = std::to_string(free_port());
  const std::vector<std::string> base{"-p", port, "-t", "t", "-m", "x", "--cert", "c.pem", "--key", "k"};
  const auto run_with = [&](std::vector<std::string> more) {
    std::vector<std::string> arguments = base;
    arguments.insert(arguments.end(), more.begin(), more.end());
    return run_tool(workspace, "mqpub", arguments);
  };

  Outcome outcome = run_with({"--keyform", "der"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "'der' is not one of pem, engine"));

  outcome = run_with({"--keyform", "engine"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--keyform engine needs --tls-engine"));

  outcome = run_with({"--keyform", "engine", "--tls-engine", "pkcs11", "--tls-engine-kpass-sha1", "abc"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "'abc' is not a SHA-1 in hex (40 hexadecimal digits)"));

  outcome = run_with({"--tls-engine-kpass-sha1", "7110eda4d09e062aa5e4a390b0a572ac0d2c0220"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--tls-engine-kpass-sha1"));

  outcome = run_tool(workspace, "mqpub", {"-p", port, "-t", "t", "-m", "x", "--keyform", "pem"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--keyform"));
}
