#!/usr/bin/env bash
# Runs the coro benchmarks and their peers (Loom virtual threads, Kotlin coroutines) in ONE JMH run, on JDK 25,
# every fork with the coro agent and a one-carrier virtual-thread scheduler. See README.md.
#
#   ./run.sh                      all benchmarks, short settings (-wi 5 -i 5 -f 1 -w 1s -r 1s)
#   ./run.sh Yield -i 10          extra JMH arguments: a regex, or options that replace the defaults
#   ./run.sh -rf json -rff out.json
#   ./run.sh --heap [count]       no JMH: dev.coro.bench.HeapPerCoroutine prints the three heap figures
#   ./run.sh --no-agent ...       without the agent: the coro benchmarks are left out (-e 'dev.coro.bench.Coro')
#   ./run.sh --loom-jvmti ...     keep JVMTI's virtual-thread mount/unmount events on (see below)
#
# Forks are started through fork-java.sh (JMH's -jvm), which appends a benchmark class's agent options
# (-Dcoro.bench.agentOptions=..., from its @Fork(jvmArgsPrepend)) to that fork's -javaagent.
#
# Environment: JAVA25_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64), CORO_AGENT_JAR (default
# ../agent/target/coro-agent.jar). Build first: cd benchmarks && mvn -q package.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
java_home="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
java="$java_home/bin/java"
agent="${CORO_AGENT_JAR:-$root/agent/target/coro-agent.jar}"
jar="$here/target/benchmarks.jar"

die() { echo "run.sh: $*" >&2; exit 2; }

[ -x "$java" ] || die "no JDK at $java_home (virtual threads need 21+; set JAVA25_HOME)"
[ -f "$jar" ] || die "$jar is missing: build it with 'cd $here && mvn -q package'"

use_agent=1
heap=0
loom_jvmti=0
args=()
for a in "$@"; do
  case "$a" in
    --no-agent) use_agent=0 ;;
    --loom-jvmti) loom_jvmti=1 ;;
    --heap) heap=1 ;;
    *) args+=("$a") ;;
  esac
done

# One carrier thread for virtual threads, as coro and Kotlin have one loop thread. JMH itself uses sun.misc.Unsafe,
# which JDK 24+ warns about on every fork: allowed here to keep the output readable (it changes nothing measured).
quiet=(--sun-misc-unsafe-memory-access=allow)
vm_args=(-Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1 "${quiet[@]}")
# Any -javaagent (even one whose premain does nothing) turns on JVMTI's notifications of virtual-thread mounts and
# unmounts, which costs a virtual thread's yield about +60 ns (~145 -> ~207 ns here). The coro agent uses none of
# them, so they are switched off and Loom is measured as it runs without agents; --loom-jvmti keeps them.
if [ "$use_agent" = 1 ] && [ "$loom_jvmti" = 0 ]; then
  vm_args+=(-XX:+UnlockExperimentalVMOptions -XX:-DoJVMTIVirtualThreadTransitions)
fi
if [ "$use_agent" = 1 ]; then
  [ -f "$agent" ] || die "$agent is missing: build the agent, set CORO_AGENT_JAR, or pass --no-agent"
  case "$agent" in *" "*) die "the agent path must not contain spaces (JMH splits -jvmArgsAppend on them)" ;; esac
  vm_args=("-javaagent:$agent" "${vm_args[@]}")
fi

if [ "$heap" = 1 ]; then
  cp="$jar"
  # the coro runtime is not in benchmarks.jar: -javaagent puts the agent jar (which carries it) on the class path
  peers=()
  [ "$use_agent" = 1 ] || peers=(loom kotlin)
  # the System.gc() calls of a reading run on the loop thread; with 100,000 coroutines they can take over 100 ms,
  # which coro's watchdog would report as a blocked loop (a harmless warning with a stack trace)
  vm_args+=(-Dcoro.watchdog.blocked=0)
  exec "$java" "${vm_args[@]}" -cp "$cp" dev.coro.bench.HeapPerCoroutine ${args[@]+"${args[@]}"} ${peers[@]+"${peers[@]}"}
fi

# Defaults, each unless the caller gave that option; a caller's -jvmArgsAppend is added to ours.
has() { local o; for o in ${args[@]+"${args[@]}"}; do [ "$o" = "$1" ] && return 0; done; return 1; }
jmh=()
extra_append=""
i=0
while [ $i -lt ${#args[@]} ]; do
  if [ "${args[$i]}" = "-jvmArgsAppend" ] && [ $((i + 1)) -lt ${#args[@]} ]; then
    extra_append="$extra_append ${args[$((i + 1))]}"
    i=$((i + 2))
    continue
  fi
  jmh+=("${args[$i]}")
  i=$((i + 1))
done
has -wi || jmh+=(-wi 5)
has -i || jmh+=(-i 5)
has -f || jmh+=(-f 1)
has -w || jmh+=(-w 1s)
has -r || jmh+=(-r 1s)
[ "$use_agent" = 1 ] || jmh+=(-e 'dev\.coro\.bench\.Coro')
# Forks start through fork-java.sh, which gives a fork the agent options its benchmark class asks for
# (-Dcoro.bench.agentOptions=..., e.g. CoroNoPreempt's preempt=false): our -jvmArgsAppend replaces the annotations'.
if ! has -jvm; then
  export CORO_FORK_JAVA="$java"
  jmh+=(-jvm "$here/fork-java.sh")
fi
# the heap benchmarks report their bytes per coroutine through this profiler (see HeapBytesProfiler), and every
# AverageTime benchmark its CPU time per op next to the wall-clock score (see CpuTimeProfiler)
jmh+=(-prof dev.coro.bench.HeapBytesProfiler -prof dev.coro.bench.CpuTimeProfiler)

# the echo benchmark (EchoIdleMemory) holds 10,000 connections: client and server each need that many descriptors
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "# $("$java" -version 2>&1 | head -1); $(nproc) cores; agent: $([ "$use_agent" = 1 ] && echo "$agent" || echo none)" >&2
exec "$java" "${quiet[@]}" -jar "$jar" -jvmArgsAppend "${vm_args[*]}$extra_append" "${jmh[@]}"
