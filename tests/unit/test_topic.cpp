#include <doctest/doctest.h>

#include "mq/error.hpp"
#include "mq/topic.hpp"

namespace {

std::string rejection(void (*check)(std::string_view, std::string_view), std::string_view topic) {
  try {
    check(topic, "--topic");
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    return error.what();
  }
  return {};
}

}  // namespace

TEST_CASE("topic names for publishing") {
  CHECK(rejection(mq::check_topic_name, "a/b/c") == "");
  CHECK(rejection(mq::check_topic_name, "/leading/and/trailing/") == "");
  CHECK(rejection(mq::check_topic_name, "$SYS/broker") == "");
  CHECK(rejection(mq::check_topic_name, "").find("empty") != std::string::npos);
  CHECK(rejection(mq::check_topic_name, "a/+/c").find("wildcards") != std::string::npos);
  CHECK(rejection(mq::check_topic_name, "a/#").find("wildcards") != std::string::npos);
  CHECK(rejection(mq::check_topic_name, "bad\xff").find("UTF-8") != std::string::npos);
  CHECK(rejection(mq::check_topic_name, std::string_view{"a\0b", 3}).find("NUL") != std::string::npos);
  CHECK(rejection(mq::check_topic_name, std::string(65536, 'x')).find("65535") != std::string::npos);
}

TEST_CASE("subscription filters") {
  for (const char* good : {"#", "+", "a/#", "a/+/c", "+/+", "/#", "a//b", "$SYS/#"}) {
    CAPTURE(good);
    CHECK(rejection(mq::check_topic_filter, good) == "");
  }
  CHECK(rejection(mq::check_topic_filter, "a/#/b").find("'#' must be the last level") != std::string::npos);
  CHECK(rejection(mq::check_topic_filter, "a/b#").find("whole level") != std::string::npos);
  CHECK(rejection(mq::check_topic_filter, "a+/b").find("whole level") != std::string::npos);
  CHECK(rejection(mq::check_topic_filter, "").find("empty") != std::string::npos);
  CHECK(rejection(mq::check_topic_filter, "\xc3\x28").find("UTF-8") != std::string::npos);
}

TEST_CASE("a refused character is named with its byte position") {
  CHECK(rejection(mq::check_topic_name, "ab\x07"
                                        "c") ==
        "--topic 'ab\\x07c' is not valid: byte 3 is the control character U+0007, which MQTT brokers refuse "
        "in topics");
  CHECK(rejection(mq::check_topic_name, "a\x7f").find("byte 2 is the control character U+007F") !=
        std::string::npos);
  CHECK(rejection(mq::check_topic_name, "\xc2\x85").find("byte 1 is the control character U+0085") !=
        std::string::npos);
  CHECK(rejection(mq::check_topic_name, "ok/\xff").find("byte 4 (\\xff) is not valid UTF-8") !=
        std::string::npos);
  CHECK(
      rejection(mq::check_topic_name, "x\xef\xbf\xbf").find("byte 2 starts U+FFFF, a Unicode noncharacter") !=
      std::string::npos);
  CHECK(rejection(mq::check_topic_filter, std::string_view{"a/\0", 3}).find("byte 3 is a NUL character") !=
        std::string::npos);
  CHECK(rejection(mq::check_topic_name, "caf\xc3\xa9/\xe2\x82\xac") == "");
}
