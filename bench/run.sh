#!/usr/bin/env bash
# Load benchmark of the chat path (docs/performance.md, "Chat path under load").
#
#   bench/run.sh [--quick] [--db sqlite|postgres|both] [--no-write]
#
# Builds Release, starts a fake OpenAI-compatible LLM (latency chosen per model name: latency-0, latency-200), then for
# each database starts the published app with a seeded demo chatbot (one LLM node with the whole conversation as history,
# `admin seed-demo`), measures cold start and the scenarios below, stops everything it started and writes the results
# table into docs/performance.md (between the load:begin/load:end markers) unless --no-write.
#   (a) openai   OpenAI-compatible endpoint, conversations of 5 turns with growing history; concurrency 1/16/64 at 0 ms,
#                64 and 1000 at 200 ms
#   (b) widget   /api/chat/start/ -> message/ -> task poll until complete (only when the app has the widget API)
#   (c) sse      widget start -> message -> /stream/ (SSE): time to first token, 200 ms LLM, c64
#   (d) idle     --pages visitors load the hosted page, start a session and stay idle: RSS per idle page
#   (e) cold     process launch (ReadyToRun build) to the first answered chat
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

QUICK=0; DBS="sqlite postgres"; WRITE=1
while (($#)); do
  case $1 in
    --quick) QUICK=1 ;;
    --db) shift; DBS=${1/both/sqlite postgres} ;;
    --no-write) WRITE=0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if ((QUICK)); then WARMUP=2; DURATION=5; PAGES=300; else WARMUP=10; DURATION=15; PAGES=1000; fi

OUT=$ROOT/bench/out
TMP=$(mktemp -d /tmp/ocs-bench.XXXXXX); chmod 755 "$TMP"
RESULTS=$TMP/results.jsonl; : >"$RESULTS"
LLM_PID=""; APP_PID=""; PG_STARTED=0
PGBIN=/usr/lib/postgresql/15/bin
[[ -x $PGBIN/postgres ]] || PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)

log() { printf '\n==> %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { if [[ $(id -u) -eq 0 ]]; then (cd "$TMP" && runuser -u postgres -- "$@"); else (cd "$TMP" && "$@"); fi; }

stop_app() {
  if [[ -n $APP_PID ]]; then kill -TERM "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; APP_PID=""; fi
}
cleanup() {
  set +e
  stop_app
  [[ -n $LLM_PID ]] && { kill "$LLM_PID" 2>/dev/null; wait "$LLM_PID" 2>/dev/null; }
  if ((PG_STARTED)); then as_pg "$PGBIN/pg_ctl" -D "$TMP/pg" -m immediate -w stop >/dev/null 2>&1; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

log "Building Release (app and load tools)"
# ReadyToRun: precompiled code, so the first request does not wait for the JIT (cold start, scenario e).
dotnet publish OpenChatStudio.Web -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT/app" -v q --nologo >/dev/null
dotnet publish bench/OpenChatStudio.Load -c Release -o "$OUT/load" -v q --nologo >/dev/null
LOAD=(dotnet "$OUT/load/OpenChatStudio.Load.dll")

LLM_PORT=$(free_port)
"${LOAD[@]}" fake-llm --port "$LLM_PORT" >"$TMP/llm.log" 2>&1 &
LLM_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$LLM_PORT/v1/models" >/dev/null && break; sleep 0.1; done

app_env() {
  local db=$1
  export ASPNETCORE_ENVIRONMENT=Production Serilog__MinimumLevel__Default=Warning
  export Serilog__MinimumLevel__Override__Microsoft=Warning Serilog__MinimumLevel__Override__System=Warning
  # Every simulated visitor comes from 127.0.0.1: the per-IP limits of the widget API would measure the limiter, not the app.
  export ChatApi__RateLimitEnabled=false
  # The fake LLM listens on 127.0.0.1, which the outbound policy refuses by default (docs/security.md).
  export Outbound__AllowPrivateNetworks=true
  if [[ $db == postgres ]]; then
    export Database__Provider=Postgres ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=app;Database=ocs_bench;Maximum Pool Size=200"
  else
    export Database__Provider=Sqlite Database__DataDirectory="$TMP/sqlite" ConnectionStrings__Sqlite=""
  fi
}

seed() { # model -> JSON
  (cd "$OUT/app" && dotnet OpenChatStudio.Web.dll admin seed-demo --json --base-url "http://127.0.0.1:$APP_PORT" \
     --llm-base-url "http://127.0.0.1:$LLM_PORT/v1" --llm-model "$1" --llm-api-key fake 2>>"$TMP/seed.log")
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

start_app() {
  local since; since=$(date +%s%3N)
  (cd "$OUT/app" && exec dotnet OpenChatStudio.Web.dll --urls "http://127.0.0.1:$APP_PORT") >>"$TMP/app.log" 2>&1 &
  APP_PID=$!
  "${LOAD[@]}" first-answer --base "http://127.0.0.1:$APP_PORT" --chatbot "$CHATBOT" --key "$KEY" --since-epoch-ms "$since" --timeout 60 \
    | sed "s/}\$/,\"db\":\"$DB\"}/" >>"$RESULTS"
}

step() { # scenario label concurrency [extra args]
  local scenario=$1 label=$2 c=$3; shift 3
  log "$DB: $scenario $label concurrency $c"
  "${LOAD[@]}" "$scenario" --base "http://127.0.0.1:$APP_PORT" --chatbot "$CHATBOT" --key "$KEY" --pid "$APP_PID" \
    --concurrency "$c" --warmup "$WARMUP" --duration "$DURATION" --label "$label" "$@" \
    | sed "s/}\$/,\"db\":\"$DB\"}/" | tee -a "$RESULTS" >&2
}

for DB in $DBS; do
  APP_PORT=$(free_port)
  if [[ $DB == postgres ]]; then
    PG_PORT=$(free_port)
    mkdir -p "$TMP/pg"; [[ $(id -u) -eq 0 ]] && chown postgres "$TMP/pg"; chmod 700 "$TMP/pg"
    as_pg "$PGBIN/initdb" -D "$TMP/pg" -U app --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg/log" -w -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $TMP/pg -c max_connections=300" start >/dev/null
    PG_STARTED=1
  fi
  app_env "$DB"
  log "$DB: seeding the demo chatbot (0 ms LLM)"
  SEED=$(seed latency-0); CHATBOT=$(field chatbot_id <<<"$SEED"); KEY=$(field api_key <<<"$SEED")
  log "$DB: cold start to first answer"
  start_app
  step openai "0ms" 1
  step openai "0ms" 16
  step openai "0ms" 64
  if curl -fs -o /dev/null -X OPTIONS "http://127.0.0.1:$APP_PORT/api/chat/start/" -H 'Origin: http://127.0.0.1' \
       -H 'Access-Control-Request-Method: POST'; then
    step widget "0ms" 64 --origin "http://127.0.0.1"
  fi
  log "$DB: switching the chatbot to a 200 ms LLM (publishes a new version)"
  SEED=$(seed latency-200); KEY=$(field api_key <<<"$SEED")
  step openai "200ms" 64
  # 1,000 conversations started in the same instant share the cores so fairly that the whole first wave finishes together
  # many seconds later: they start over a ramp, and the measured window begins after it.
  step openai "200ms" 1000 --ramp $((WARMUP * 2)) --warmup $((WARMUP * 4))
  if curl -fs -o /dev/null -X OPTIONS "http://127.0.0.1:$APP_PORT/api/chat/start/" -H 'Origin: http://127.0.0.1' \
       -H 'Access-Control-Request-Method: POST'; then
    step widget "200ms" 64 --origin "http://127.0.0.1"
    step sse "200ms" 64 --origin "http://127.0.0.1"
    log "$DB: idle public pages"
    "${LOAD[@]}" idle-pages --base "http://127.0.0.1:$APP_PORT" --chatbot "$CHATBOT" --pid "$APP_PID" --pages "$PAGES" \
      --origin "http://127.0.0.1" | sed "s/}\$/,\"db\":\"$DB\"}/" | tee -a "$RESULTS" >&2
  fi
  stop_app
  if [[ $DB == postgres ]]; then as_pg "$PGBIN/pg_ctl" -D "$TMP/pg" -m fast -w stop >/dev/null; PG_STARTED=0; fi
done

log "Results"
python3 "$ROOT/bench/report.py" "$RESULTS" "$ROOT/docs/performance.md" "$QUICK" "$WRITE"
