#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mq/base64.hpp"

namespace {

std::vector<unsigned char> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

}  // namespace

TEST_CASE("base64_encode pads to a multiple of four (RFC 4648 test vectors)") {
  CHECK(mq::base64_encode(bytes_of("")) == "");
  CHECK(mq::base64_encode(bytes_of("f")) == "Zg==");
  CHECK(mq::base64_encode(bytes_of("fo")) == "Zm8=");
  CHECK(mq::base64_encode(bytes_of("foo")) == "Zm9v");
  CHECK(mq::base64_encode(bytes_of("foobar")) == "Zm9vYmFy");
  CHECK(mq::base64_encode(std::vector<unsigned char>{0xfb, 0xff}) == "+/8=");
}

TEST_CASE("base64_decode accepts exactly what base64_encode writes") {
  CHECK(mq::base64_decode("Zm9vYg==") == bytes_of("foob"));
  CHECK(mq::base64_decode("Zm9vYmE=") == bytes_of("fooba"));
  CHECK(mq::base64_decode("+/8=") == std::vector<unsigned char>{0xfb, 0xff});
  CHECK(mq::base64_decode("") == std::vector<unsigned char>{});
}

TEST_CASE("base64_decode refuses everything else") {
  CHECK_FALSE(mq::base64_decode("Zm9vYg"));    // unpadded
  CHECK_FALSE(mq::base64_decode("Zm9vY==="));  // three '='
  CHECK_FALSE(mq::base64_decode("Zm=vYg=="));  // '=' inside
  CHECK_FALSE(mq::base64_decode("Zm9v\nYg=="));
  CHECK_FALSE(mq::base64_decode("Zm9-Yg=="));  // base64url alphabet
  CHECK_FALSE(mq::base64_decode("Zh=="));      // non-zero bits after the last byte
  CHECK_FALSE(mq::base64_decode("===="));
}
