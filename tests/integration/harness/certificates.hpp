#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mq::test {

/// PEM files made by openssl for one test: a CA, a server certificate for localhost,
/// 127.0.0.1 and ::1, and a client certificate, all signed by the CA.
struct Certificates {
  std::filesystem::path ca;
  std::filesystem::path ca_key;
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
  std::filesystem::path client_cert;
  std::filesystem::path client_key;
};

/// Puts a set of certificates into `directory` (EC P-256 keys, valid for a day): copies of a set
/// made once per build tree, since openssl took a tenth of the suite's time. Tests that need
/// certificates of their own issue them with the functions below.
Certificates make_certificates(const std::filesystem::path& directory);

/// A fresh set like make_certificates' but from a CA of its own, which signed none of the others.
Certificates make_certificates_of_another_ca(const std::filesystem::path& directory);

/// Makes a key and a certificate signed by the CA of `certificates`, with the given subject
/// CN and subjectAltName entries (e.g. "DNS:example.test"), valid for `days` days.
void issue_certificate(const Certificates& certificates, const std::filesystem::path& cert,
                       const std::filesystem::path& key, const std::string& common_name,
                       const std::vector<std::string>& alt_names, int days = 1);

/// Like issue_certificate, but valid exactly from `not_before` to `not_after` (UTC, as
/// "YYYYMMDDHHMMSSZ"), which may lie in the past or the future; made with `openssl ca`, since
/// OpenSSL 3.0's `x509 -req` cannot set a start date.
void issue_dated_certificate(const Certificates& certificates, const std::filesystem::path& cert,
                             const std::filesystem::path& key, const std::string& common_name,
                             const std::vector<std::string>& alt_names, const std::string& not_before,
                             const std::string& not_after);

/// A key and a self-signed certificate (no CA) with the given CN and subjectAltName entries.
void make_self_signed_certificate(const std::filesystem::path& cert, const std::filesystem::path& key,
                                  const std::string& common_name, const std::vector<std::string>& alt_names);

/// "YYYYMMDDHHMMSSZ" for now plus `days` (negative: in the past), for issue_dated_certificate.
std::string utc_time_in_days(int days);

/// Runs openssl with `arguments`; throws with its output if it fails.
void openssl(const std::vector<std::string>& arguments, const std::filesystem::path& directory);

}  // namespace mq::test
