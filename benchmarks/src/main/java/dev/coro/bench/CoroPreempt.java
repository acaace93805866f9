package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.internal.PreemptSwitch;
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
 *
 * <p>Until the runtime first asks a running coroutine to yield, the check is a switch the JIT folds away
 * ({@code dev.coro.internal.PreemptSwitch}), and none of these loops runs long enough to be asked.
 * {@code coroLoop_inCoroutine_armed} measures the loop after that has happened once in its fork: its trial setup
 * runs a coroutine past its time slice first, so every check reads its task's flag.
 * {@code coroLoop_inCoroutine_preempted}: its setup runs the measured loop itself past many slices first.
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

    /** The same loop in a fork where a coroutine was once preempted: every check reads its flag from then on. */
    @Benchmark
    public long coroLoop_inCoroutine_armed(Armed armed) {
        return Coro.run(() -> coroSumOfSquares(n));
    }

    @State(Scope.Benchmark)
    public static class Armed {
        @Setup(Level.Trial)
        public void overrunASlice() {
            // Another method overruns the slice: the measured loop's own profile must not see a preemption, as
            // in the unarmed case (a loop that does get preempted keeps the yield's path in its compiled code).
            for (int i = 0; i < 40 && !PreemptSwitch.isArmed(); i++) { // the watchdog's first start is slow
                Coro.run(() -> spin(50));
            }
            if (!PreemptSwitch.isArmed()) {
                throw new IllegalStateException("a coroutine computed past its time slice, but the checks stayed off");
            }
        }

        @Coroutine
        static long spin(long ms) {
            long end = System.nanoTime() + ms * 1_000_000L;
            long x = 0;
            while (System.nanoTime() < end) {
                x += x * 31 + 7;
            }
            return x;
        }
    }

    /** The same loop after it was itself preempted: its own profile has seen the yield. */
    @Benchmark
    public long coroLoop_inCoroutine_preempted(Preempted preempted) {
        return Coro.run(() -> coroSumOfSquares(n));
    }

    @State(Scope.Benchmark)
    public static class Preempted {
        @Setup(Level.Trial)
        public void overrunASliceInTheMeasuredLoop() {
            for (int i = 0; i < 3; i++) {
                Coro.run(() -> coroSumOfSquares(Integer.MAX_VALUE)); // ~0.7 s each: many slices
            }
            if (!PreemptSwitch.isArmed()) {
                throw new IllegalStateException("the loop computed past its time slice, but the checks stayed off");
            }
        }
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
