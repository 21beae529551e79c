#!/usr/bin/env bash
# Agent swarm: never a 429 (issue 4). N simulated agents (recursive loops with growing context
# and sub-agents, bench/swarm/driver.mjs, official Anthropic SDK with its default retries) run
# for a fixed time against a premium Anthropic-dialect mock with tight rate limits, and a local
# OpenAI-dialect mock with a fixed number of generation slots as the overflow tier. The same
# workload, one way after the other, each with fresh mocks (and a fresh gateway):
#
#   (a)            agents straight to the premium mock (SDK retries only; no local tier)
#   (b)            through spillway, `predict: false` on the premium: reactive failover only
#   (c) declared   through spillway, prediction on, the premium's limits declared in the config
#   (c) learnt     through spillway, prediction on, limits learnt from the premium's headers
#
#   bench/swarm.sh [--quick] [--agents N] [--duration S] [--premium-limits RPM/ITPM/OTPM]
#                  [--tier1] [--max-wait S] [--ways "a b c-declared c-learnt"] [--out FILE]
#
#   --quick             20 s per way instead of 60 s, ways a, b and c-declared
#   --agents N          top-level agents (default 8); sub-agents come on top
#   --duration S        seconds the agents issue requests in each way (default 60)
#   --premium-limits    the premium's RPM/ITPM/OTPM (default 1000/450000/90000, Claude Opus Tier 2)
#   --tier1             the premium at 50/30000/8000 (Claude Opus Tier 1; a 60 s window then
#                       holds only a few premium requests of 2k-30k tokens)
#   --max-wait S        the route's max_wait in seconds (default 20)
#   --out FILE          also write the Markdown report there
#
# Environment: SPILLWAY_BIN to use a ready binary (else builds build-bench/ RelWithDebInfo),
# NODE_BIN (default node). Everything on loopback; every process stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AGENTS=8
DURATION=60
GRACE=25
LIMITS="1000/450000/90000"
MAX_WAIT=20
WAYS="a b c-declared c-learnt"
OUT_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) DURATION=20; WAYS="a b c-declared"; shift ;;
    --agents) AGENTS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --premium-limits) LIMITS="$2"; shift 2 ;;
    --tier1) LIMITS="50/30000/8000"; shift ;;
    --max-wait) MAX_WAIT="$2"; shift 2 ;;
    --ways) WAYS="$2"; shift 2 ;;
    --out) OUT_FILE="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "swarm.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
IFS=/ read -r RPM ITPM OTPM <<<"$LIMITS"
# Requests stay within one minute of the premium's input tokens (the mock refuses bigger ones
# for ever, with retry-after 60), and at most 30,000 tokens.
MAX_CONTEXT=$(( ITPM * 9 / 10 < 30000 ? ITPM * 9 / 10 : 30000 ))
# In-flight requests get this long after the agents stop (more than max_wait, so a queued
# request is answered); whatever is still open then is cut and reported apart.
GRACE=$(( MAX_WAIT + 5 ))
NODE_BIN=${NODE_BIN:-node}

source "$ROOT/bench/ensure_bin.sh"
ensure_spillway_bin swarm.sh
[[ -d "$ROOT/tests/clients/node_modules/@anthropic-ai/sdk" ]] ||
  { echo "swarm.sh: tests/clients/node_modules lacks @anthropic-ai/sdk: run scripts/bootstrap" >&2; exit 1; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
source "$ROOT/bench/lib.sh"

# About 100 output tokens per answer (one word each).
REPLY=$(printf 'step%d ' $(seq 1 100))
REPLY=${REPLY% }
PREMIUM_FLAGS=(--rpm "$RPM" --itpm "$ITPM" --otpm "$OTPM" --ttft-ms 300 --tokens-per-s 200)
LOCAL_SLOTS=4
LOCAL_FLAGS=(--max-concurrency "$LOCAL_SLOTS" --ttft-ms 500 --tokens-per-s 50)

gateway_config() {  # WAY PREMIUM_URL LOCAL_URL
  local premium_extra=""
  case "$1" in
    b) premium_extra="    predict: false" ;;
    c-declared) premium_extra="    limits: { rpm: $RPM, itpm: $ITPM, otpm: $OTPM }" ;;
  esac
  cat <<YAML
listen: 127.0.0.1:0
threads: 1
auth: none
audit: {sqlite: $WORK/audit.db}
upstreams:
  - name: premium
    kind: anthropic
    base_url: $2
$premium_extra
  - name: local
    kind: openai
    base_url: $3/v1
routes:
  - match: { model: "claude-*" }
    to: [premium]
    overflow: [{ upstream: local, model: qwen2.5-coder-32b }]
    max_wait: ${MAX_WAIT}s
    priority: interactive
YAML
}

REPORT_ARGS=()
for way in $WAYS; do
  case "$way" in
    a) name="(a) direct, SDK retries" ;;
    b) name="(b) spillway, reactive" ;;
    c-declared) name="(c) spillway, predictive, declared limits" ;;
    c-learnt) name="(c) spillway, predictive, learnt limits" ;;
    *) echo "swarm.sh: unknown way $way" >&2; exit 2 ;;
  esac
  start "premium-$way" "$SPILLWAY_BIN" mock-provider --dialect anthropic --reply "$REPLY" "${PREMIUM_FLAGS[@]}"
  PREMIUM_URL=$LAST_URL PREMIUM_PID=$LAST_PID
  start "local-$way" "$SPILLWAY_BIN" mock-provider --dialect openai --reply "$REPLY" "${LOCAL_FLAGS[@]}"
  LOCAL_URL=$LAST_URL LOCAL_PID=$LAST_PID
  GATEWAY_PID=""
  if [[ $way == a ]]; then
    TARGET=$PREMIUM_URL
    METRICS=()
  else
    gateway_config "$way" "$PREMIUM_URL" "$LOCAL_URL" >"$WORK/gateway-$way.yaml"
    start "gateway-$way" "$SPILLWAY_BIN" serve --config "$WORK/gateway-$way.yaml"
    TARGET=$LAST_URL GATEWAY_PID=$LAST_PID
    METRICS=(--metrics "$TARGET/metrics")
  fi
  log "$name: premium $PREMIUM_URL ($RPM RPM / $ITPM ITPM / $OTPM OTPM), local $LOCAL_URL ($LOCAL_SLOTS slots), target $TARGET, $AGENTS agents for $DURATION s"
  "$NODE_BIN" "$ROOT/bench/swarm/driver.mjs" --url "$TARGET" --premium-stats "$PREMIUM_URL/mock/stats" \
    --local-stats "$LOCAL_URL/mock/stats" "${METRICS[@]}" --agents "$AGENTS" --duration "$DURATION" \
    --grace "$GRACE" --max-context "$MAX_CONTEXT" --label "$way" >"$WORK/$way.json"
  [[ -n $GATEWAY_PID ]] && stop "$GATEWAY_PID"
  stop "$LOCAL_PID"
  stop "$PREMIUM_PID"
  REPORT_ARGS+=("$name=$WORK/$way.json")
  if [[ -n "${SWARM_KEEP_JSON:-}" ]]; then
    mkdir -p "$SWARM_KEEP_JSON" && cp "$WORK/$way.json" "$SWARM_KEEP_JSON/$way.json"
  fi
done

report() {
  echo "Agent swarm: $SOURCE; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average $LOAD_START at start," \
       "$(cut -d' ' -f1-3 /proc/loadavg) at end."
  echo "$AGENTS agents, $DURATION s each way (then up to $GRACE s for requests in flight); premium mock" \
       "$RPM RPM / $ITPM ITPM / $OTPM OTPM, ttft 300 ms, 200 tokens/s; local mock $LOCAL_SLOTS slots, ttft 500 ms," \
       "50 tokens/s; answers of 100 tokens; contexts up to $MAX_CONTEXT tokens; route max_wait ${MAX_WAIT}s."
  echo
  "$NODE_BIN" "$ROOT/bench/swarm/report.mjs" --max-wait-ms "$((MAX_WAIT * 1000))" "${REPORT_ARGS[@]}"
}
report
if [[ -n $OUT_FILE ]]; then
  report >"$OUT_FILE"
fi
