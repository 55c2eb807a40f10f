#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mq::bench {

/// What every payload mqbench publishes starts with, so that a receiver can time it and check
/// that nothing from its publisher was lost, duplicated or reordered.
struct Stamp {
  std::uint64_t publisher = 0;     // unique per publisher: the run's random tag << 32 | its index
  std::uint64_t sequence = 0;      // 0, 1, 2, ... per publisher and phase
  std::uint64_t scheduled_ns = 0;  // when it was due, nanoseconds since the Unix epoch
  bool warmup = false;             // sent during --warmup: not counted in the results

  bool operator==(const Stamp&) const = default;
};

/// The size of an encoded stamp: the smallest payload mqbench can send.
inline constexpr std::size_t stamp_size = 32;

/// Writes `stamp` at the start of `payload` (little-endian: magic "MQB1", flags, publisher,
/// sequence, time). `payload` must hold at least stamp_size bytes.
void write_stamp(const Stamp& stamp, std::span<char> payload);

/// Reads the stamp at the start of `payload`; nothing when it is not an mqbench payload.
std::optional<Stamp> read_stamp(std::string_view payload);

}  // namespace mq::bench
