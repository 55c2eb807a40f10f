#include "stamp.hpp"

#include <array>
#include <cassert>
#include <cstring>

namespace mq::bench {
namespace {

constexpr std::array<char, 4> magic{'M', 'Q', 'B', '1'};
constexpr std::uint32_t warmup_flag = 1;

void put(std::span<char> out, std::size_t at, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out[at + static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= std::uint64_t{static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)])} << (8 * i);
  return value;
}

}  // namespace

void write_stamp(const Stamp& stamp, std::span<char> payload) {
  assert(payload.size() >= stamp_size);
  std::memcpy(payload.data(), magic.data(), magic.size());
  put(payload, 4, stamp.warmup ? warmup_flag : 0, 4);
  put(payload, 8, stamp.publisher, 8);
  put(payload, 16, stamp.sequence, 8);
  put(payload, 24, stamp.scheduled_ns, 8);
}

std::optional<Stamp> read_stamp(std::string_view payload) {
  if (payload.size() < stamp_size || std::memcmp(payload.data(), magic.data(), magic.size()) != 0)
    return std::nullopt;
  const auto flags = get(payload, 4, 4);
  if ((flags & ~std::uint64_t{warmup_flag}) != 0) return std::nullopt;  // a newer format we cannot read
  return Stamp{get(payload, 8, 8), get(payload, 16, 8), get(payload, 24, 8), (flags & warmup_flag) != 0};
}

}  // namespace mq::bench
