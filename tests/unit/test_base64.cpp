#include <doctest/doctest.h>

#include "mq/base64.hpp"

TEST_CASE("base64 encodes with padding (RFC 4648 vectors)") {
  CHECK(mq::base64_encode("") == "");
  CHECK(mq::base64_encode("f") == "Zg==");
  CHECK(mq::base64_encode("fo") == "Zm8=");
  CHECK(mq::base64_encode("foo") == "Zm9v");
  CHECK(mq::base64_encode("foobar") == "Zm9vYmFy");
  CHECK(mq::base64_encode(std::string_view{"\x00\xff\x10", 3}) == "AP8Q");
}

TEST_CASE("base64 decodes what it encodes, and refuses what is not base64") {
  CHECK(mq::base64_decode("Zm9vYmE=") == "fooba");
  CHECK(mq::base64_decode("Zg==") == "f");
  CHECK(mq::base64_decode("AP8Q") == std::string("\x00\xff\x10", 3));
  CHECK(mq::base64_decode("") == "");
  CHECK_FALSE(mq::base64_decode("Zg=").has_value());
  CHECK_FALSE(mq::base64_decode("Zg=a").has_value());
  CHECK_FALSE(mq::base64_decode("Z===").has_value());
  CHECK_FALSE(mq::base64_decode("Zm9v!A==").has_value());
  CHECK_FALSE(mq::base64_decode("Zg==Zg==").has_value());
}
