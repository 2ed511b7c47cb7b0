#!/bin/sh
# Measures the local server under load beside a floor measured in the same
# run: a bare net/http server (bench/floor) and bin/api, built as the Makefile
# builds it, each under the same wrk command. Prints requests/s, p50 and p99
# of both, the ratios, and the load average before the run.
#
#   DURATION  wrk's -d (default 10s)
#   WRK_FLAGS wrk's threads and connections (default -t2 -c50)
#   PORT      the port both servers use in turn (default 18000)
#
# Needs wrk (apt-get install wrk). Not part of make test: figures, not checks.
set -eu
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
DURATION="${DURATION:-10s}"
WRK_FLAGS="${WRK_FLAGS:--t2 -c50}"
PORT="${PORT:-18000}"
URL="http://127.0.0.1:$PORT/api/hello"

command -v wrk >/dev/null || { echo "bench-load.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
mkdir -p bin tmp
go build -o bin/floor ./bench/floor
go build -o bin/api ./cmd/api

# measure NAME BINARY: starts BINARY on PORT, waits for it, runs wrk,
# writes tmp/load-NAME.txt, stops the server.
measure() {
  PORT="$PORT" HOST=127.0.0.1 "$2" >/dev/null 2>&1 &
  pid=$!
  i=0
  until curl -fs -o /dev/null "$URL"; do
    i=$((i + 1))
    [ $i -lt 100 ] || { kill "$pid"; echo "bench-load.sh: $1 did not start" >&2; exit 1; }
    sleep 0.1
  done
  # shellcheck disable=SC2086
  wrk $WRK_FLAGS -d"$DURATION" --latency "$URL" >"tmp/load-$1.txt"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# field NAME: requests/s, p50 and p99 (in ms) from tmp/load-NAME.txt.
field() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }' "tmp/load-$1.txt"
}

echo "load before: $(uptime)"
echo "wrk $WRK_FLAGS -d$DURATION --latency $URL"
measure floor bin/floor
measure api bin/api
# shellcheck disable=SC2046 # the six numbers, split on purpose
set -- $(field floor) $(field api)
printf '%-22s %10s %9s %9s\n' server requests/s p50_ms p99_ms
printf '%-22s %10s %9s %9s\n' "bare net/http (floor)" "$1" "$2" "$3"
printf '%-22s %10s %9s %9s\n' "bin/api" "$4" "$5" "$6"
awk -v a="$4" -v f="$1" -v a50="$5" -v f50="$2" -v a99="$6" -v f99="$3" 'BEGIN {
  printf "ratio api/floor: requests/s %.2fx, p50 %.2fx, p99 %.2fx\n", a / f, a50 / f50, a99 / f99 }'
echo "load after: $(uptime)"
