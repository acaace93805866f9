#!/usr/bin/env bash
# Runs every jcstress test of dev.coro.jcstress in forked VMs under the coro agent, and fails (exit 1) if any
# FORBIDDEN outcome was observed, any test errored, or nothing was tested at all.
#
# usage: jcstress-tests/run.sh [MODE] [AGENT_JAR]
#   MODE       jcstress preset: sanity (default; about 1.5 min on 2 cores), quick, default, tough, stress
#   AGENT_JAR  the coro agent (default: agent/target/coro-agent.jar beside this module)
# environment:
#   JCSTRESS_TESTS        test regex (default: dev\.coro\.jcstress\.)
#   JCSTRESS_ALL_CONFIGS  1: let jcstress probe all its VM configurations (C2 scheduling randomizers...), about 4x
#                         longer; default: one agent command line (jcstress still varies biased locking)
#   JCSTRESS_ARGS         more jcstress options, e.g. "-time 200 -iters 3"
#   JCSTRESS_TIMEOUT      hard limit for the whole run (timeout(1) syntax); default by mode
#   JCSTRESS_WORKDIR      where the log and the HTML report go (default: target/jcstress-run-MODE)
# Build first: cd .. && mvn -q -pl jcstress-tests package (needs coro-runtime installed, and the agent jar).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-sanity}
agent=${2:-$here/../agent/target/coro-agent.jar}
jar=$here/target/jcstress.jar
tests=${JCSTRESS_TESTS:-'dev\.coro\.jcstress\.'}

case "$mode" in
  sanity) limit=20m ;;
  quick) limit=90m ;;
  default) limit=8h ;;
  tough|stress) limit=72h ;;
  *) echo "run.sh: unknown mode '$mode' (sanity, quick, default, tough, stress)" >&2; exit 2 ;;
esac
limit=${JCSTRESS_TIMEOUT:-$limit}

[ -f "$jar" ] || { echo "run.sh: $jar is missing: mvn -q -pl jcstress-tests package" >&2; exit 2; }
[ -f "$agent" ] || { echo "run.sh: agent jar $agent is missing (give its path as the 2nd argument)" >&2; exit 2; }

work=${JCSTRESS_WORKDIR:-$here/target/jcstress-run-$mode}
rm -rf "$work"
mkdir -p "$work"
# A private copy: rebuilding the agent during a long run must not swap the jar under the forked VMs.
cp "$agent" "$work/coro-agent.jar"
# Only the tests' classes need rewriting; jcstress's own stay as they are.
vm="-javaagent:$work/coro-agent.jar=include=dev.coro.jcstress"
if [ "${JCSTRESS_ALL_CONFIGS:-0}" = 1 ]; then
  vmopt=-jvmArgsPrepend
else
  vmopt=-jvmArgs
fi
log=$work/jcstress.log

echo "run.sh: jcstress -m $mode -t '$tests' with $agent; log and report in $work"
start=$(date +%s)
# timeout(1) signals its whole process group, so forked test VMs go too.
# shellcheck disable=SC2086
(cd "$work" && timeout -k 30s "$limit" java -jar "$jar" -t "$tests" -m "$mode" -r "$work/results" \
    "$vmopt" "$vm" ${JCSTRESS_ARGS:-}) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
secs=$(( $(date +%s) - start ))

# ---- verdict: jcstress's exit code alone is not enough (it exits 0 when no test matched) ----
problems=()
[ "$rc" -eq 124 ] && problems+=("the run hit its time limit ($limit): a test hung?")
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && problems+=("jcstress exited with $rc")
grep -q 'FATAL' "$log" && problems+=("jcstress: $(grep -m1 'FATAL' "$log")")
forbidden=$(grep -c 'Observed forbidden state' "$log")
[ "$forbidden" -gt 0 ] && problems+=("$forbidden FORBIDDEN observation(s)")
bad_tests=$(grep -E '^\.+ \[(FAILED|ERROR)\] ' "$log" | sed -E 's/^\.+ //' | sort -u)
[ -n "$bad_tests" ] && problems+=("failed or errored tests: $(echo "$bad_tests" | tr '\n' ' ')")
grep -q 'had failed with' "$log" && problems+=("a test failed its pre-test check (see 'had failed with' in the log)")
summary=$(grep -E '^\(Results: ' "$log" | tail -1)
if [ -z "$summary" ]; then
  problems+=("no results summary in the log")
else
  read -r planned passed failed soft hard < <(echo "$summary" |
    sed -E 's/^\(Results: ([0-9]+) planned; ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) soft errs, ([0-9]+) hard errs\)$/\1 \2 \3 \4 \5/')
  if ! [[ "$planned $passed $failed $soft $hard" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; then
    problems+=("cannot read the results summary: $summary")
  else
    [ "$passed" -eq 0 ] && problems+=("no test result passed: nothing was tested")
    [ "$failed" -gt 0 ] && problems+=("$failed result(s) failed")
    [ "$soft" -gt 0 ] && problems+=("$soft soft error(s)")
    [ "$hard" -gt 0 ] && problems+=("$hard hard error(s)")
    [ "$passed" -ne "$planned" ] && [ "$failed" -eq 0 ] && [ "$soft" -eq 0 ] && [ "$hard" -eq 0 ] &&
      problems+=("only $passed of $planned planned results came back")
  fi
fi

# tests (not results) per verdict, from jcstress's RUN RESULTS section
count() {
  local n
  n=$(grep -E "^  $1: " "$log" | tail -1 | sed -nE 's/.*: ([0-9]+) matching.*/\1/p')
  echo "${n:-0}"
}
good=$(( $(count 'Interesting tests') + $(count 'All remaining tests') ))
bad=$(( $(count 'Failed tests') + $(count 'Error tests') ))

echo
echo "================ coro jcstress ($mode, ${secs}s) ================"
if [ "${#problems[@]}" -eq 0 ]; then
  echo "PASS: $summary"
  echo "jcstress: $good passed, $bad failed"
  exit 0
fi
for p in "${problems[@]}"; do
  echo "FAIL: $p"
done
if [ "$forbidden" -gt 0 ]; then
  echo "FORBIDDEN outcomes (test, outcome, description), with counts of VM runs:"
  grep 'Observed forbidden state' "$log" | sed -E 's/^([^ ]+) \[.*\]: Observed forbidden state: (.*)$/  \1: \2/' |
    sort | uniq -c | sort -rn
fi
echo "report: $work/results/index.html"
[ "$bad" -eq 0 ] && bad=1 # a run that failed without a failed test (hang, nothing tested) still counts as one
echo "jcstress: $good passed, $bad failed"
exit 1
