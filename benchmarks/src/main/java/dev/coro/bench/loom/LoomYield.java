package dev.coro.bench.loom;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Benchmarks 1 and 2, Loom peer: ns per yield+resume of a virtual thread ({@code Thread.yield()}), 1 or 10
 * frames deep, on one carrier thread. Same shape as {@code dev.coro.bench.CoroYield}:
 *
 * <ul>
 *   <li>{@code solo_*}: one virtual thread yields {@code YIELDS} times. With nobody else to run, a virtual
 *       thread's yield still unmounts it (freezes its stack), resubmits it to the scheduler and mounts it again
 *       (thaws); it is measured as it is.</li>
 *   <li>{@code pingPong_*}: two virtual threads yield {@code YIELDS / 2} times each on the one carrier, so every
 *       yield switches to the other.</li>
 * </ul>
 * The JMH thread (a platform thread) starts the virtual thread(s) and joins them; that is amortised over the
 * {@code YIELDS} operations of an invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoomYield {
    // The constants of dev.coro.bench.Shape, repeated: this package must not load coro classes.
    static final int YIELDS = 10_000;
    static final int DEPTH = 10;

    /** Where the threads leave their results, so that the loops are not dead code. */
    volatile int sinkA;
    volatile int sinkB;

    @Setup(Level.Trial)
    public void check() {
        VirtualThreads.checkOneCarrier();
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int solo_depth1() {
        Thread t = VirtualThreads.start(() -> {
            int sum = 0;
            for (int i = 0; i < YIELDS; i++) {
                Thread.yield();
                sum += i;
            }
            sinkA = sum;
        });
        VirtualThreads.join(t);
        return sinkA;
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int solo_depth10() {
        Thread t = VirtualThreads.start(() -> sinkA = yieldAt(DEPTH - 1, YIELDS));
        VirtualThreads.join(t);
        return sinkA;
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int pingPong_depth1() {
        Thread a = VirtualThreads.start(() -> {
            int sum = 0;
            for (int i = 0; i < YIELDS / 2; i++) {
                Thread.yield();
                sum += i;
            }
            sinkA = sum;
        });
        Thread b = VirtualThreads.start(() -> {
            int sum = 0;
            for (int i = 0; i < YIELDS / 2; i++) {
                Thread.yield();
                sum += i;
            }
            sinkB = sum;
        });
        VirtualThreads.join(a);
        VirtualThreads.join(b);
        return sinkA + sinkB;
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int pingPong_depth10() {
        Thread a = VirtualThreads.start(() -> sinkA = yieldAt(DEPTH - 1, YIELDS / 2));
        Thread b = VirtualThreads.start(() -> sinkB = yieldAt(DEPTH - 1, YIELDS / 2));
        VirtualThreads.join(a);
        VirtualThreads.join(b);
        return sinkA + sinkB;
    }

    /** {@code frames} nested frames (this one included); the innermost yields {@code n} times. */
    static int yieldAt(int frames, int n) {
        if (frames == 1) {
            int sum = 0;
            for (int i = 0; i < n; i++) {
                Thread.yield();
                sum += i;
            }
            return sum;
        }
        return yieldAt(frames - 1, n) + 1;
    }
}
