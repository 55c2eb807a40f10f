#pragma once

#include <string>
#include <utility>
#include <vector>

#include "results.hpp"

// --html: one self-contained page (no script, no font, nothing from the network) with the
// settings, the summary, and SVG plots of the latency percentiles, the rates and latency over
// time, and a --find-max search; several results side by side on the same axes, with a table of
// their differences. No I/O: the caller writes the page through OutputFile.
namespace mq::bench {

/// A result and the name it goes by in a report (its file, or "this run").
struct NamedResults {
  std::string name;
  Results results;
};

/// A number with its thousands grouped ("1,000,000.5"), "-" when not finite: what the report's
/// tables print, so that a count of a million or a day in seconds reads at a glance.
std::string grouped_number(double value, int decimals);

/// The page showing `runs`: one run, or several compared with the first.
std::string html_report(const std::vector<NamedResults>& runs);

}  // namespace mq::bench
