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
 * Benchmark 10, Loom peer: ns per {@code get()} + {@code set()} of a {@code ThreadLocal} in a virtual thread (which
 * has its own thread locals), on one carrier. Same shape as {@code dev.coro.bench.CoroLocals.threadLocal_inTask}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoomLocals {
    static final int OPS = 10_000;

    private final ThreadLocal<Integer> threadLocal = ThreadLocal.withInitial(() -> 0);
    volatile int sink;

    @Setup(Level.Trial)
    public void check() {
        VirtualThreads.checkOneCarrier();
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int threadLocal_inVirtualThread() {
        Thread t = VirtualThreads.start(() -> {
            for (int i = 0; i < OPS; i++) {
                threadLocal.set(threadLocal.get() + i);
            }
            sink = threadLocal.get();
        });
        VirtualThreads.join(t);
        return sink;
    }
}
