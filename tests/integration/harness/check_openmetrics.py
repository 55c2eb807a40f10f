#!/usr/bin/python3
# Reads an OpenMetrics text exposition on stdin with the parser of the Prometheus Python client
# (Debian's python3-prometheus-client), which refuses what OpenMetrics 1.0 refuses: no "# EOF" at
# the end, a counter's sample without "_total", a name two families claim, a histogram without
# its +Inf bucket or with a _count unlike it, metadata after samples. Also checks that every "le"
# is a canonical number ("1.0", not "1"). Prints a line per family, "NAME TYPE UNIT SAMPLES..."
# (UNIT "-" when none, SAMPLES the names of its samples), or exits 1 saying why.
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.utils import floatToGoString

try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        for sample in family.samples:
            le = sample.labels.get("le")
            if le is not None and le != floatToGoString(float(le)):
                raise ValueError(f"le=\"{le}\" of {sample.name} is not a canonical number")
        names = sorted({sample.name for sample in family.samples})
        print(family.name, family.type, family.unit or "-", *names)
except ValueError as error:
    sys.exit(f"not OpenMetrics: {error}")
