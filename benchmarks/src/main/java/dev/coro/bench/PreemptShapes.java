package dev.coro.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.LOOP_ITERATIONS;

/**
 * Where a preemption check could go, written by hand in plain Java (no agent involved): µs per call of
 * {@link CoroPreempt}'s tight loop, the sum of {@code i * i} over {@link Shape#LOOP_ITERATIONS} iterations.
 * The agent's choice is {@code backEdge}: one volatile read per iteration, before the jump back. The others are the
 * obvious alternatives, kept so that choice can be checked again on another machine or JDK.
 *
 * <ul>
 *   <li>{@code plain}: no check, the baseline.</li>
 *   <li>{@code backEdge}: a volatile read of the flag and a branch never taken, every iteration.</li>
 *   <li>{@code stripMined}: the loop cut into runs of 4,096 iterations, the check once per run.</li>
 *   <li>{@code countdown}: a local counter, the flag read once every 1,024 iterations.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PreemptShapes {
    /** Stands for a coroutine's stack: the flag the watchdog raises. */
    static final class Flag {
        volatile boolean preempt;
    }

    int n = LOOP_ITERATIONS;
    final Flag flag = new Flag();
    static int preemptions;

    @Benchmark
    public long plain() {
        int n = this.n;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (long) i * i;
        }
        return sum;
    }

    @Benchmark
    public long backEdge() {
        int n = this.n;
        Flag f = flag;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (long) i * i;
            if (f.preempt) {
                yieldNow(f);
            }
        }
        return sum;
    }

    @Benchmark
    public long stripMined() {
        int n = this.n;
        Flag f = flag;
        long sum = 0;
        int i = 0;
        while (i < n) {
            int end = n - i > 4096 ? i + 4096 : n;
            for (; i < end; i++) {
                sum += (long) i * i;
            }
            if (f.preempt) {
                yieldNow(f);
            }
        }
        return sum;
    }

    @Benchmark
    public long countdown() {
        int n = this.n;
        Flag f = flag;
        long sum = 0;
        int left = 1024;
        for (int i = 0; i < n; i++) {
            sum += (long) i * i;
            if (--left < 0) {
                left = 1024;
                if (f.preempt) {
                    yieldNow(f);
                }
            }
        }
        return sum;
    }

    /** Never called here (nothing raises the flag); stands for the yield the agent's check would make. */
    static void yieldNow(Flag f) {
        f.preempt = false;
        preemptions++;
    }
}
