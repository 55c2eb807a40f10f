#include "harness/certificates.hpp"

#include <ctime>
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

namespace {

std::string joined_names(const std::vector<std::string>& alt_names) {
  std::string names;
  for (const auto& name : alt_names)
    names += (names.empty() ? "" : ",") + name;
  return names;
}

std::filesystem::path write_extensions(const std::filesystem::path& cert,
                                       const std::vector<std::string>& alt_names) {
  const std::filesystem::path extensions = cert.parent_path() / (cert.stem().string() + ".ext");
  const std::string names = joined_names(alt_names);
  Workspace::write_file(extensions, names.empty()
                                        ? std::string{"basicConstraints=CA:FALSE\n"}
                                        : "basicConstraints=CA:FALSE\nsubjectAltName=" + names + "\n");
  return extensions;
}

void make_request(const std::filesystem::path& request, const std::filesystem::path& key,
                  const std::string& common_name) {
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           key.string(), "-out", request.string(), "-subj", "/O=mq tests/CN=" + common_name},
          request.parent_path());
}

}  // namespace

void issue_dated_certificate(const Certificates& certificates, const std::filesystem::path& cert,
                             const std::filesystem::path& key, const std::string& common_name,
                             const std::vector<std::string>& alt_names, const std::string& not_before,
                             const std::string& not_after) {
  const std::filesystem::path directory = cert.parent_path();
  const std::string stem = cert.stem().string();
  const std::filesystem::path request = directory / (stem + ".csr");
  const std::filesystem::path database = directory / (stem + ".index");
  const std::filesystem::path serial = directory / (stem + ".serial");
  Workspace::write_file(database, "");
  Workspace::write_file(serial, "1000\n");
  const std::filesystem::path config = directory / (stem + ".ca.cnf");
  Workspace::write_file(config, "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = " + database.string() +
                                    "\nserial = " + serial.string() +
                                    "\nnew_certs_dir = " + directory.string() +
                                    "\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
                                    "[any]\norganizationName = optional\ncommonName = supplied\n");
  make_request(request, key, common_name);
  openssl({"ca", "-batch", "-notext", "-config", config.string(), "-cert", certificates.ca.string(),
           "-keyfile", certificates.ca_key.string(), "-in", request.string(), "-out", cert.string(),
           "-startdate", not_before, "-enddate", not_after, "-extfile",
           write_extensions(cert, alt_names).string()},
          directory);
}

void make_self_signed_certificate(const std::filesystem::path& cert, const std::filesystem::path& key,
                                  const std::string& common_name, const std::vector<std::string>& alt_names) {
  std::vector<std::string> arguments{"req",    "-x509",       "-newkey",
                                     "ec",     "-pkeyopt",    "ec_paramgen_curve:prime256v1",
                                     "-nodes", "-keyout",     key.string(),
                                     "-out",   cert.string(), "-days",
                                     "1",      "-subj",       "/O=mq tests/CN=" + common_name};
  if (!alt_names.empty())
    arguments.insert(arguments.end(), {"-addext", "subjectAltName=" + joined_names(alt_names)});
  openssl(arguments, cert.parent_path());
}

std::string utc_time_in_days(int days) {
  const std::time_t when = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%SZ", &parts);
  return text;
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
