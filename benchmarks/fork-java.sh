#!/usr/bin/env bash
# The java that run.sh has JMH start its forks with (JMH's -jvm): runs $CORO_FORK_JAVA with the fork's arguments,
# except that in a fork whose benchmark class asks for agent options with the marker
# -Dcoro.bench.agentOptions=OPTS (an @Fork(jvmArgsPrepend) of the class, e.g. CoroNoPreempt), OPTS are appended
# to its -javaagent:<jar> as =OPTS. Needed because run.sh passes the agent in -jvmArgsAppend, which replaces, for
# every benchmark, an annotation's own jvmArgsAppend. See README.md.
set -euo pipefail
java="${CORO_FORK_JAVA:?fork-java.sh is started by run.sh, which sets CORO_FORK_JAVA}"
opts=""
for a in "$@"; do
  case "$a" in -Dcoro.bench.agentOptions=*) opts="${a#-Dcoro.bench.agentOptions=}" ;; esac
done
args=()
for a in "$@"; do
  if [ -n "$opts" ]; then
    case "$a" in -javaagent:*=*) a="$a,$opts" ;; -javaagent:*) a="$a=$opts" ;; esac
  fi
  args+=("$a")
done
exec "$java" ${args[@]+"${args[@]}"}
