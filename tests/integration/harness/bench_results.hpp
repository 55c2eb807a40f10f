#pragma once

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

// Checks of an mqbench --json result shared by the test files.
namespace mq::test {

/// Every one of `messages` sent, acknowledged and received once, in order, over `connections`
/// clients, without an error.
inline void check_exact_delivery(const nlohmann::json& totals, int messages, int connections) {
  CHECK(totals["sent"] == messages);
  CHECK(totals["acked"] == messages);
  CHECK(totals["received"] == messages);
  CHECK(totals["lost"] == 0);
  CHECK(totals["duplicated"] == 0);
  CHECK(totals["reordered"] == 0);
  CHECK(totals["errors"] == 0);
  CHECK(totals["connections"]["connected"] == connections);
}

}  // namespace mq::test
