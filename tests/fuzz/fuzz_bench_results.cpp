// Feeds arbitrary JSON to `mqbench report`'s reader: a result or a usage Error, nothing else;
// whatever it accepts can be merged, printed and written again.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

#include "mq/error.hpp"
#include "results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json document = nlohmann::json::parse(data, data + size, nullptr, false);
  if (document.is_discarded()) return 0;
  try {
    const mq::bench::Results results = mq::bench::results_from_json(document, "fuzz.json");
    const mq::bench::Results merged = mq::bench::merge({results, results});
    if (merged.totals.sent != 2 * results.totals.sent) __builtin_trap();
    static_cast<void>(mq::bench::summary_table(merged));
    static_cast<void>(mq::bench::to_json(merged).dump());
  } catch (const mq::Error& error) {
    if (error.code() != mq::Exit::usage) __builtin_trap();
  }
  return 0;
}
