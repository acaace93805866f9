package dev.coro.bench;

import dev.coro.Coro;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.LOOP_ITERATIONS;

/**
 * {@link CoroPreempt#coroLoop_inCoroutine}, in a fork whose agent runs with {@code preempt=false}: the same
 * {@code @Coroutine} loop rewritten without the check at its loop head.
 *
 * <p>How the option reaches the agent: run.sh gives every fork the same {@code -jvmArgsAppend} (with
 * {@code -javaagent:<jar>}), and a command-line option replaces the annotation's, so an annotation cannot change
 * it. Instead this class prepends the marker {@code -Dcoro.bench.agentOptions=preempt=false}, and run.sh starts
 * the forks through {@code fork-java.sh} (JMH's {@code -jvm}), which appends the marker's value to that fork's
 * {@code -javaagent}. The trial fails if the option did not arrive. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsPrepend = "-Dcoro.bench.agentOptions=preempt=false")
public class CoroNoPreempt {
    int n = LOOP_ITERATIONS;

    @Setup(Level.Trial)
    public void check() {
        CoroPreempt.checkAgentOptions(true);
    }

    @Benchmark
    public long coroLoop_inCoroutine() {
        return Coro.run(() -> CoroPreempt.coroSumOfSquares(n));
    }

    /** {@link CoroPreempt#coroLongLoop_inCoroutine} without checks: never preempted. */
    @Benchmark
    public long coroLongLoop_inCoroutine() {
        return Coro.run(() -> CoroPreempt.coroSumOfSquares(n * CoroPreempt.LONG_LOOP_FACTOR));
    }
}
