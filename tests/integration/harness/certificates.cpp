#include "harness/certificates.hpp"

#include <stdexcept>

#include "harness/process.hpp"
#include "harness/workspace.hpp"

namespace mq::test {

void openssl(const std::vector<std::string>& arguments, const std::filesystem::path& directory) {
  Command command{{"openssl"}, std::nullopt, {}};
  command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
  const Outcome outcome = run(command, directory);
  if (outcome.exit_code != 0)
    throw std::runtime_error("openssl " + arguments.front() + " failed: " + outcome.err);
}

void issue_certificate(const Certificates& certificates, const std::filesystem::path& cert,
                       const std::filesystem::path& key, const std::string& common_name,
                       const std::vector<std::string>& alt_names, int days) {
  const std::filesystem::path directory = cert.parent_path();
  const std::filesystem::path request = directory / (cert.stem().string() + ".csr");
  const std::filesystem::path extensions = directory / (cert.stem().string() + ".ext");
  std::string names;
  for (const auto& name : alt_names)
    names += (names.empty() ? "" : ",") + name;
  Workspace::write_file(extensions, names.empty()
                                        ? std::string{"basicConstraints=CA:FALSE\n"}
                                        : "basicConstraints=CA:FALSE\nsubjectAltName=" + names + "\n");
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           key.string(), "-out", request.string(), "-subj", "/O=mq tests/CN=" + common_name},
          directory);
  openssl({"x509", "-req", "-in", request.string(), "-CA", certificates.ca.string(), "-CAkey",
           certificates.ca_key.string(), "-CAcreateserial", "-out", cert.string(), "-days",
           std::to_string(days), "-extfile", extensions.string()},
          directory);
}

Certificates make_certificates(const std::filesystem::path& directory) {
  std::filesystem::create_directories(directory);
  Certificates made{directory / "ca.pem",     directory / "ca.key",     directory / "server.pem",
                    directory / "server.key", directory / "client.pem", directory / "client.key"};
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           made.ca_key.string(), "-out", made.ca.string(), "-days", "1", "-subj",
           "/O=mq tests/CN=mq test CA"},
          directory);
  issue_certificate(made, made.server_cert, made.server_key, "localhost",
                    {"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
  issue_certificate(made, made.client_cert, made.client_key, "mq test client", {});
  return made;
}

}  // namespace mq::test
