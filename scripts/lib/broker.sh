# Shell helpers shared by scripts/demo and the benchmarks: a throwaway mosquitto on a free
# loopback port. Source it, then: start_broker [extra config lines...]; ... ; stop_broker.
# Sets BROKER_PORT and BROKER_DIR.

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_broker() {
  BROKER_DIR=$(mktemp -d /tmp/mq-broker-XXXXXX)
  local attempt
  for attempt in 1 2 3 4 5; do
    # Below the kernel's ephemeral ports (32768 up by default), which the benchmarks' own
    # connections take by the thousand: a port one of them holds is free to connect to, yet
    # mosquitto could not listen on it.
    BROKER_PORT=$((20000 + RANDOM % 12000))
    port_is_free "$BROKER_PORT" || continue
    {
      echo "listener $BROKER_PORT 127.0.0.1"
      echo "allow_anonymous true"
      [ "$(id -u)" -eq 0 ] && echo "user root"
      printf '%s\n' "$@"
    } > "$BROKER_DIR/mosquitto.conf"
    /usr/sbin/mosquitto -c "$BROKER_DIR/mosquitto.conf" > "$BROKER_DIR/broker.log" 2>&1 &
    BROKER_PID=$!
    local waited
    for waited in $(seq 200); do
      port_is_free "$BROKER_PORT" || return 0
      kill -0 "$BROKER_PID" 2>/dev/null || break
      sleep 0.025
    done
    kill "$BROKER_PID" 2>/dev/null || true  # it may have exited: try another port
    wait "$BROKER_PID" 2>/dev/null || true
  done
  echo "could not start mosquitto:" >&2
  cat "$BROKER_DIR/broker.log" >&2
  return 1
}

stop_broker() {
  if [ -n "${BROKER_PID:-}" ]; then
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
  fi
  BROKER_PID=
  [ -n "${BROKER_DIR:-}" ] && rm -rf "$BROKER_DIR"
  BROKER_DIR=
}
