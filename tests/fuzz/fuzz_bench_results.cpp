// Feeds arbitrary JSON to `mqbench report`'s reader. Properties: a document gives results or a
// usage Error, nothing else; whatever is accepted can be merged, printed, written as CSV and as
// an HTML report (alone, and beside the merge), and written again, and
// results written by to_json (as text, as --json writes them) read back equal: written once
// more, they give the same document.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

#include "csv.hpp"
#include "fuzz_input.hpp"
#include "html_report.hpp"
#include "results.hpp"

namespace {

void check_round_trip(const mq::bench::Results& results) {
  const nlohmann::json written = mq::bench::to_json(results);
  const mq::bench::Results read_back =
      mq::bench::results_from_json(nlohmann::json::parse(written.dump()), "written.json");
  fuzz::check(mq::bench::to_json(read_back) == written);
}

void check_accepted(const mq::bench::Results& results) {
  check_round_trip(results);
  const mq::bench::Results merged = mq::bench::merge({results, results});
  fuzz::check(merged.totals.sent == 2 * results.totals.sent);
  static_cast<void>(mq::bench::summary_table(merged));
  static_cast<void>(mq::bench::summary_table(results));
  static_cast<void>(mq::bench::results_csv(results));
  fuzz::check(mq::bench::html_report({{"a.json", results}, {"merged", merged}}).find("</html>") !=
              std::string::npos);
  check_round_trip(merged);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json document = nlohmann::json::parse(data, data + size, nullptr, false);
  if (document.is_discarded()) return 0;
  std::optional<mq::bench::Results> results;
  if (fuzz::accepted_or_refused_with(mq::Exit::usage,
                                     [&] { results = mq::bench::results_from_json(document, "fuzz.json"); }))
    check_accepted(*results);  // an Error here escapes: libFuzzer reports it
  return 0;
}
