#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "harness/workspace.hpp"

namespace mq::test {

/// A PKCS#11 token in software (SoftHSM 2) holding one private key, in a directory of the
/// workspace: its configuration is named by SOFTHSM2_CONF in environment(), which the tools
/// need, since OpenSSL's pkcs11 engine reaches SoftHSM through p11-kit's module list.
class SoftwareToken {
public:
  /// Makes the token `label` with user PIN `pin` and imports `key` (PEM) as object `object`, id 01.
  SoftwareToken(const Workspace& workspace, const std::filesystem::path& key, std::string label = "mq-test",
                std::string pin = "1234", std::string object = "client");

  /// The environment a tool needs to see the token (and LeakSanitizer's suppressions of the
  /// pkcs11 engine's leaks).
  std::map<std::string, std::string> environment() const;
  /// The PKCS#11 URI of the private key, with `pin` as pin-value ("" for none).
  std::string key_uri(const std::string& pin) const;
  const std::string& pin() const { return pin_; }

private:
  std::filesystem::path config_;
  std::string label_;
  std::string pin_;
  std::string object_;
};

}  // namespace mq::test
