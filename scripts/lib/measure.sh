# Shell helpers shared by the benchmarks that read figures: source it after broker.sh.

# The CPU seconds (user + system) the broker started by start_broker has used so far.
broker_cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$BROKER_PID/stat"
}

# json_number FILE PATH: the value at PATH (Python subscripts, e.g. "['totals']['sent']") in FILE.
json_number() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" "$@"; }
