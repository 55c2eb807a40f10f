#include <doctest/doctest.h>

#include <string>

#include "stamp.hpp"

using mq::bench::read_stamp;
using mq::bench::Stamp;
using mq::bench::stamp_size;
using mq::bench::write_stamp;

TEST_CASE("a stamp written into a payload reads back the same") {
  std::string payload(100, 'x');
  const Stamp stamp{0x1234'5678'0000'0009, 123'456'789'012, 1'790'000'000'123'456'789, true};
  write_stamp(stamp, payload);
  CHECK(read_stamp(payload) == stamp);
  CHECK(payload.substr(0, 4) == "MQB1");
  CHECK(payload.substr(stamp_size) == std::string(100 - stamp_size, 'x'));
}

TEST_CASE("payloads that are not mqbench's are recognised as such") {
  CHECK_FALSE(read_stamp("hello").has_value());
  CHECK_FALSE(read_stamp(std::string(64, '\0')).has_value());
  std::string truncated(stamp_size, '\0');
  write_stamp(Stamp{}, truncated);
  CHECK(read_stamp(truncated).has_value());
  CHECK_FALSE(read_stamp(truncated.substr(0, stamp_size - 1)).has_value());
  truncated[5] = 1;  // an unknown flag: a format this version cannot read
  CHECK_FALSE(read_stamp(truncated).has_value());
}
