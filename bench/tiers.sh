#!/usr/bin/env bash
# The tiered workforce (issue 6): a mixed Claude Code-like workload (main loops on the senior
# model, Claude Code's side requests on its small model, sub-agents reading files; see
# bench/tiers/driver.mjs) through a senior/junior route set, against an Anthropic-dialect
# premium mock and an OpenAI-dialect local mock. From the gateway's audit database: the share of
# tokens each tier served, and the premium tokens (and dollars, at list prices) saved against
# sending everything to the premium.
#
#   bench/tiers.sh [--sessions N] [--turns N] [--out FILE]
#
# Environment: SPILLWAY_BIN (else builds build-bench/), NODE_BIN (default node). Everything on
# loopback; every process stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SESSIONS=6
TURNS=12
OUT_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sessions) SESSIONS="$2"; shift 2 ;;
    --turns) TURNS="$2"; shift 2 ;;
    --out) OUT_FILE="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "tiers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
NODE_BIN=${NODE_BIN:-node}
source "$ROOT/bench/ensure_bin.sh"
ensure_spillway_bin tiers.sh
source "$ROOT/bench/lib.sh"

start premium "$SPILLWAY_BIN" mock-provider --dialect anthropic --reply "Done: the failing test passes now."
PREMIUM_URL=$LAST_URL
start local "$SPILLWAY_BIN" mock-provider --dialect openai --reply "Read it: three functions, no tests."
LOCAL_URL=$LAST_URL
cat >"$WORK/gateway.yaml" <<YAML
listen: 127.0.0.1:0
threads: 1
auth: none
audit: {sqlite: $WORK/audit.db}
upstreams:
  - {name: premium, kind: anthropic, base_url: "$PREMIUM_URL"}
  - {name: local, kind: openai, base_url: "$LOCAL_URL/v1"}
aliases:
  senior: [claude-opus-*, claude-sonnet-*]
routes:
  - name: side-requests          # Claude Code's titles and summaries
    match: {background: true}
    to: [{upstream: local, model: qwen2.5-coder-7b}]
    priority: background
  - name: subagents              # grunt work: reading files
    match: {agent: "sub-*"}
    to: [{upstream: local, model: qwen2.5-coder-32b}]
  - name: senior                 # planning and hard reasoning: the main loop
    match: {model: senior}
    to: [premium]
    overflow: [{upstream: local, model: qwen2.5-coder-32b}]
  - name: junior
    to: [{upstream: local, model: qwen2.5-coder-32b}]
YAML
start gateway "$SPILLWAY_BIN" serve --config "$WORK/gateway.yaml"
GATEWAY_URL=$LAST_URL
GATEWAY_PID=$LAST_PID
log "gateway $GATEWAY_URL; $SESSIONS sessions of $TURNS main turns"
driver_out=$("$NODE_BIN" "$ROOT/bench/tiers/driver.mjs" --url "$GATEWAY_URL" --sessions "$SESSIONS" --turns "$TURNS")
stop "$GATEWAY_PID"  # drains and writes the last records
q() { sqlite3 -separator ' ' "$WORK/audit.db" "$1"; }
read -r total_tokens total_requests <<<"$(q "SELECT sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), count(*) FROM requests")"
# Premium list prices for what the requests asked for (claude-sonnet-4-5, claude-haiku-4-5),
# from data/prices.yaml: what sending everything to the premium would have cost.
all_premium_usd=$(q "SELECT printf('%.2f', sum(CASE WHEN model LIKE 'claude-haiku%' THEN (input_tokens * 1.0 + output_tokens * 5.0) ELSE (input_tokens * 3.0 + output_tokens * 15.0) END) / 1e6) FROM requests")
premium_usd=$(q "SELECT printf('%.2f', coalesce(sum(cost_usd), 0)) FROM requests WHERE upstream = 'premium'")

report() {
  echo "Tiered workforce: $SOURCE; $(date -u '+%Y-%m-%d %H:%M UTC'). $SESSIONS Claude Code-like sessions of $TURNS main turns"
  echo "(bench/tiers/driver.mjs); driver: $driver_out"
  echo
  echo "| route | tier (upstream) | requests | tokens | share of tokens |"
  echo "|---|---|---:|---:|---:|"
  q "SELECT route, upstream, count(*), sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens) FROM requests GROUP BY route, upstream ORDER BY 4 DESC" |
    while read -r route upstream n tokens; do
      awk -v r="$route" -v u="$upstream" -v n="$n" -v t="$tokens" -v all="$total_tokens" \
        'BEGIN {printf "| %s | %s | %d | %d | %.1f%% |\n", r, u, n, t, 100 * t / all}'
    done
  echo
  local local_tokens
  local_tokens=$(q "SELECT coalesce(sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), 0) FROM requests WHERE upstream = 'local'")
  awk -v l="$local_tokens" -v all="$total_tokens" -v n="$total_requests" -v p="$premium_usd" -v a="$all_premium_usd" 'BEGIN {
    printf "All %d requests, %d tokens. **Premium tokens saved against routing everything to the premium: %d (%.1f%%)**;\n", n, all, l, 100 * l / all
    printf "at list prices the premium share cost $%s, against $%s had every request gone to the premium (the local tier priced at 0).\n", p, a }'
}
report
if [[ -n $OUT_FILE ]]; then
  report >"$OUT_FILE"
fi
failed=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["failed"])' "$driver_out")
[[ $failed -eq 0 ]] || { echo "tiers.sh: $failed requests failed" >&2; exit 1; }
