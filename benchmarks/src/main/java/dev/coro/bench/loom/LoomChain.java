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
 * Benchmark 4, Loom peer: a virtual thread needs no rewriting, so its chain is plain Java; this runs the same
 * {@code DEPTH}-deep non-suspending chain as {@code dev.coro.bench.CoroChain}, {@code CHAIN_CALLS} times inside
 * one virtual thread. Score: ns per whole chain call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoomChain {
    static final int CHAIN_CALLS = 10_000;
    static final int DEPTH = 10;

    public int seed = 17;
    volatile int sink;

    @Setup(Level.Trial)
    public void check() {
        VirtualThreads.checkOneCarrier();
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int plainChain_inVirtualThread() {
        int x = seed;
        Thread t = VirtualThreads.start(() -> {
            int sum = 0;
            for (int i = 0; i < CHAIN_CALLS; i++) {
                sum += plainChain(DEPTH, x + i);
            }
            sink = sum;
        });
        VirtualThreads.join(t);
        return sink;
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int plainChainDistinct_inVirtualThread() {
        int x = seed;
        Thread t = VirtualThreads.start(() -> {
            int sum = 0;
            for (int i = 0; i < CHAIN_CALLS; i++) {
                sum += p10(x + i);
            }
            sink = sum;
        });
        VirtualThreads.join(t);
        return sink;
    }

    /** The same chain as {@code CoroChain.plainChain}. */
    static int plainChain(int frames, int x) {
        if (frames == 1) {
            return x * 31 + 7;
        }
        return plainChain(frames - 1, x + 1) + 1;
    }

    /** The same ten distinct methods as {@code CoroChain.p10} ... {@code p1}. */
    static int p10(int x) {
        return p9(x + 1) + 1;
    }

    static int p9(int x) {
        return p8(x + 1) + 1;
    }

    static int p8(int x) {
        return p7(x + 1) + 1;
    }

    static int p7(int x) {
        return p6(x + 1) + 1;
    }

    static int p6(int x) {
        return p5(x + 1) + 1;
    }

    static int p5(int x) {
        return p4(x + 1) + 1;
    }

    static int p4(int x) {
        return p3(x + 1) + 1;
    }

    static int p3(int x) {
        return p2(x + 1) + 1;
    }

    static int p2(int x) {
        return p1(x + 1) + 1;
    }

    static int p1(int x) {
        return x * 31 + 7;
    }
}
