#pragma once

#include <string>

#include "results.hpp"

// `--csv`: results as rows for spreadsheets. RFC 4180: a heading row, comma-separated, CRLF
// line ends; numbers only, so nothing needs quoting but the phases and the failures.
namespace mq::bench {

/// One row per second of the run: counts, and the end-to-end latency percentiles in ms; the
/// reconnects of conn --churn last, empty when the run did not churn.
std::string series_csv(const Results& results);
/// One row per step of --find-max: the rate asked and achieved, latency, loss, busy, verdict.
std::string steps_csv(const Results& results);
/// The rows --csv writes: the steps of a --find-max result (none when it was stopped before its
/// first step ended), else the seconds.
std::string results_csv(const Results& results);

}  // namespace mq::bench
