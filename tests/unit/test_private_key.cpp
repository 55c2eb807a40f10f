#include <doctest/doctest.h>

#include <fstream>

#include "mq/error.hpp"
#include "mq/private_key.hpp"
#include "scratch.hpp"

using namespace mq;
using mq::test::Scratch;

namespace {

Exit load_failure(const TlsOptions& options) {
  try {
    load_private_key(options);
  } catch (const Error& error) {
    return error.code();
  }
  return Exit::ok;
}

}  // namespace

TEST_CASE("a PKCS#11 URI's PIN is masked wherever it stands, and nothing else") {
  CHECK(masked_key_name("pkcs11:token=t;object=k?pin-value=1234") ==
        "pkcs11:token=t;object=k?pin-value=****");
  CHECK(masked_key_name("pkcs11:token=t;pin-value=1234;object=k") ==
        "pkcs11:token=t;pin-value=****;object=k");
  CHECK(masked_key_name("pkcs11:object=k?pin-value=1&module-path=/m.so") ==
        "pkcs11:object=k?pin-value=****&module-path=/m.so");
  CHECK(masked_key_name("pkcs11:object=k?pin-source=/run/pin") == "pkcs11:object=k?pin-source=/run/pin");
  CHECK(masked_key_name("client.key") == "client.key");
}

TEST_CASE("--key is a URI when it has a scheme and no file has its name") {
  CHECK(is_key_uri("pkcs11:object=k"));
  CHECK(is_key_uri("file:/etc/mq/client.key"));
  CHECK_FALSE(is_key_uri("client.key"));
  CHECK_FALSE(is_key_uri("/etc/mq/client.key"));
  CHECK_FALSE(is_key_uri(":odd"));
}

TEST_CASE("a key file that is missing is a usage error, and one that is not a key is a TLS error") {
  const Scratch scratch{"mq-key"};
  TlsOptions options;
  options.key = (scratch / "missing.key").string();
  CHECK(load_failure(options) == Exit::usage);
  std::ofstream{scratch / "text.key"} << "not a key\n";
  options.key = (scratch / "text.key").string();
  CHECK(load_failure(options) == Exit::tls);
  options.key = "nosuchscheme:key";
  CHECK(load_failure(options) == Exit::tls);
}
