package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.internal.PreemptSwitch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

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
 * <p>Until the runtime has to stop a task while a method runs, that method's checks are a switch the JIT folds away
 * ({@code dev.coro.internal.PreemptSwitch}), and none of these loops runs long enough for that. The trial setups of
 * the others change that first: {@code _otherPreempted} runs another method past its time slice;
 * {@code _armed} cancels a computing task from another thread, which, in its fork without a watchdog, switches on
 * every method's checks;
 * {@code _preempted} runs the measured loop itself past many slices (its checks go off again after a quiet period,
 * see {@code PreemptSwitch}). {@code coroLongLoop_inCoroutine} is a loop that overruns its slice on every call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CoroPreempt {
    static final int LONG_LOOP_FACTOR = 300;
    int n = LOOP_ITERATIONS;

    @Setup(Level.Trial)
    public void check() {
        checkAgentOptions(false);
    }

    @Benchmark
    public long coroLoop_inCoroutine(Folded folded) {
        return Coro.run(() -> coroSumOfSquares(n));
    }

    /**
     * Fails the trial if the measured loop's checks are on at its end. A first call, partly interpreted, can overrun
     * its slice and switch them on; they go off again after the quiet period, well within the warm-up.
     */
    @State(Scope.Benchmark)
    public static class Folded {
        @TearDown(Level.Trial)
        public void stillFolded() {
            if (PreemptSwitch.isArmed(CoroPreempt.class, "coroSumOfSquares")) {
                throw new IllegalStateException("the measured loop's checks are on at the end of the trial");
            }
        }
    }

    /**
     * The same loop in a fork where another method's loop was preempted: that method's checks read their flag from
     * then on, this one's stay folded.
     */
    @Benchmark
    public long coroLoop_inCoroutine_otherPreempted(OtherPreempted other) {
        return Coro.run(() -> coroSumOfSquares(n));
    }

    @State(Scope.Benchmark)
    public static class OtherPreempted {
        @Setup(Level.Trial)
        public void overrunASliceElsewhere() {
            for (int i = 0; i < 40 && !PreemptSwitch.isArmed(OtherPreempted.class, "spin"); i++) {
                Coro.run(() -> spin(50)); // the watchdog's first start is slow
            }
            if (!PreemptSwitch.isArmed(OtherPreempted.class, "spin")) {
                throw new IllegalStateException("a coroutine computed past its time slice, but its checks stayed off");
            }
        }

        @TearDown(Level.Trial)
        public void stillFolded() {
            new Folded().stillFolded();
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

    /**
     * The same loop with its checks on, though its own profile never saw a preemption: the state every loop is in
     * after a cancel from another thread in a JVM without a watchdog to follow the task to where it computes (time
     * slices and blocked-loop reports both off, as in this fork), which then switches on every method's checks.
     */
    @Benchmark
    @Fork(jvmArgsPrepend = {"-Dcoro.preempt.slice=0", "-Dcoro.watchdog.blocked=0"})
    public long coroLoop_inCoroutine_armed(Armed armed) {
        return Coro.run(() -> coroSumOfSquares(n));
    }

    @State(Scope.Benchmark)
    public static class Armed {
        @Setup(Level.Trial)
        public void cancelFromAnotherThread() throws InterruptedException {
            java.util.concurrent.CompletableFuture<dev.coro.Task<Long>> started =
                    new java.util.concurrent.CompletableFuture<>();
            Thread canceller = new Thread(() -> {
                dev.coro.Task<Long> t = started.join();
                try {
                    Thread.sleep(200); // until it computes
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                t.cancel();
            }, "canceller");
            canceller.start();
            try {
                Coro.run(() -> {
                    dev.coro.Task<Long> t = Coro.spawn(() -> OtherPreempted.spin(60_000));
                    started.complete(t);
                    return t.join();
                });
                throw new IllegalStateException("the computing task was not cancelled");
            } catch (java.util.concurrent.CancellationException expected) {
                // the cancel reached it
            }
            canceller.join();
            if (!PreemptSwitch.isArmed(CoroPreempt.class, "coroSumOfSquares")) {
                throw new IllegalStateException("a cancel from another thread left the measured loop's checks off");
            }
        }
    }

    /**
     * The same loop after it was itself preempted, many times, in its trial setup: its own profile has seen the
     * yield. Its checks go off again a quiet period later, within the warm-up.
     */
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
            if (!PreemptSwitch.isArmed(CoroPreempt.class, "coroSumOfSquares")) {
                throw new IllegalStateException("the loop computed past its time slice, but its checks stayed off");
            }
        }
    }

    /**
     * The loop over {@link #LONG_LOOP_FACTOR} times as many iterations, about 100 ms a call: preempted every time
     * slice, alone on its loop, so each preemption is a yield straight back to it. Its checks are on for as long as
     * it keeps overrunning, with brief returns to off (see {@code PreemptSwitch}).
     */
    @Benchmark
    public long coroLongLoop_inCoroutine() {
        return Coro.run(() -> coroSumOfSquares(n * LONG_LOOP_FACTOR));
    }

    @Benchmark
    public long plainLongLoop_onThread() {
        return plainSumOfSquares(n * LONG_LOOP_FACTOR);
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
