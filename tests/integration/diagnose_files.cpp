// 8: TLS files named on the command line. Missing or unreadable is a usage error (exit 2) naming
// the option and the path; readable but unusable is a TLS error (exit 4) saying what is wrong.
// No broker is needed: the files are checked before connecting.
#include <doctest/doctest.h>

#include "harness/certificates.hpp"
#include "harness/scenario.hpp"

using namespace mq::test;

namespace {

std::vector<std::string> publish_with(std::vector<std::string> tls_options) {
  std::vector<std::string> arguments{"-h", "127.0.0.1", "-p", std::to_string(free_port()),
                                     "-t", "t",         "-m", "x"};
  arguments.insert(arguments.end(), tls_options.begin(), tls_options.end());
  return arguments;
}

}  // namespace

TEST_CASE("8: a missing --cafile, --cert, --key or --capath is exit 2 naming the option and the path") {
  Workspace workspace;
  const Certificates certificates = make_certificates(workspace / "certs");
  const std::string missing = (workspace / "missing.pem").string();
  const std::string ca = certificates.ca.string();
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {"--cafile", {"--cafile", missing}},
      {"--capath", {"--capath", missing}},
      {"--cert", {"--cafile", ca, "--cert", missing, "--key", certificates.client_key.string()}},
      {"--key", {"--cafile", ca, "--cert", certificates.client_cert.string(), "--key", missing}},
  };
  for (const auto& test_case : cases) {
    const auto& [option, tls_options] = test_case;
    CAPTURE(test_case.first);  // not a structured binding: clang cannot capture one
    const Outcome outcome = run_scenario(workspace, "mqpub", publish_with(tls_options));
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, "mqpub: error: " + option + " '" + missing +
                                    "' cannot be read: No such file or directory\n"));
    CHECK(contains(outcome.err, "fix: "));
  }
}

TEST_CASE("8: a directory given as --cafile is exit 2 and points at --capath") {
  Workspace workspace;
  const Outcome outcome =
      run_scenario(workspace, "mqsub",
                   {"-p", std::to_string(free_port()), "--cafile", workspace.path().string(), "-t", "t"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--cafile '" + workspace.path().string() + "' is a directory, not a file"));
  CHECK(contains(outcome.err, "--capath"));
}

TEST_CASE("8: readable TLS files that cannot be used are exit 4 saying why") {
  Workspace workspace;
  const Certificates certificates = make_certificates(workspace / "certs");
  const Certificates others = make_certificates_of_another_ca(workspace / "others");
  const std::string not_pem = workspace.write("not.pem", "this is not a certificate\n").string();
  const std::string ca = certificates.ca.string();
  const std::string cert = certificates.client_cert.string();
  const std::string key = certificates.client_key.string();
  const std::string encrypted = (workspace / "encrypted.key").string();
  openssl({"pkey", "-in", key, "-out", encrypted, "-aes256", "-passout", "pass:secret"}, workspace.path());

  SUBCASE("a --cafile that is not PEM") {
    const Outcome outcome = run_scenario(workspace, "mqpub", publish_with({"--cafile", not_pem}));
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err, "--cafile '" + not_pem + "' holds no usable CA certificate"));
  }
  SUBCASE("a --cert that is not PEM") {
    const Outcome outcome =
        run_scenario(workspace, "mqpub", publish_with({"--cafile", ca, "--cert", not_pem, "--key", key}));
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err, "--cert '" + not_pem + "' is not a usable certificate"));
  }
  SUBCASE("a --key that is not PEM") {
    const Outcome outcome =
        run_scenario(workspace, "mqpub", publish_with({"--cafile", ca, "--cert", cert, "--key", not_pem}));
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err, "--key '" + not_pem + "' is not a usable private key"));
  }
  SUBCASE("a --key that belongs to another certificate") {
    const std::string other_key = others.client_key.string();
    const Outcome outcome =
        run_scenario(workspace, "mqpub", publish_with({"--cafile", ca, "--cert", cert, "--key", other_key}));
    CHECK(outcome.exit_code == 4);
    CHECK(outcome.err == "mqpub: error: --key '" + other_key + "' does not belong to --cert '" + cert +
                             "'\n"
                             "  cause: the private key does not match the certificate's public key\n"
                             "  fix: give the key that was generated with this certificate\n");
  }
  SUBCASE("an encrypted --key") {
    const Outcome outcome =
        run_scenario(workspace, "mqpub", publish_with({"--cafile", ca, "--cert", cert, "--key", encrypted}));
    CHECK(outcome.exit_code == 4);
    CHECK(contains(outcome.err, "--key '" + encrypted + "' is encrypted with a passphrase"));
    CHECK(contains(outcome.err, "fix: write an unencrypted copy: openssl pkey -in " + encrypted));
  }
}
