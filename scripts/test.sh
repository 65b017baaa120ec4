#!/usr/bin/env bash
# The single test command of this repository (also run by .ci/run; see docs/deploy.md).
#
#   scripts/test.sh [extra dotnet test args, e.g. --filter "FullyQualifiedName~Teams"]
#
# Installs what is missing (root, Debian/Ubuntu), starts a throwaway PostgreSQL and Redis on free loopback ports,
# builds once, runs the suite in two passes and ends with the line "Tests: N passed, M failed" (exit 0 only if
# everything built and passed):
#   sqlite   (OCS_TEST_DB=Sqlite):   unit and database tests (everything but the browser tests);
#   postgres (OCS_TEST_DB=Postgres): database and browser tests (unit tests run once, in the first pass).
# A test's pass follows from what it is: browser tests are the classes in OpenChatStudio.Tests/E2E (namespace
# OpenChatStudio.Tests.E2E); unit tests carry [Trait("Layer", "Unit")], and TestLayerTests fails when a class that
# uses no database lacks it (or one that does has it). With your own --filter, both passes run what it selects.
#
# Knobs (env): OCS_TEST_RESULTS (TRX folder, default ./TestResults/ci), OCS_TEST_PASS_TIMEOUT (per pass, default 30m),
#              OCS_TEST_HANG_TIMEOUT (per test, default 10m).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export DEBIAN_FRONTEND=noninteractive

RESULTS_DIR=${OCS_TEST_RESULTS:-$ROOT/TestResults/ci}
PASS_TIMEOUT=${OCS_TEST_PASS_TIMEOUT:-30m}
HANG_TIMEOUT=${OCS_TEST_HANG_TIMEOUT:-10m}
CHROMIUM=/usr/bin/chromium

log() { printf '\n==> %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

# ---- timings ---------------------------------------------------------------------------------------------------
T_START=$(date +%s)
TIMINGS=()
phase_t0=0
phase_begin() { phase_t0=$(date +%s); log "$1"; }
phase_end() {
  local secs=$(( $(date +%s) - phase_t0 ))
  TIMINGS+=("$(printf '%-28s %5ss' "$1" "$secs")")
  printf -- '--- %s took %ss\n' "$1" "$secs"
}

# ---- 1. system packages (only what is missing) -----------------------------------------------------------------
phase_begin "Checking system packages"
pg_bin_dir() {
  # Prefer PostgreSQL 15 (what CI was proven with); fall back to the newest installed major.
  if [[ -x /usr/lib/postgresql/15/bin/postgres ]]; then echo /usr/lib/postgresql/15/bin; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  [[ -n "$d" && -x "$d/postgres" ]] && echo "$d"
  return 0
}
missing=()
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || missing+=(postgresql)
[[ -x $CHROMIUM ]] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v npm >/dev/null 2>&1 || missing+=(npm)   # browser tests install the official widget and openai client from npm
command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is not on PATH; install the .NET 10 SDK first."

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    die "missing: ${missing[*]}. Run this script as root (it installs them with apt-get), or install them yourself:
  apt-get install -y postgresql-15 (or postgresql) chromium redis-server python3 npm"
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing: ${missing[*]} and apt-get is not available to install them."
  log "Installing: ${missing[*]}"
  apt-get update -q
  pkgs=()
  for m in "${missing[@]}"; do
    if [[ $m == postgresql ]]; then
      # postgresql-15 where the distro has it (Debian 12), else the distro default major.
      if apt-cache show postgresql-15 >/dev/null 2>&1; then pkgs+=(postgresql-15); else pkgs+=(postgresql); fi
    else
      pkgs+=("$m")
      if [[ $m == chromium ]]; then pkgs+=(fonts-liberation); fi   # metric-compatible fonts for page rendering
    fi
  done
  apt-get install -y -q --no-install-recommends "${pkgs[@]}"
  if [[ " ${pkgs[*]} " == *" postgresql"* ]] && command -v pg_lsclusters >/dev/null 2>&1; then
    # The package may create and start a default cluster on 5432; the tests use their own throwaway server.
    pg_lsclusters -h | awk '$4 == "online" {print $1, $2}' | while read -r v c; do pg_ctlcluster "$v" "$c" stop || true; done
  fi
else
  echo "all present (PostgreSQL, chromium, redis-server, python3, npm)"
fi
PGBIN=$(pg_bin_dir)
[[ -n "$PGBIN" ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
PSQL=$PGBIN/psql; [[ -x $PSQL ]] || PSQL=$(command -v psql) || die "psql not found"
phase_end "system packages"

# ---- 2. .NET local tools ---------------------------------------------------------------------------------------
phase_begin "Restoring .NET local tools"
dotnet tool restore
phase_end "dotnet tool restore"

# ---- 2b. npm packages the tests drive (installed here, never from inside a test) --------------------------------
phase_begin "Installing the test npm packages"
bash "$ROOT/scripts/test-packages.sh" || die "npm ci of OpenChatStudio.Tests/npm failed"
phase_end "test npm packages"

# ---- 3. throwaway PostgreSQL + Redis ---------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/ocs-test.XXXXXX)
chmod 755 "$TMP"                      # the postgres OS user must be able to reach its dir below
PG_DIR=$TMP/pg; REDIS_DIR=$TMP/redis
PG_STARTED=0; REDIS_STARTED=0; TEST_PID=""

# Run a command as the PostgreSQL OS user (root) or as ourselves (non-root).
PG_OS_USER=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  PG_OS_USER=postgres
  if ! id -u postgres >/dev/null 2>&1; then
    PG_OS_USER=pgtest
    id -u pgtest >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin pgtest
  fi
fi
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then (cd "$PG_DIR" && runuser -u "$PG_OS_USER" -- "$@"); else (cd "$PG_DIR" && "$@"); fi
}

# Stop PostgreSQL and Redis (idempotent: called before the summary and again from the EXIT trap).
stop_services() {
  if ((PG_STARTED)); then
    PG_STARTED=0
    if as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 20 stop >/dev/null 2>&1; then
      echo "PostgreSQL stopped"
    else
      echo "WARNING: could not stop PostgreSQL (pgdata $PG_DIR/data)"
    fi
  fi
  if ((REDIS_STARTED)); then
    REDIS_STARTED=0
    local pid; pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    # Wait until it no longer answers (kill -0 is no use: the daemon lingers as a zombie until init reaps it).
    for _ in $(seq 1 50); do redis_up || break; sleep 0.1; done
    if redis_up; then [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; sleep 0.5; fi
    if redis_up; then echo "WARNING: could not stop Redis (pid $pid)"; else echo "Redis stopped"; fi
  fi
}
redis_up() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
cleanup() {
  local rc=$?
  set +e
  # Interrupted during a test pass: stop it (timeout forwards the signal to dotnet test and its test host).
  if [[ -n $TEST_PID ]]; then kill -TERM "$TEST_PID" 2>/dev/null; wait "$TEST_PID" 2>/dev/null; fi
  stop_services
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase_begin "Starting PostgreSQL and Redis"
# Two distinct free loopback ports (both sockets held open while picking, so they differ).
read -r PG_PORT REDIS_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
for x in s: x.close()')

# PostgreSQL: trust auth, superuser "app", test-only durability settings, socket in our temp dir.
mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
chown -R "$PG_OS_USER" "$PG_DIR"; chmod 700 "$PG_DIR/data"
as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U app --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
  || { cat "$PG_DIR/initdb.log"; die "initdb failed"; }
PG_STARTED=1
as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 30 -o \
  "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$PG_DIR/postgres.log"; die "PostgreSQL did not start"; }
"$PSQL" -h 127.0.0.1 -p "$PG_PORT" -U app -d postgres -tAc 'select 1' | grep -qx 1 \
  || die "PostgreSQL started but 'select 1' failed"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (psql 'select 1' OK)"

# Redis: no persistence, daemonized, pidfile in the temp dir.
mkdir -p "$REDIS_DIR"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
  --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --dir "$REDIS_DIR"
REDIS_STARTED=1
for _ in $(seq 1 50); do
  [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && break; sleep 0.1
done
[[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] || { cat "$REDIS_DIR/redis.log"; die "Redis did not answer PING"; }
echo "Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-) on 127.0.0.1:$REDIS_PORT (PING -> PONG)"
phase_end "start PostgreSQL + Redis"

export OCS_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=app;Database=postgres"
export OCS_TEST_REDIS="127.0.0.1:$REDIS_PORT"
export OCS_TEST_CHROMIUM=$CHROMIUM

# ---- 4. build once ---------------------------------------------------------------------------------------------
phase_begin "Building OpenChatStudio.sln (Debug)"
if ! dotnet build OpenChatStudio.sln -c Debug; then
  phase_end "build"
  stop_services
  printf '\nBUILD FAILED: fix the compile errors above; no tests were run.\n'
  echo "Tests: 0 passed, 1 failed"
  exit 1
fi
phase_end "build"

# ---- 5. run the suite twice ------------------------------------------------------------------------------------
# Prints "<passed> <failed> <total>" summed over the TRX files of one pass, or nothing if there are none.
trx_counts() {
  python3 - "$1" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
files = sorted(glob.glob(os.path.join(sys.argv[1], "*.trx")))
if not files: sys.exit(0)
p = f = t = 0
failed_names = []
for path in files:
    root = ET.parse(path).getroot()
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "Counters":
            g = lambda k: int(el.get(k, "0"))
            t += g("total"); p += g("passed")
            f += g("failed") + g("error") + g("timeout") + g("aborted")
        elif tag == "UnitTestResult" and el.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
            failed_names.append(el.get("testName"))
print(p, f, t)
for n in failed_names[:30]: print("    FAILED:", n, file=sys.stderr)
if len(failed_names) > 30: print(f"    ... and {len(failed_names) - 30} more", file=sys.stderr)
PY
}

TOTAL_PASSED=0; TOTAL_FAILED=0; SUMMARIES=()
run_pass() {
  local name=$1 db=$2 dir="$RESULTS_DIR/$1" rc=0; shift 2
  rm -rf "$dir"; mkdir -p "$dir"
  phase_begin "Test pass '$name' (OCS_TEST_DB=$db)"
  # In the background + wait, so Ctrl-C/TERM reach our trap at once (timeout runs in its own process group).
  OCS_TEST_DB=$db timeout --kill-after=30s "$PASS_TIMEOUT" \
    dotnet test OpenChatStudio.sln --no-build -c Debug \
      --logger "trx;LogFileName=$name.trx" --results-directory "$dir" \
      --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none \
      "$@" &
  TEST_PID=$!
  wait "$TEST_PID" || rc=$?
  TEST_PID=""
  phase_end "tests ($name)"

  local counts passed failed total note=""
  counts=$(trx_counts "$dir") || counts=""
  if [[ -z "$counts" ]]; then
    passed=0; failed=1; total=0; note=" (no readable TRX: the run crashed or timed out, exit $rc; counted as 1 failed)"
  else
    read -r passed failed total <<<"$counts"
    if ((rc != 0 && failed == 0)); then
      failed=1; note=" (dotnet test exited $rc with no failed test in the TRX; counted as 1 failed)"
    fi
  fi
  if ((rc == 124 || rc == 137)); then note+=" (timed out after $PASS_TIMEOUT)"; fi
  if ((total == 0 && failed == 0)); then note+=" (WARNING: no tests ran)"; fi
  TOTAL_PASSED=$((TOTAL_PASSED + passed)); TOTAL_FAILED=$((TOTAL_FAILED + failed))
  SUMMARIES+=("$(printf '%-9s %4d total, %4d passed, %4d failed, exit %d%s' "$name:" "$total" "$passed" "$failed" "$rc" "$note")")
}

if [[ " $* " == *" --filter "* ]]; then
  run_pass sqlite Sqlite "$@"
  run_pass postgres Postgres "$@"   # runs even when the first pass failed
else
  run_pass sqlite Sqlite --filter "FullyQualifiedName!~OpenChatStudio.Tests.E2E." "$@"
  run_pass postgres Postgres --filter "Layer!=Unit" "$@"
fi

# ---- 6. summary ------------------------------------------------------------------------------------------------
log "Stopping PostgreSQL and Redis"
stop_services
TIMINGS+=("$(printf '%-28s %5ss' total $(( $(date +%s) - T_START )))")
printf '\n==================== summary ====================\n'
printf 'Timings:\n'; printf '  %s\n' "${TIMINGS[@]}"
printf 'Passes (TRX in %s):\n' "$RESULTS_DIR"; printf '  %s\n' "${SUMMARIES[@]}"
printf 'Ten slowest test classes (seconds summed over their tests, both passes):\n'
python3 - "$RESULTS_DIR" <<'PY' || true
import collections, glob, os, sys, xml.etree.ElementTree as ET
totals = collections.Counter()
for path in glob.glob(os.path.join(sys.argv[1], "*", "*.trx")):
    root = ET.parse(path).getroot()
    ns = root.tag.split("}")[0] + "}"
    classes = {d.get("id"): d.find(ns + "TestMethod").get("className") for d in root.iter(ns + "UnitTest")}
    for r in root.iter(ns + "UnitTestResult"):
        h, m, s = (r.get("duration") or "0:0:0").split(":")
        totals[os.path.basename(os.path.dirname(path)) + "  " + classes.get(r.get("testId"), "?")] += int(h) * 3600 + int(m) * 60 + float(s)
for name, secs in totals.most_common(10):
    print(f"  {secs:7.1f}  {name}")
PY
echo "Tests: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
((TOTAL_FAILED == 0))
