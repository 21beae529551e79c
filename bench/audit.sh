#!/usr/bin/env bash
# What the audit sink costs (issue 5), side by side in one run: two gateways in front of one mock
# provider, the same in all but `audit:` (one writes every record to SQLite, the other has
# `audit: off`). Everything on loopback; every process stopped by its PID.
#
#   bench/audit.sh [--quick] [--rate R] [--out FILE]
#
#   --quick    2 s per throughput run, 1 repeat, 5 s at the fixed rate (default 5 s, best of 3, 10 s)
#   --rate R   the fixed rate of the second part (default 5000 requests/s)
#   --out FILE also write the Markdown table there
#
# Part 1, throughput: wrk -t1 -c64 against each gateway in turn (interleaved, best of the
#   repeats); the figure is audited / not audited req/s and the gateway CPU per request.
# Part 2, a fixed rate: spillway-loadgen sends R requests/s (open loop) to each gateway in turn:
#   achieved rate, gateway CPU per request, p99 latency. Then the audited gateway is stopped
#   (SIGTERM) and the records in its database are counted against the requests it answered,
#   and /metrics' dropped counter is read: nothing may be lost.
#
# Environment: SPILLWAY_BIN / LOADGEN_BIN for ready binaries (else builds build-bench/), WRK_BIN.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_RUN=5
REPEATS=3
RATE=5000
RATE_SECONDS=10
OUT_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) SECONDS_PER_RUN=2; REPEATS=1; RATE_SECONDS=5; shift ;;
    --rate) RATE="$2"; shift 2 ;;
    --out) OUT_FILE="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "audit.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

WRK_BIN=${WRK_BIN:-wrk}
source "$ROOT/bench/ensure_bin.sh"
ensure_spillway_bin audit.sh spillway-loadgen
LOADGEN_BIN=${LOADGEN_BIN:-$(dirname "$SPILLWAY_BIN")/bench/spillway-loadgen}
[[ -x $LOADGEN_BIN ]] || { echo "audit.sh: no load generator at $LOADGEN_BIN (set LOADGEN_BIN)" >&2; exit 1; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
source "$ROOT/bench/lib.sh"

start mock "$SPILLWAY_BIN" mock-provider --dialect anthropic --threads 1 --reply "The fix is in; the tests pass."
MOCK_URL=$LAST_URL

gateway_config() {  # FILE AUDIT-YAML
  cat >"$1" <<EOF
listen: 127.0.0.1:0
threads: 1
auth: none
audit: $2
upstreams:
  - name: premium
    kind: anthropic
    base_url: $MOCK_URL
EOF
}
gateway_config "$WORK/on.yaml" "{sqlite: $WORK/audit.db}"
gateway_config "$WORK/off.yaml" "off"
start on "$SPILLWAY_BIN" serve --config "$WORK/on.yaml"
ON_URL=$LAST_URL
ON_PID=$LAST_PID
start off "$SPILLWAY_BIN" serve --config "$WORK/off.yaml"
OFF_URL=$LAST_URL
OFF_PID=$LAST_PID

BODY='{"model":"claude-sonnet-4-5","max_tokens":128,"messages":[{"role":"user","content":"Run the tests and tell me what failed."}]}'
cat >"$WORK/req.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.headers["x-spillway-agent"] = "bench"
EOF
for url in "$ON_URL" "$OFF_URL"; do
  curl -sf "$url/v1/messages" -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' -d "$BODY" |
    grep -q '"type":"message"' || { echo "audit.sh: $url gave no answer" >&2; exit 1; }
done

declare -A RPS CPU
for ((r = 0; r < REPEATS; r++)); do
  wrk_case off "$OFF_PID" "$WORK/req.lua" "$OFF_URL/v1/messages"
  wrk_case on "$ON_PID" "$WORK/req.lua" "$ON_URL/v1/messages"
done

# Part 2: the fixed rate against each gateway (CPU per request, achieved rate, p99), then a
# clean stop of the audited one and the count of its records.
metric() {  # NAME: its value in the audited gateway's /metrics
  curl -sf "$ON_URL/metrics" | awk -v n="$1" '$1 == n {print $2}'
}
json_field() {  # JSON EXPR
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
declare -A FIXED_RPS FIXED_CPU FIXED_P99
fixed_rate() {  # NAME URL PID
  local out t0 t1 n
  log "fixed rate, $1: $RATE req/s for $RATE_SECONDS s"
  t0=$(cpu_ticks "$3")
  out=$("$LOADGEN_BIN" --url "$2/v1/messages" --body "$BODY" --header 'anthropic-version: 2023-06-01' \
    --rate "$RATE" --duration "$RATE_SECONDS" --connections 64) || log "loadgen $1 reported errors: $out"
  t1=$(cpu_ticks "$3")
  n=$(json_field "$out" 'd["ok"]')
  FIXED_RPS[$1]=$(json_field "$out" 'round(d["achieved_rps"])')
  FIXED_P99[$1]=$(json_field "$out" 'd["latency_us"]["p99"]')
  FIXED_CPU[$1]=$(awk -v t=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  SENT=$(json_field "$out" 'd["requests"]')
}
fixed_rate off "$OFF_URL" "$OFF_PID"
fixed_rate on "$ON_URL" "$ON_PID"
answered_total=$(metric spillway_responses_2xx_total)
dropped=$(metric spillway_audit_records_dropped_total)
stop "$ON_PID"
rows=$(sqlite3 "$WORK/audit.db" 'SELECT count(*) FROM requests')
# Every 2xx the audited gateway sent was a model request (the warm-up, wrk's, loadgen's), and
# each must be a record.
lost=$((answered_total - rows))

report() {
  echo "Audit sink cost: $SOURCE; $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "One mock provider, two gateways (threads: 1) differing only in \`audit:\`; wrk -t1 -c64, ${SECONDS_PER_RUN} s" \
       "per run, best of $REPEATS, interleaved; load average $LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end."
  echo
  echo "At full load (wrk -t1 -c64: as many requests as the two cores allow):"
  echo
  echo "| | audit off | audit on (SQLite) | ratio |"
  echo "|---|---:|---:|---:|"
  awk -v a="${RPS[off]}" -v b="${RPS[on]}" 'BEGIN {printf "| req/s | %.0f | %.0f | **%.3f** |\n", a, b, b / a}'
  awk -v a="${CPU[off]}" -v b="${CPU[on]}" 'BEGIN {printf "| gateway CPU µs/request | %s | %s | %.3f |\n", a, b, b / a}'
  echo
  echo "At a fixed rate: $RATE req/s asked of each gateway for $RATE_SECONDS s (spillway-loadgen, open loop, 64 connections)."
  echo
  echo "| | audit off | audit on (SQLite) | ratio |"
  echo "|---|---:|---:|---:|"
  awk -v a="${FIXED_RPS[off]}" -v b="${FIXED_RPS[on]}" 'BEGIN {printf "| req/s achieved | %d | %d | **%.3f** |\n", a, b, b / a}'
  awk -v a="${FIXED_CPU[off]}" -v b="${FIXED_CPU[on]}" 'BEGIN {printf "| gateway CPU µs/request | %s | %s | %.3f |\n", a, b, b / a}'
  awk -v a="${FIXED_P99[off]}" -v b="${FIXED_P99[on]}" 'BEGIN {printf "| p99 latency µs | %s | %s | %.2f |\n", a, b, b / a}'
  echo
  echo "After SIGTERM the audited gateway's database held $rows records for the $answered_total requests it" \
       "answered (the throughput runs included): records lost **$lost**, dropped counter **$dropped**."
}
report
if [[ -n $OUT_FILE ]]; then
  report >"$OUT_FILE"
fi
[[ $lost -eq 0 && $dropped -eq 0 ]] || { echo "audit.sh: records were lost" >&2; exit 1; }
