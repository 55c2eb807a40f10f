// Feeds arbitrary $SYS topics and payloads to mqsub --sys's figures (SysTree). Properties: the
// snapshot is valid JSON once written as mqsub writes it, every number in it is finite, the
// uptime is null, a whole number of seconds from 0 or the broker's text, each per-second rate
// is null or a number from 0; and the terminal screen is drawn from any of them.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_input.hpp"
#include "sys_dashboard.hpp"

namespace {

using Json = nlohmann::ordered_json;

void check_numbers_finite(const Json& value) {
  if (value.is_number_float()) fuzz::check(std::isfinite(value.get<double>()));
  if (value.is_structured())
    for (const Json& item : value)
      check_numbers_finite(item);
}

void check_figures(const Json& snapshot) {
  check_numbers_finite(snapshot);
  const Json& uptime = snapshot["uptime_seconds"];
  fuzz::check(uptime.is_null() || uptime.is_string() || (uptime.is_number_integer() && uptime >= 0));
  for (const char* rates : {"messages_per_second", "bytes_per_second"})
    for (const Json& rate : snapshot[rates])
      fuzz::check(rate.is_null() || (rate.is_number() && rate >= 0));
}

}  // namespace

// Input: lines of TOPIC '\t' PAYLOAD.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  mq::sub::SysTree tree;
  while (!input.empty()) {
    std::string_view line = fuzz::take_field(input);
    const std::string_view topic = fuzz::take_field(line, '\t');
    tree.update(topic, line);
  }
  const timespec taken{1588803120, 123456789};
  for (const bool live : {true, false}) {
    const Json snapshot = tree.snapshot(taken, live);
    check_figures(snapshot);
    fuzz::check(Json::accept(snapshot.dump(-1, ' ', false, Json::error_handler_t::replace)));
    static_cast<void>(tree.screen("localhost", taken, live));
  }
  return 0;
}
