// Feeds arbitrary payloads to mqbench's stamp reader, as a subscriber receives them. Properties:
// a payload shorter than a stamp or without its magic reads as no stamp; a stamp read and
// written again gives the payload's first bytes back; and any stamp made of the bytes, written
// and read, is the same stamp.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "fuzz_input.hpp"
#include "stamp.hpp"

namespace {

using mq::bench::Stamp;
using mq::bench::stamp_size;

std::uint64_t word_at(std::string_view bytes, std::size_t at) {
  std::uint64_t word = 0;
  for (std::size_t i = at; i < at + 8 && i < bytes.size(); ++i)
    word = word << 8 | static_cast<unsigned char>(bytes[i]);
  return word;
}

void check_read_back(std::string_view payload) {
  const std::optional<Stamp> stamp = mq::bench::read_stamp(payload);
  if (payload.size() < stamp_size || !payload.starts_with("MQB1")) fuzz::check(!stamp);
  if (!stamp) return;
  char written[stamp_size];
  mq::bench::write_stamp(*stamp, written);
  fuzz::check(std::memcmp(written, payload.data(), stamp_size) == 0);
}

void check_written(std::string_view bytes) {
  const Stamp stamp{word_at(bytes, 0), word_at(bytes, 8), word_at(bytes, 16), (word_at(bytes, 24) & 1) != 0};
  char payload[stamp_size + 8] = {};
  mq::bench::write_stamp(stamp, payload);
  fuzz::check(mq::bench::read_stamp({payload, sizeof payload}) == stamp);
  fuzz::check(mq::bench::read_stamp({payload, stamp_size}) == stamp);
  fuzz::check(!mq::bench::read_stamp({payload, stamp_size - 1}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuzz::as_text(data, size);
  check_read_back(bytes);
  check_written(bytes);
  return 0;
}
