#include "harness/certificates.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <stdexcept>
#include <utility>

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
  make_request(request, key, common_name);
  openssl({"x509", "-req", "-in", request.string(), "-CA", certificates.ca.string(), "-CAkey",
           certificates.ca_key.string(), "-CAcreateserial", "-out", cert.string(), "-days",
           std::to_string(days), "-extfile", write_extensions(cert, alt_names).string()},
          directory);
}

namespace {

Certificates certificate_files(const std::filesystem::path& directory) {
  return {directory / "ca.pem",     directory / "ca.key",     directory / "server.pem",
          directory / "server.key", directory / "client.pem", directory / "client.key"};
}

Certificates make_certificate_set(const std::filesystem::path& directory) {
  std::filesystem::create_directories(directory);
  const Certificates made = certificate_files(directory);
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           made.ca_key.string(), "-out", made.ca.string(), "-days", "1", "-subj",
           "/O=mq tests/CN=mq test CA"},
          directory);
  issue_certificate(made, made.server_cert, made.server_key, "localhost",
                    {"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
  issue_certificate(made, made.client_cert, made.client_key, "mq test client", {});
  return made;
}

// The set every TLS test starts from, made once per build tree (test processes take turns
// through a lock file) and made again when it is half a day old, so that none of its day of
// validity runs out during a run.
Certificates shared_certificate_set() {
  const std::filesystem::path cache = std::filesystem::path{MQ_TEST_CACHE_DIR} / "certificates";
  std::filesystem::create_directories(cache.parent_path());
  const int lock = ::open((cache.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + cache.string());
  const std::filesystem::path made_stamp = cache / "made";
  std::error_code age_unknown;
  const auto made_at = std::filesystem::last_write_time(made_stamp, age_unknown);
  if (age_unknown || std::filesystem::file_time_type::clock::now() - made_at > std::chrono::hours(12)) {
    std::filesystem::remove_all(cache);
    make_certificate_set(cache);
    Workspace::write_file(made_stamp, "");
  }
  ::close(lock);
  return certificate_files(cache);
}

}  // namespace

Certificates make_certificates(const std::filesystem::path& directory) {
  static const Certificates shared = shared_certificate_set();
  std::filesystem::create_directories(directory);
  const Certificates copy = certificate_files(directory);
  for (const auto& [from, to] : {std::pair{shared.ca, copy.ca},
                                 {shared.ca_key, copy.ca_key},
                                 {shared.server_cert, copy.server_cert},
                                 {shared.server_key, copy.server_key},
                                 {shared.client_cert, copy.client_cert},
                                 {shared.client_key, copy.client_key}})
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  return copy;
}

Certificates make_certificates_of_another_ca(const std::filesystem::path& directory) {
  return make_certificate_set(directory);
}

}  // namespace mq::test
