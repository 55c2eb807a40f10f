// Diagnoses of TLS failures against a real mosquitto (and openssl s_server for TLS versions and
// ciphers): each names the certificate facts or the alert, and the option that fixes it.
// Each scenario runs three times and must print the same thing each time.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/scenario.hpp"
#include "harness/tls_server.hpp"

using namespace mq::test;

namespace {

BrokerSetup tls_broker(std::optional<ServerCertificate> certificate = std::nullopt) {
  BrokerSetup setup;
  setup.tls = true;
  setup.server_certificate = std::move(certificate);
  return setup;
}

// "20261025121314Z" (openssl ca) -> "2026-10-25 12:13:14 UTC" (our messages).
std::string as_printed(const std::string& openssl_time) {
  const auto part = [&](std::size_t at, std::size_t length) { return openssl_time.substr(at, length); };
  return part(0, 4) + "-" + part(4, 2) + "-" + part(6, 2) + " " + part(8, 2) + ":" + part(10, 2) + ":" +
         part(12, 2) + " UTC";
}

std::vector<std::string> publish_over_tls(const Broker& broker, std::vector<std::string> extra) {
  std::vector<std::string> arguments{"-p", broker.tls_port_text(), "-t", "t", "-m", "x"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

}  // namespace

TEST_CASE(
    "3: a server certificate from a CA --cafile does not hold names subject, issuer and the file, exit 4") {
  Workspace workspace;
  Broker broker{workspace, tls_broker()};
  const Certificates other = make_certificates_of_another_ca(workspace / "other");
  const Outcome outcome =
      run_scenario(workspace, "mqpub", publish_over_tls(broker, {"--cafile", other.ca.string()}));
  CHECK(outcome.exit_code == 4);
  CHECK(outcome.err ==
        "mqpub: error: TLS handshake with localhost:" + broker.tls_port_text() +
            " failed: the server's certificate is not trusted\n"
            "  cause: the server's certificate (subject 'CN=localhost,O=mq tests', issuer 'CN=mq test "
            "CA,O=mq tests') is not signed by a CA trusted by --cafile " +
            other.ca.string() +
            "\n"
            "  fix: give the certificate of the CA 'CN=mq test CA,O=mq tests' with --cafile FILE\n");
}

TEST_CASE("3: without --cafile, the system CA store is named as what does not trust the server") {
  Workspace workspace;
  Broker broker{workspace, tls_broker()};
  const Outcome outcome = run_scenario(
      workspace, "mqsub", {"-p", broker.tls_port_text(), "--tls-use-os-certs", "-t", "t", "-C", "1"});
  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err,
                 "issuer 'CN=mq test CA,O=mq tests') is not signed by a CA trusted by the system CA "
                 "store (--tls-use-os-certs)"));
}

TEST_CASE("3: a self-signed server certificate is called so") {
  Workspace workspace;
  ServerCertificate self_signed;
  self_signed.self_signed = true;
  Broker broker{workspace, tls_broker(self_signed)};
  const Outcome outcome = run_scenario(
      workspace, "mqpub", publish_over_tls(broker, {"--cafile", broker.certificates().ca.string()}));
  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "cause: the server's certificate 'CN=localhost,O=mq tests' is self-signed, and "
                              "--cafile " +
                                  broker.certificates().ca.string() + " does not hold it"));
  CHECK(contains(outcome.err, "fix: give that certificate itself with --cafile FILE"));
}

TEST_CASE("4: a certificate for another host name shows both names and suggests one it holds") {
  Workspace workspace;
  ServerCertificate other_name;
  other_name.common_name = "broker.test";
  other_name.alt_names = {"DNS:broker.test", "DNS:mqtt.broker.test"};
  Broker broker{workspace, tls_broker(other_name)};
  const std::string ca = broker.certificates().ca.string();

  const Outcome outcome = run_scenario(workspace, "mqpub", publish_over_tls(broker, {"--cafile", ca}));

  CHECK(outcome.exit_code == 4);
  CHECK(outcome.err ==
        "mqpub: error: TLS handshake with localhost:" + broker.tls_port_text() +
            " failed: the server's certificate is for another name\n"
            "  cause: we connected to 'localhost' but the certificate 'CN=broker.test,O=mq tests' is "
            "for: broker.test, mqtt.broker.test\n"
            "  fix: connect by a name the certificate holds (-h broker.test), or reissue it with "
            "'localhost' in its subjectAltName; --insecure skips this check, for testing only\n");
}

TEST_CASE("4: connecting by IP address to a certificate that names only a host") {
  Workspace workspace;
  ServerCertificate by_name;
  by_name.alt_names = {"DNS:localhost"};
  Broker broker{workspace, tls_broker(by_name)};
  const std::string ca = broker.certificates().ca.string();

  const Outcome outcome =
      run_scenario(workspace, "mqpub", publish_over_tls(broker, {"-h", "127.0.0.1", "--cafile", ca}));
  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err,
                 "we connected to '127.0.0.1' but the certificate 'CN=localhost,O=mq tests' is for: "
                 "localhost"));
  CHECK(contains(outcome.err, "(-h localhost)"));

  SUBCASE("--insecure connects anyway and warns in one line") {
    const Outcome insecure = run_scenario(
        workspace, "mqpub", publish_over_tls(broker, {"-h", "127.0.0.1", "--cafile", ca, "--insecure"}));
    CHECK(insecure.exit_code == 0);
    CHECK(insecure.err ==
          "mqpub: warning: --insecure: the broker's certificate is not checked against its host "
          "name, so another server can pose as it (for testing only)\n");
  }
}

TEST_CASE("5: an expired server certificate shows its validity and the current time") {
  Workspace workspace;
  ServerCertificate expired;
  expired.not_before = utc_time_in_days(-30);
  expired.not_after = utc_time_in_days(-1);
  Broker broker{workspace, tls_broker(expired)};

  const Outcome outcome = run_scenario(
      workspace, "mqpub", publish_over_tls(broker, {"--cafile", broker.certificates().ca.string()}));

  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "failed: the server's certificate has expired\n"));
  CHECK(contains(outcome.err, "cause: the server's certificate 'CN=localhost,O=mq tests' was valid from " +
                                  as_printed(expired.not_before) + " to " + as_printed(expired.not_after) +
                                  "; it is now "));
  CHECK(contains(outcome.err, "fix: renew the broker's certificate"));
}

TEST_CASE("5: a server certificate that is not valid yet shows its validity and the current time") {
  Workspace workspace;
  ServerCertificate future;
  future.not_before = utc_time_in_days(2);
  future.not_after = utc_time_in_days(30);
  Broker broker{workspace, tls_broker(future)};

  const Outcome outcome =
      run_scenario(workspace, "mqsub",
                   {"-p", broker.tls_port_text(), "--cafile", broker.certificates().ca.string(), "-t", "t"});

  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "failed: the server's certificate is not valid yet\n"));
  CHECK(contains(outcome.err, "is valid from " + as_printed(future.not_before) + " to " +
                                  as_printed(future.not_after) + "; it is now "));
  CHECK(contains(outcome.err, "fix: check the clock"));
}

TEST_CASE("6: a broker that requires a client certificate, and none given") {
  Workspace workspace;
  BrokerSetup setup = tls_broker();
  setup.require_certificate = true;
  Broker broker{workspace, setup};

  const Outcome outcome = run_scenario(
      workspace, "mqpub", publish_over_tls(broker, {"--cafile", broker.certificates().ca.string()}));

  CHECK(outcome.exit_code == 4);
  CHECK(outcome.err ==
        "mqpub: error: TLS handshake with localhost:" + broker.tls_port_text() +
            " failed: the broker requires a client certificate\n"
            "  cause: the broker asked for a client certificate (TLS CertificateRequest) and none was "
            "given\n"
            "  fix: add --cert FILE and --key FILE with a certificate signed by a CA the broker "
            "trusts\n");
}

TEST_CASE("6: a client certificate the broker does not trust names it and the alert") {
  Workspace workspace;
  BrokerSetup setup = tls_broker();
  setup.require_certificate = true;
  Broker broker{workspace, setup};
  const Certificates stranger = make_certificates_of_another_ca(workspace / "stranger");

  const Outcome outcome = run_scenario(
      workspace, "mqpub",
      publish_over_tls(broker, {"--cafile", broker.certificates().ca.string(), "--cert",
                                stranger.client_cert.string(), "--key", stranger.client_key.string()}));

  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "failed: the server refused it (unknown CA)\n"));
  CHECK(contains(outcome.err, "cause: the broker did not accept our client certificate (subject 'CN=mq test "
                              "client,O=mq tests', issuer 'CN=mq test CA,O=mq tests'"));
  CHECK(contains(outcome.err, "fix: use a client certificate (--cert) signed by a CA the broker trusts"));

  SUBCASE("and the right client certificate is accepted") {
    const Outcome accepted =
        run_tool(workspace, "mqpub",
                 publish_over_tls(broker, {"--cafile", broker.certificates().ca.string(), "--cert",
                                           broker.certificates().client_cert.string(), "--key",
                                           broker.certificates().client_key.string()}));
    CHECK(accepted.exit_code == 0);
    CHECK(accepted.err == "");
  }
}

TEST_CASE("7: a TLS version the server does not speak names the versions on both sides") {
  Workspace workspace;
  const Certificates certificates = make_certificates(workspace / "certs");
  TlsServer server{workspace, certificates, {"-tls1_2"}};

  const Outcome outcome = run_scenario(workspace, "mqpub",
                                       {"-p", server.port_text(), "--cafile", certificates.ca.string(),
                                        "--tls-version", "tlsv1.3", "-t", "t", "-m", "x"});

  CHECK(outcome.exit_code == 4);
  CHECK(outcome.err ==
        "mqpub: error: TLS handshake with localhost:" + server.port_text() +
            " failed: no TLS version in common\n"
            "  cause: the server accepts TLSv1.2 only, and we ask for TLS 1.3 (--tls-version "
            "tlsv1.3)\n"
            "  fix: use --tls-version tlsv1.2 (or enable a newer TLS version on the broker)\n");
}

TEST_CASE("7: a cipher list the server shares nothing with names --ciphers") {
  Workspace workspace;
  const Certificates certificates = make_certificates(workspace / "certs");
  TlsServer server{workspace, certificates, {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"}};

  const Outcome outcome = run_scenario(workspace, "mqpub",
                                       {"-p", server.port_text(), "--cafile", certificates.ca.string(),
                                        "--ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305", "-t", "t", "-m", "x"});

  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "failed: no cipher in common\n"));
  CHECK(contains(outcome.err,
                 "cause: the server accepts TLSv1.2 with OpenSSL's default ciphers, but none of those "
                 "--ciphers 'ECDHE-ECDSA-CHACHA20-POLY1305' allows"));
}

TEST_CASE("6: an expired client certificate is named with its validity when the broker refuses it") {
  Workspace workspace;
  BrokerSetup setup = tls_broker();
  setup.require_certificate = true;
  Broker broker{workspace, setup};
  const std::filesystem::path cert = workspace / "expired-client.pem";
  const std::filesystem::path key = workspace / "expired-client.key";
  issue_dated_certificate(broker.certificates(), cert, key, "expired client", {}, utc_time_in_days(-10),
                          utc_time_in_days(-5));

  const Outcome outcome =
      run_scenario(workspace, "mqpub",
                   publish_over_tls(broker, {"--cafile", broker.certificates().ca.string(), "--cert",
                                             cert.string(), "--key", key.string()}));

  CHECK_MESSAGE(outcome.exit_code == 4, outcome.err);
  CHECK(contains(outcome.err, "failed: the server refused it (certificate expired)\n"));
  CHECK(contains(outcome.err, "cause: the broker did not accept our client certificate (subject 'CN=expired "
                              "client"));
  CHECK(contains(outcome.err, "valid " + utc_time_in_days(-10).substr(0, 4)));
}
