package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.LOOP_ITERATIONS;

/**
 * The preemption check's cost, coro, agent with its default options (preemption on): µs per call of a tight
 * arithmetic loop (the sum of {@code i * i} over {@link Shape#LOOP_ITERATIONS} iterations) that never suspends.
 *
 * <ul>
 *   <li>{@code coroLoop_inCoroutine}: the loop in a {@code @Coroutine} method, called inside a coroutine: the agent
 *       puts a preemption check (one volatile read of the stack's flag) at its loop head.</li>
 *   <li>{@code plainLoop_inCoroutine}: the same loop in a plain method, called inside a coroutine: no check.</li>
 *   <li>{@code plainLoop_onThread}: the plain loop on the JMH thread, the baseline.</li>
 * </ul>
 * {@link CoroNoPreempt} runs {@code coroLoop_inCoroutine} in a fork whose agent has {@code preempt=false}. The
 * bound comes from a field, so the JIT cannot fold the loop. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CoroPreempt {
    int n = LOOP_ITERATIONS;

    @Setup(Level.Trial)
    public void check() {
        checkAgentOptions(false);
    }

    @Benchmark
    public long coroLoop_inCoroutine() {
        return Coro.run(() -> coroSumOfSquares(n));
    }

    @Benchmark
    public long plainLoop_inCoroutine() {
        return Coro.run(() -> plainSumOfSquares(n));
    }

    @Benchmark
    public long plainLoop_onThread() {
        return plainSumOfSquares(n);
    }

    /** The tight loop as a coroutine: rewritten by the agent, with a preemption check at the loop head unless off. */
    @Coroutine
    static long coroSumOfSquares(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (long) i * i;
        }
        return sum;
    }

    /** The same loop, plain Java. */
    static long plainSumOfSquares(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (long) i * i;
        }
        return sum;
    }

    /** Fails the trial if this fork's -javaagent does (or does not) carry preempt=false, as the class expects. */
    static void checkAgentOptions(boolean noPreempt) {
        String agent = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-javaagent:")).findFirst().orElse("(none)");
        if (agent.contains("preempt=false") != noPreempt) {
            throw new IllegalStateException("this fork's agent is " + agent + ", expected "
                    + (noPreempt ? "" : "no ") + "preempt=false (run with run.sh, which passes fork-java.sh as -jvm)");
        }
    }
}
