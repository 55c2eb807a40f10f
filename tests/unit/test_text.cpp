#include <doctest/doctest.h>

#include "mq/text.hpp"

TEST_CASE("printable keeps UTF-8 text and escapes control and invalid bytes") {
  CHECK(mq::printable("plain/topic") == "plain/topic");
  CHECK(mq::printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(mq::printable(std::string_view{"a\0b", 3}) == "a\\x00b");
  CHECK(mq::printable("\x1b[31m") == "\\x1b[31m");
  CHECK(mq::printable("bad\xff") == "bad\\xff");
  CHECK(mq::printable("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  CHECK(mq::printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // surrogate
  CHECK(mq::printable("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
}

TEST_CASE("hex writes two lower-case digits a byte, NUL and high bytes included") {
  CHECK(mq::hex("") == "");
  CHECK(mq::hex(std::string_view{"\x00\x0a\xff Z", 5}) == "000aff205a");
}
