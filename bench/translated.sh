#!/usr/bin/env bash
# Throughput of a translated route against a same-dialect route, side by side in one run: one
# gateway in front of two mock providers (one per dialect), driven by wrk with the same reply
# through each route. Everything on loopback; every process stopped by its PID.
#
#   bench/translated.sh [--quick] [--threads N] [--words N] [--out FILE]
#
#   --quick      1 run of 2 s per case instead of the best of 2 runs of 5 s
#   --repeats N  the best of N runs of each case (default 2)
#   --threads N  gateway worker threads (default 1; the mocks and wrk take one thread each)
#   --words N    words in each reply (default 20; a streamed reply has one event per word)
#   --out FILE   also write the Markdown table there
#
# Environment: SPILLWAY_BIN to use a ready binary (else builds build-bench/ RelWithDebInfo),
# WRK_BIN (default wrk).
#
# The cases, each a ratio translated / same-dialect to the same mock:
#   OpenAI mock:    POST /v1/messages (Anthropic client, translated) vs POST /v1/chat/completions
#   Anthropic mock: POST /v1/chat/completions (OpenAI client, translated) vs POST /v1/messages
#   both mocks:     POST /v1/responses (a Responses client such as Codex, translated) vs the
#                   same-dialect route to that mock
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_RUN=5
REPEATS=2
THREADS=1
WORDS=20
OUT_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) SECONDS_PER_RUN=2; REPEATS=1; shift ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --words) WORDS="$2"; shift 2 ;;
    --out) OUT_FILE="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "translated.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

WRK_BIN=${WRK_BIN:-wrk}
source "$ROOT/bench/ensure_bin.sh"
ensure_spillway_bin translated.sh

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
source "$ROOT/bench/lib.sh"

REPLY=$(printf 'word%d ' $(seq 1 "$WORDS"))
REPLY=${REPLY% }
start mock_openai "$SPILLWAY_BIN" mock-provider --dialect openai --threads 1 --reply "$REPLY"
OPENAI_URL=$LAST_URL
start mock_anthropic "$SPILLWAY_BIN" mock-provider --dialect anthropic --threads 1 --reply "$REPLY"
ANTHROPIC_URL=$LAST_URL
cat >"$WORK/gateway.yaml" <<EOF
listen: 127.0.0.1:0
threads: $THREADS
auth: none
# Translation against pass-through alone; bench/audit.sh measures what the audit adds to both.
audit: off
upstreams:
  - name: openai-mock
    kind: openai
    base_url: $OPENAI_URL/v1
  - name: anthropic-mock
    kind: anthropic
    base_url: $ANTHROPIC_URL
routes:
  - match: { model: "to-openai" }
    to: [openai-mock]
  - match: { model: "to-anthropic" }
    to: [anthropic-mock]
EOF
start gateway "$SPILLWAY_BIN" serve --config "$WORK/gateway.yaml"
GATEWAY_URL=$LAST_URL
GATEWAY_PID=$LAST_PID
log "gateway $GATEWAY_URL (pid $GATEWAY_PID, $THREADS thread(s)), mocks $OPENAI_URL $ANTHROPIC_URL, $WORDS-word replies"

# One wrk script per (client dialect, upstream, json|stream).
body() {  # DIALECT MODEL STREAM
  local stream=""
  [[ $3 == stream ]] && stream=',"stream":true'
  if [[ $1 == anthropic ]]; then
    echo "{\"model\":\"$2\",\"max_tokens\":256,\"system\":\"You are terse.\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}]$stream}"
  elif [[ $1 == responses ]]; then
    echo "{\"model\":\"$2\",\"max_output_tokens\":256,\"instructions\":\"You are terse.\",\"input\":[{\"role\":\"user\",\"content\":\"Say hello.\"}]$stream}"
  else
    echo "{\"model\":\"$2\",\"max_tokens\":256,\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Say hello.\"}]$stream}"
  fi
}
path_of() {
  case $1 in
    anthropic) echo /v1/messages ;;
    responses) echo /v1/responses ;;
    *) echo /v1/chat/completions ;;
  esac
}

CASES=()
for upstream in openai anthropic; do
  for client in openai anthropic responses; do
    for kind in json stream; do
      name="$client-to-$upstream-$kind"
      CASES+=("$name")
      cat >"$WORK/$name.lua" <<EOF
wrk.method = "POST"
wrk.body = '$(body "$client" "to-$upstream" "$kind")'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
EOF
      # Each case must give a whole answer before it is timed.
      out=$(curl -sfN "$GATEWAY_URL$(path_of "$client")" -H 'content-type: application/json' \
            -H 'anthropic-version: 2023-06-01' -d "$(body "$client" "to-$upstream" "$kind")")
      want='"word1'
      if [[ $kind == stream ]]; then
        case $client in
          anthropic) want='event: message_stop' ;;
          responses) want='event: response.completed' ;;
          *) want='data: [DONE]' ;;
        esac
      fi
      grep -qF "$want" <<<"$out" || { echo "translated.sh: $name gave no complete answer: $out" >&2; exit 1; }
    done
  done
done

declare -A RPS CPU
# Interleaved, so a burst of other load on the machine hits every case alike.
for ((r = 0; r < REPEATS; r++)); do
  for c in "${CASES[@]}"; do
    wrk_case "$c" "$GATEWAY_PID" "$WORK/$c.lua" "$GATEWAY_URL$(path_of "${c%%-*}")"
  done
done

report() {
  echo "Translated vs same-dialect routes: $SOURCE; $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "wrk -t1 -c64, ${SECONDS_PER_RUN} s per run, best of $REPEATS; gateway threads: $THREADS;" \
       "replies of $WORDS words (a stream has one event per word); load average $LOAD_START at start," \
       "$(cut -d' ' -f1-3 /proc/loadavg) at end."
  echo
  echo "| upstream | body | same-dialect req/s | translated req/s | ratio | Responses client req/s | ratio | CPU µs/req same / translated / Responses |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  local upstream kind same other resp
  for upstream in openai anthropic; do
    for kind in json stream; do
      same="$upstream-to-$upstream-$kind"
      [[ $upstream == openai ]] && other="anthropic-to-openai-$kind" || other="openai-to-anthropic-$kind"
      resp="responses-to-$upstream-$kind"
      awk -v u="$upstream" -v k="$kind" -v s="${RPS[$same]}" -v t="${RPS[$other]}" -v r="${RPS[$resp]}" \
          -v cs="${CPU[$same]}" -v ct="${CPU[$other]}" -v cr="${CPU[$resp]}" \
        'BEGIN {printf "| %s | %s | %.0f | %.0f | **%.2f** | %.0f | **%.2f** | %s / %s / %s |\n", u, k, s, t, t / s, r, r / s, cs, ct, cr}'
    done
  done
}
report
if [[ -n $OUT_FILE ]]; then
  report >"$OUT_FILE"
fi
