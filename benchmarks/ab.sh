#!/usr/bin/env bash
# A/B runs of coro agents: for each round, each jar in turn runs the same JMH selection (through run.sh), and the
# median (and range) of every benchmark's measurement iterations is printed, one line per jar, round and benchmark.
# Alternating the jars spreads the machine's noise over both sides.
#
#   ./ab.sh REGEX "JMH OPTIONS" ROUNDS NAME=JAR NAME=JAR...
#   ./ab.sh 'CoroChannel.pingPong_rendezvous_madeInLoop' "-wi 3 -i 4 -f 1" 3 base=/tmp/base.jar new=../agent/target/coro-agent.jar
set -euo pipefail
[ $# -ge 5 ] || { sed -n 2,7p "$0"; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
re="$1"; opts="$2"; rounds="$3"; shift 3
out="$(mktemp -d)"
for r in $(seq "$rounds"); do
  for pair in "$@"; do
    name="${pair%%=*}"; jar="${pair#*=}"
    # shellcheck disable=SC2086
    CORO_AGENT_JAR="$jar" "$here/run.sh" "$re" $opts -rf json -rff "$out/$name-$r.json" > "$out/$name-$r.log" 2>&1 \
      || { echo "ab.sh: run failed, see $out/$name-$r.log" >&2; exit 1; }
    python3 - "$name" "$r" "$out/$name-$r.json" <<'PY'
import json, statistics, sys
name, rnd, path = sys.argv[1:4]
for b in json.load(open(path)):
    v = sorted(x for fork in b['primaryMetric']['rawData'] for x in fork)
    bench = '.'.join(b['benchmark'].split('.')[-2:])
    print(f"{name:8} round {rnd}  {bench:55} median {statistics.median(v):10.3f}  [{v[0]:.3f}-{v[-1]:.3f}] {b['primaryMetric']['scoreUnit']}")
PY
  done
done
