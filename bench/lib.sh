# Shared by the bench/ scripts: a work directory, starting processes on loopback and stopping
# each by its PID on exit, and reading a process tree's CPU time and RSS from /proc.
# Source it; it sets an EXIT trap.

WORK=$(mktemp -d /tmp/spillway-bench.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "# $*" >&2; }

# wait_for_line FILE REGEX SECONDS: prints the first matching line.
wait_for_line() {
  local file=$1 regex=$2 deadline=$((SECONDS + $3)) line
  while (( SECONDS < deadline )); do
    line=$(grep -m1 -E "$regex" "$file" 2>/dev/null || true)
    if [[ -n $line ]]; then
      echo "$line"
      return 0
    fi
    sleep 0.05
  done
  echo "run.sh: timed out waiting for /$regex/ in $file:" >&2
  cat "$file" >&2 || true
  return 1
}

LAST_PID=""
LAST_URL=""
# start NAME CMD...: runs CMD in the background and waits for its "listening on URL" line.
start() {
  local name=$1
  shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  LAST_URL=$(wait_for_line "$WORK/$name.out" 'listening on ' 20 | awk '{print $NF}')
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# RSS in KiB of a process and all its descendants (nginx: master + workers).
rss_kib() {
  local pid=$1 total child
  total=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    total=$((total + $(rss_kib "$child")))
  done
  echo "$total"
}
# CPU time (user + system, clock ticks) of a process and all its descendants.
cpu_ticks() {
  local pid=$1 total child
  total=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    total=$((total + $(cpu_ticks "$child")))
  done
  echo "$total"
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }


# wrk_case NAME PID LUA URL: one wrk -t1 -c64 run of $SECONDS_PER_RUN s with the LUA script
# against URL; keeps the best req/s in RPS[NAME] and the least CPU µs per request of process
# PID in CPU[NAME] (declare -A RPS CPU first). Exits on any non-2xx or socket error.
wrk_case() {
  local name=$1 pid=$2 lua=$3 url=$4 out rps n t0 t1 cpu bad
  t0=$(cpu_ticks "$pid")
  out=$("${WRK_BIN:-wrk}" -t1 -c64 -d"${SECONDS_PER_RUN}s" -s "$lua" "$url")
  t1=$(cpu_ticks "$pid")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu=$(awk -v t=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  bad=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [[ -z $bad ]] || { echo "$(basename "$0"): $name: $bad" >&2; exit 1; }
  log "$name: $rps req/s, $cpu µs gateway CPU per request"
  RPS[$name]=$(awk -v a="${RPS[$name]:-0}" -v b="$rps" 'BEGIN {print (b > a) ? b : a}')
  CPU[$name]=$(awk -v a="${CPU[$name]:-1e18}" -v b="$cpu" 'BEGIN {print (b < a) ? b : a}')
}
