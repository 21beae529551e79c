#!/usr/bin/env bash
# Side-by-side benchmark: the same load against the mock provider directly, nginx in front of
# it (a plain reverse-proxy hop, the physical limit of a proxy) and spillway in front of it.
# Everything runs on this machine, on loopback, and every process is stopped by its PID.
#
#   bench/run.sh [--quick] [--threads N] [--out FILE]
#
#   --quick       about a minute: shorter runs, 100,000 requests, 2,000 held streams
#   --threads N   worker threads of the proxies (spillway `threads:`, nginx worker_processes);
#                 default 1. The mock provider and the load generator take one thread each.
#   --out FILE    also write the Markdown report there
#
# Environment: SPILLWAY_BIN and LOADGEN_BIN to use ready binaries (else builds them in
# build-bench/ with RelWithDebInfo), NGINX_BIN (default nginx), WRK_BIN (default wrk).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
THREADS=1
OUT_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --threads) THREADS="$2"; shift 2 ;;
    --out) OUT_FILE="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ $QUICK == 1 ]]; then
  SAT_SECONDS=2; SAT_REPEATS=1; RATE=2000; RATE_SECONDS=2; RATE_REPEATS=1; COUNT=100000; HOLD=2000
else
  SAT_SECONDS=5; SAT_REPEATS=2; RATE=2000; RATE_SECONDS=2; RATE_REPEATS=5; COUNT=1000000; HOLD=10000
fi
SAT_CONNECTIONS=64
RATE_CONNECTIONS=32
REPLY="Hello from the bench."
# 40 words at one word per 20 s: a held stream stays open far longer than the measurement.
SLOW_REPLY=$(printf 'word%d ' $(seq 1 40))

SOURCE="binary given as SPILLWAY_BIN"
NGINX_BIN=${NGINX_BIN:-nginx}
WRK_BIN=${WRK_BIN:-wrk}
if [[ -z "${SPILLWAY_BIN:-}" || -z "${LOADGEN_BIN:-}" ]]; then
  BUILD="$ROOT/build-bench"
  echo "# building spillway and spillway-loadgen (RelWithDebInfo) in $BUILD" >&2
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$BUILD" -j2 spillway spillway-loadgen >/dev/null
  SOURCE="commit $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown), built by run.sh"
  SPILLWAY_BIN=${SPILLWAY_BIN:-$BUILD/spillway}
  LOADGEN_BIN=${LOADGEN_BIN:-$BUILD/bench/spillway-loadgen}
fi

# Each held stream costs the proxy two descriptors (client and upstream side).
ulimit -n "$(ulimit -Hn)"
MAXFD=$(ulimit -n)
MAX_HOLD=$(( (MAXFD - 64) / 2 ))
if (( HOLD > MAX_HOLD )); then
  echo "# the descriptor limit ($MAXFD, hard) lets a proxy hold at most $MAX_HOLD streams; holding $MAX_HOLD instead of $HOLD" >&2
  HOLD_WANTED=$HOLD
  HOLD=$MAX_HOLD
else
  HOLD_WANTED=$HOLD
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
source "$ROOT/bench/lib.sh"

start_nginx() {  # NAME UPSTREAM_HOSTPORT CONNECTIONS -> LAST_PID, LAST_URL
  local name=$1 upstream=$2 conns=$3 port dir
  port=$(free_port)
  dir="$WORK/$name"
  mkdir -p "$dir"
  sed -e "s|@WORKERS@|$THREADS|g" -e "s|@PORT@|$port|g" -e "s|@UPSTREAM@|$upstream|g" \
      -e "s|@DIR@|$dir|g" -e "s|@MAXFD@|$MAXFD|g" -e "s|@CONNS@|$conns|g" "$ROOT/bench/nginx.conf.template" >"$dir/nginx.conf"
  "$NGINX_BIN" -p "$dir" -e "$dir/nginx-error.log" -c "$dir/nginx.conf" >"$dir/out" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  LAST_URL="http://127.0.0.1:$port"
  local deadline=$((SECONDS + 20))
  until curl -s -o /dev/null "$LAST_URL/v1/models"; do
    if (( SECONDS >= deadline )) || ! kill -0 "$LAST_PID" 2>/dev/null; then
      echo "run.sh: nginx did not start:" >&2
      cat "$dir/out" "$dir/nginx-error.log" >&2 || true
      return 1
    fi
    sleep 0.05
  done
}

start_spillway() {  # NAME UPSTREAM_URL -> LAST_PID, LAST_URL
  local name=$1 upstream=$2
  cat >"$WORK/$name.yaml" <<EOF
listen: 127.0.0.1:0
threads: $THREADS
auth: none
# The proxy path alone, as measured before the audit existed; bench/audit.sh measures the audit.
audit: off
upstreams:
  - name: mock
    kind: openai
    base_url: $upstream/v1
routes:
  - match: { model: "*" }
    to: [mock]
EOF
  start "$name" "$SPILLWAY_BIN" serve --config "$WORK/$name.yaml"
}

# --- start the three targets --------------------------------------------------------------------
start mock "$SPILLWAY_BIN" mock-provider --dialect openai --listen 127.0.0.1:0 --threads 1 --reply "$REPLY"
MOCK_URL=$LAST_URL
MOCK_PID=$LAST_PID
start_nginx nginx "${MOCK_URL#http://}" 4096
NGINX_PID=$LAST_PID NGINX_URL=$LAST_URL
start_spillway spillway "$MOCK_URL"
SPILLWAY_PID=$LAST_PID SPILLWAY_URL=$LAST_URL
log "mock $MOCK_URL, nginx $NGINX_URL (pid $NGINX_PID), spillway $SPILLWAY_URL (pid $SPILLWAY_PID), proxy threads $THREADS"

PATH_CHAT=/v1/chat/completions
JSON_BODY='{"model":"bench-model","max_tokens":64,"messages":[{"role":"user","content":"Say hello."}]}'
STREAM_BODY='{"model":"bench-model","max_tokens":64,"messages":[{"role":"user","content":"Say hello."}],"stream":true}'
for kind in json stream; do
  body=$JSON_BODY
  [[ $kind == stream ]] && body=$STREAM_BODY
  cat >"$WORK/$kind.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
EOF
done

# Every target must answer correctly before it is timed.
for target in "direct $MOCK_URL" "nginx $NGINX_URL" "spillway $SPILLWAY_URL"; do
  set -- $target
  curl -sf "$2$PATH_CHAT" -H 'content-type: application/json' -d "$JSON_BODY" | grep -q '"chat.completion"' ||
    { echo "run.sh: $1 gave no chat.completion" >&2; exit 1; }
  curl -sfN "$2$PATH_CHAT" -H 'content-type: application/json' -d "$STREAM_BODY" | grep -q 'data: \[DONE\]' ||
    { echo "run.sh: $1 gave no complete stream" >&2; exit 1; }
done

declare -A R  # results, keyed "metric:target"

# --- saturation: wrk, closed loop, best of SAT_REPEATS -----------------------------------------
saturate() {  # TARGET URL KIND PID: one wrk run; keeps the best req/s and the least CPU per request
  local out rps n bad t0 t1 cpu_us
  t0=$(cpu_ticks "$4")
  out=$("$WRK_BIN" -t1 -c"$SAT_CONNECTIONS" -d"${SAT_SECONDS}s" -s "$WORK/$3.lua" "$2$PATH_CHAT")
  t1=$(cpu_ticks "$4")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu_us=$(awk -v t=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  bad=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  if [[ -n $bad ]]; then
    log "wrk $1 $3: $bad"
    R["errors:$1:$3"]="$bad"
  fi
  log "wrk $1 $3: $rps req/s, $cpu_us µs CPU per request"
  R["sat_runs:$1:$3"]+="${R["sat_runs:$1:$3"]:+ / }$(printf '%.0f' "$rps")"
  R["sat:$1:$3"]=$(awk -v a="${R["sat:$1:$3"]:-0}" -v b="$rps" 'BEGIN {print (b > a) ? b : a}')
  R["cpu:$1:$3"]=$(awk -v a="${R["cpu:$1:$3"]:-1e18}" -v b="$cpu_us" 'BEGIN {print (b < a) ? b : a}')
}

# --- fixed rate: loadgen, open loop --------------------------------------------------------------
fixed_rate() {  # TARGET URL KIND: one open-loop run, appended to the lists of its target
  local flags=() out
  [[ $3 == stream ]] && flags=(--stream)
  out=$("$LOADGEN_BIN" --url "$2$PATH_CHAT" --rate "$RATE" --duration "$RATE_SECONDS" \
        --connections "$RATE_CONNECTIONS" "${flags[@]}") || log "loadgen $1 $3 reported errors: $out"
  log "loadgen $1 $3: $out"
  R["p50:$1:$3"]+=" $(jq -r '.latency_us.p50' <<<"$out")"
  R["p99:$1:$3"]+=" $(jq -r '.latency_us.p99' <<<"$out")"
  R["ttfb50:$1:$3"]+=" $(jq -r '.ttfb_us.p50 // empty' <<<"$out")"
}

median() {  # of its whitespace-separated arguments
  tr ' ' '\n' <<<"$*" | grep -v '^$' | sort -n | awk '{v[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# Repeats are interleaved so that a burst of other work on the machine hits all three alike.
for ((rep = 0; rep < SAT_REPEATS; rep++)); do
  for kind in json stream; do
    for target in "direct $MOCK_URL $MOCK_PID" "nginx $NGINX_URL $NGINX_PID" "spillway $SPILLWAY_URL $SPILLWAY_PID"; do
      set -- $target
      saturate "$1" "$2" "$kind" "$3"
    done
  done
done
# Latency at a fixed rate is a difference of small numbers on a shared machine: several short
# runs, each rep measuring direct, nginx and spillway back to back; added latency is taken
# within each rep (proxied p50 - direct p50) and the median over the reps is reported.
for ((rep = 0; rep < RATE_REPEATS; rep++)); do
  for kind in json stream; do
    for target in "direct $MOCK_URL" "nginx $NGINX_URL" "spillway $SPILLWAY_URL"; do
      set -- $target
      fixed_rate "$1" "$2" "$kind"
    done
    for proxy in nginx spillway; do
      R["added:$proxy:$kind"]+=" $(( $(awk '{print $NF}' <<<"${R["p50:$proxy:$kind"]}") - $(awk '{print $NF}' <<<"${R["p50:direct:$kind"]}") ))"
    done
  done
done
RSS_LOAD_SPILLWAY=$(rss_kib "$SPILLWAY_PID")
RSS_LOAD_NGINX=$(rss_kib "$NGINX_PID")
log "RSS after load: spillway $(mib "$RSS_LOAD_SPILLWAY") MiB, nginx $(mib "$RSS_LOAD_NGINX") MiB"

# --- memory: COUNT requests through a fresh spillway -------------------------------------------
stop "$SPILLWAY_PID"
start_spillway spillway-count "$MOCK_URL"
COUNT_PID=$LAST_PID
RSS_FRESH=$(rss_kib "$COUNT_PID")
COUNT_OUT=$("$LOADGEN_BIN" --url "$LAST_URL$PATH_CHAT" --count "$COUNT" --connections "$SAT_CONNECTIONS") ||
  log "loadgen count reported errors"
log "loadgen count: $COUNT_OUT"
RSS_COUNT=$(rss_kib "$COUNT_PID")
COUNT_OK=$(jq -r '.ok' <<<"$COUNT_OUT")
COUNT_RPS=$(jq -r '.achieved_rps' <<<"$COUNT_OUT")
log "RSS after $COUNT requests ($COUNT_OK ok): $(mib "$RSS_COUNT") MiB (fresh $(mib "$RSS_FRESH") MiB)"
stop "$COUNT_PID"
stop "$NGINX_PID"

# --- memory: HOLD idle streams, through spillway and through nginx -----------------------------
start slow-mock "$SPILLWAY_BIN" mock-provider --dialect openai --listen 127.0.0.1:0 --threads 1 \
  --ttft-ms 0 --tokens-per-s 0.05 --reply "$SLOW_REPLY"
SLOW_URL=$LAST_URL
SLOW_PID=$LAST_PID

hold_through() {  # NAME PROXY_PID URL -> sets R[hold_*:NAME]
  local name=$1 pid=$2 url=$3 lg held base
  base=$(rss_kib "$pid")
  "$LOADGEN_BIN" --url "$url$PATH_CHAT" --stream --hold "$HOLD" --hold-seconds 120 --hold-timeout 90 \
    >"$WORK/hold-$name.out" 2>"$WORK/hold-$name.err" &
  lg=$!
  PIDS+=("$lg")
  held=$(wait_for_line "$WORK/hold-$name.out" '"event":"held"' 100)
  R["hold_n:$name"]=$(jq -r '.held' <<<"$held")
  R["hold_setup:$name"]=$(jq -r '.setup_s' <<<"$held")
  R["hold_base:$name"]=$base
  R["hold_rss:$name"]=$(rss_kib "$pid")
  R["hold_mock:$name"]=$(rss_kib "$SLOW_PID")
  log "$name holding $(jq -r '.held' <<<"$held") of $HOLD streams (failed $(jq -c '.failures' <<<"$held")):" \
      "RSS $(mib "${R["hold_rss:$name"]}") MiB (idle before: $(mib "$base") MiB)"
  stop "$lg"
  cat "$WORK/hold-$name.out" >&2
}

start_spillway spillway-hold "$SLOW_URL"
SH_PID=$LAST_PID
hold_through spillway "$SH_PID" "$LAST_URL"
stop "$SH_PID"
# With worker_connections equal to the descriptor limit nginx runs out of connection slots
# ("worker_connections are not enough") some 600 streams short; the descriptor limit is the
# real cap, so give it more slots than descriptors (it warns, and holds them all).
start_nginx nginx-hold "${SLOW_URL#http://}" $((MAXFD * 3 / 2))
NH_PID=$LAST_PID
hold_through nginx "$NH_PID" "$LAST_URL"
stop "$NH_PID"

# --- report ---------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "n/a"; else printf "%.2f", a / b}'; }


per_stream_kib() {
  awk -v a="${R["hold_rss:$1"]}" -v b="${R["hold_base:$1"]}" -v n="${R["hold_n:$1"]}" \
    'BEGIN {if (n > 0) printf "%.1f", (a - b) / n; else print 0}'
}

report() {
  local k cpu
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  echo "### spillway vs nginx ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs: $cpu, proxy threads: $THREADS)"
  echo
  echo "spillway: $SOURCE. nginx: $("$NGINX_BIN" -v 2>&1 | sed 's/.*: //')."
  echo "Load: \`POST $PATH_CHAT\`, OpenAI dialect, mock reply \"$REPLY\" (5 tokens)."
  echo "Saturation: wrk -t1 -c$SAT_CONNECTIONS, ${SAT_SECONDS} s, best of $SAT_REPEATS; CPU per request is the"
  echo "serving process's user + system time over the run divided by the requests (least of the runs). Fixed rate: spillway-loadgen,"
  echo "$RATE req/s for ${RATE_SECONDS} s over $RATE_CONNECTIONS connections, latency from each request's scheduled send time;"
  echo "$RATE_REPEATS runs each, direct / nginx / spillway back to back in every run. Load average at start / end: $LOAD_START / $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| metric | direct (mock) | nginx | spillway | spillway / nginx |"
  echo "|---|---:|---:|---:|---:|"
  for k in json stream; do
    echo "| $k: req/s at saturation (runs) | $(printf '%.0f' "${R["sat:direct:$k"]}") (${R["sat_runs:direct:$k"]}) |" \
         "$(printf '%.0f' "${R["sat:nginx:$k"]}") (${R["sat_runs:nginx:$k"]}) |" \
         "$(printf '%.0f' "${R["sat:spillway:$k"]}") (${R["sat_runs:spillway:$k"]}) |" \
         "**$(ratio "${R["sat:spillway:$k"]}" "${R["sat:nginx:$k"]}")** |"
    echo "| $k: CPU µs per request at saturation | ${R["cpu:direct:$k"]} | ${R["cpu:nginx:$k"]} | ${R["cpu:spillway:$k"]} |" \
         "$(ratio "${R["cpu:spillway:$k"]}" "${R["cpu:nginx:$k"]}") |"
    echo "| $k: median p50 / p99 at $RATE req/s (µs) | $(median ${R["p50:direct:$k"]}) / $(median ${R["p99:direct:$k"]}) |" \
         "$(median ${R["p50:nginx:$k"]}) / $(median ${R["p99:nginx:$k"]}) |" \
         "$(median ${R["p50:spillway:$k"]}) / $(median ${R["p99:spillway:$k"]}) | |"
    echo "| $k: p50 of each run (µs) | ${R["p50:direct:$k"]# } | ${R["p50:nginx:$k"]# } | ${R["p50:spillway:$k"]# } | |"
    echo "| $k: added p50 vs direct, median of the runs (µs) | | $(median ${R["added:nginx:$k"]}) |" \
         "$(median ${R["added:spillway:$k"]}) | **$(ratio "$(median ${R["added:spillway:$k"]})" "$(median ${R["added:nginx:$k"]})")** |"
    if [[ $k == stream ]]; then
      echo "| stream: time to first byte, median p50 (µs) | $(median ${R["ttfb50:direct:$k"]}) | $(median ${R["ttfb50:nginx:$k"]}) |" \
           "$(median ${R["ttfb50:spillway:$k"]}) | |"
    fi
  done
  echo "| RSS after the runs above (MiB) | | $(mib "$RSS_LOAD_NGINX") | $(mib "$RSS_LOAD_SPILLWAY") | $(ratio "$RSS_LOAD_SPILLWAY" "$RSS_LOAD_NGINX") |"
  echo "| RSS after $COUNT_OK requests, fresh process (MiB) | | | $(mib "$RSS_COUNT") (at start $(mib "$RSS_FRESH"); $(printf '%.0f' "$COUNT_RPS") req/s) | |"
  local per_stream per_stream_nginx projected
  per_stream=$(per_stream_kib spillway)
  per_stream_nginx=$(per_stream_kib nginx)
  projected=$(awk -v b="${R["hold_base:spillway"]}" -v p="$per_stream" -v n="$HOLD_WANTED" 'BEGIN {printf "%.1f", (b + p * n) / 1024}')
  echo "| idle RSS before holding streams (MiB) | | $(mib "${R["hold_base:nginx"]}") | $(mib "${R["hold_base:spillway"]}") | |"
  echo "| RSS holding ${R["hold_n:spillway"]} (spillway) / ${R["hold_n:nginx"]} (nginx) idle streams (MiB) | mock: $(mib "${R["hold_mock:spillway"]}") |" \
       "$(mib "${R["hold_rss:nginx"]}") | $(mib "${R["hold_rss:spillway"]}") | $(ratio "${R["hold_rss:spillway"]}" "${R["hold_rss:nginx"]}") |"
  echo "| KiB per held stream (RSS growth / streams) | | $per_stream_nginx | $per_stream | $(ratio "$per_stream" "$per_stream_nginx") |"
  echo "| spillway RSS projected at $HOLD_WANTED streams (MiB) | | | $projected | |"
  echo
  echo "Targets:"
  echo
  echo "- throughput >= 0.8x nginx: json $(ratio "${R["sat:spillway:json"]}" "${R["sat:nginx:json"]}")x," \
       "stream $(ratio "${R["sat:spillway:stream"]}" "${R["sat:nginx:stream"]}")x"
  echo "- added p50 <= 1.5x nginx's: json $(ratio "$(median ${R["added:spillway:json"]})" "$(median ${R["added:nginx:json"]})")x," \
       "stream $(ratio "$(median ${R["added:spillway:stream"]})" "$(median ${R["added:nginx:stream"]})")x"
  echo "- RSS < 40 MB after $COUNT_OK requests: $(mib "$RSS_COUNT") MiB"
  echo "- $HOLD_WANTED idle streams in < 500 MB: $(mib "${R["hold_rss:spillway"]}") MiB holding ${R["hold_n:spillway"]} (projected $projected MiB at $HOLD_WANTED)"
  for k in "${!R[@]}"; do
    if [[ $k == errors:* ]]; then
      echo "- wrk errors, ${k#errors:}: ${R[$k]}"
    fi
  done
}

report | tee ${OUT_FILE:+"$OUT_FILE"}
