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
 * Spawn and complete, Loom peer: µs per virtual thread. Same shape as {@code dev.coro.bench.CoroSpawn}: one virtual
 * thread starts {@code SPAWNS} trivial virtual threads ({@code Thread.startVirtualThread}; each stores its index,
 * as a virtual thread returns nothing), then joins them all in order and adds up the results. All run on the one
 * carrier; the children run when the parent first parks (its first join).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LoomSpawn {
    // The constant of dev.coro.bench.Shape, repeated: this package must not load coro classes.
    static final int SPAWNS = 1_000_000;

    volatile long sink;

    @Setup(Level.Trial)
    public void check() {
        VirtualThreads.checkOneCarrier();
    }

    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    public long startJoin() {
        return startAndJoin(false);
    }

    /** As {@code CoroSpawn.spawnJoin_dropJoined}: each slot cleared once joined. */
    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    public long startJoin_dropJoined() {
        return startAndJoin(true);
    }

    private long startAndJoin(boolean dropJoined) {
        Thread parent = VirtualThreads.start(() -> {
            int[] results = new int[SPAWNS];
            Thread[] threads = new Thread[SPAWNS];
            for (int i = 0; i < SPAWNS; i++) {
                int v = i;
                threads[i] = VirtualThreads.start(() -> results[v] = v);
            }
            long sum = 0;
            for (int i = 0; i < SPAWNS; i++) {
                VirtualThreads.join(threads[i]);
                if (dropJoined) {
                    threads[i] = null;
                }
                sum += results[i];
            }
            sink = sum;
        });
        VirtualThreads.join(parent);
        return sink;
    }
}
