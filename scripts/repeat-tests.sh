#!/usr/bin/env bash
# Repeats the suite (or one layer) N times to find flaky tests, and reports every failure by name.
#
#   sudo bash scripts/repeat-tests.sh 5                                               # the whole CI check, 5 times
#   sudo bash scripts/repeat-tests.sh 10 --filter "FullyQualifiedName~OpenChatStudio.Tests.E2E."   # browser layer
#
# Each run is a full scripts/test.sh (services started and stopped, both passes). The summary lists each run's
# "Tests:" line and its duration, then every test that failed with the runs it failed in. Exit 1 if any run failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:?usage: repeat-tests.sh N [test.sh args]}
shift
OUT=${OCS_REPEAT_DIR:-$ROOT/TestResults/repeat}
rm -rf "$OUT"
mkdir -p "$OUT"

declare -A FAILED_IN
SUMMARY=()
any_failed=0
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s)
  OCS_TEST_RESULTS="$OUT/run$run" bash "$ROOT/scripts/test.sh" "$@" > "$OUT/run$run.log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  line=$(grep -E '^Tests: ' "$OUT/run$run.log" | tail -n1)
  SUMMARY+=("run $run: ${line:-no summary line} (exit $rc, ${secs}s)")
  echo "run $run: ${line:-no summary line} (exit $rc, ${secs}s)"
  if ((rc != 0)); then
    any_failed=1
    # Failed test names from the TRX files of this run.
    while IFS= read -r name; do
      [[ -n $name ]] && FAILED_IN[$name]+="$run "
    done < <(grep -ho 'testName="[^"]*"[^>]*outcome="Failed"' "$OUT/run$run"/*/*.trx 2>/dev/null | sed -E 's/testName="([^"]*)".*/\1/' | sort -u)
  fi
done

echo
echo "==================== $RUNS runs ===================="
printf '%s\n' "${SUMMARY[@]}"
if ((${#FAILED_IN[@]})); then
  echo "Failures:"
  for name in "${!FAILED_IN[@]}"; do
    echo "  $name  (runs ${FAILED_IN[$name]% })"
  done
else
  echo "No test failed in any run."
fi
exit $any_failed
