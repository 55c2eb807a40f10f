#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// A run made by several processes (on several machines): which part of it this process makes,
// and the name all of them share.
namespace mq::bench {

/// Shard `index` (1 to `count`) of a run split `count` ways; 1/1 is a run of one process.
struct Shard {
  std::uint32_t index = 1;
  std::uint32_t count = 1;

  bool sharded() const { return count > 1; }
  /// "K/N", "1/1" for a run of one process.
  std::string text() const;
  bool operator==(const Shard&) const = default;
};

/// Items [first, first + size) of a numbered whole.
struct Share {
  std::uint64_t first = 0;
  std::uint64_t size = 0;

  bool contains(std::uint64_t number) const { return number >= first && number - first < size; }
};

/// The items of `total` (numbered 0 to total - 1) that `shard` takes: consecutive, the sizes of
/// two shards differing by one at most, every item in exactly one shard.
Share share_of(std::uint64_t total, Shard shard);

/// The shard from --shard ("K/N", or "/N" with K from the Kubernetes Indexed Job's
/// JOB_COMPLETION_INDEX plus one) or, without it, from MQBENCH_SHARDS=N and that index.
/// `shards_variable` and `completion_index` are the variables' values, null when unset. Throws
/// a usage Error naming what is wrong.
Shard resolve_shard(const std::optional<std::string>& option, const char* shards_variable,
                    const char* completion_index);

/// Whether `id` can name a run: 1 to 100 letters, digits, '.', '_' or '-' (a topic level and a
/// Kubernetes label value alike). Throws a usage Error naming --run-id otherwise.
void check_run_id(const std::string& id);

/// The default run id: SCENARIO-YYYYMMDDTHHMMSSZ-HASH, HASH 8 hexadecimal digits of `settings`
/// (the run's options as text), at `start` in UTC.
std::string default_run_id(const std::string& scenario, const std::string& settings,
                           std::chrono::system_clock::time_point start);

/// The 32-bit tag every shard of run `run_id` stamps its messages with, so that a subscriber in
/// one shard recognises the publishers of the others.
std::uint32_t run_tag_of(const std::string& run_id);

/// A time given to --start-at: RFC 3339 (2026-12-01T10:00:00Z, 2026-12-01T11:00:00.5+01:00) or
/// Unix seconds (1796119200, 1796119200.25). Throws a usage Error naming `option`.
std::chrono::system_clock::time_point parse_start_time(std::string_view text, const char* option);

}  // namespace mq::bench
