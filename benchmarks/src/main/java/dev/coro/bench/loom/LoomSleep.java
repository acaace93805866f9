package dev.coro.bench.loom;

import dev.coro.bench.HeapBytesProfiler;
import dev.coro.bench.HeapMeter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many sleepers, Loom peer: {@code SLEEPERS} virtual threads on the one carrier each {@code Thread.sleep} for
 * {@code SLEEP_MS} ms {@code SLEEPS} times. Same shape as {@code dev.coro.bench.CoroSleep}: a parent virtual thread
 * starts them all and joins them all.
 *
 * <ul>
 *   <li>{@code sleepers_wall}: SingleShotTime of one whole round.</li>
 *   <li>{@code sleepers_heap}: {@code :bytesPerCoroutine}: a first round in which each sleeps once, the baseline,
 *       then a full round read (by the JMH thread) once every thread has begun its first sleep. Unlike coro's and
 *       Kotlin's, the reading does not stop the carrier: sleepers that wake meanwhile run and sleep again.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LoomSleep {
    // The constants of dev.coro.bench.Shape, repeated: this package must not load coro classes.
    static final int SLEEPERS = 100_000;
    static final int SLEEPS = 10;
    static final int SLEEP_MS = 100;

    @Setup(Level.Trial)
    public void check() {
        VirtualThreads.checkOneCarrier();
    }

    @Benchmark
    public int sleepers_wall() {
        Thread[] threads = new Thread[SLEEPERS];
        round(threads, SLEEPS, null);
        return threads.length;
    }

    @Benchmark
    public double sleepers_heap() {
        Thread[] threads = new Thread[SLEEPERS];
        round(threads, 1, null);
        Arrays.fill(threads, null);
        long baseline = HeapMeter.settledUsedHeap();
        long[] held = new long[1];
        round(threads, SLEEPS, held);
        Arrays.fill(threads, null);
        long released = HeapMeter.settledUsedHeap();
        double bytes = new HeapMeter.Result("loom", SLEEPERS, baseline, held[0], released).bytesPerCoroutine();
        HeapBytesProfiler.record(bytes);
        return bytes;
    }

    /** Starts threads.length sleepers from a parent virtual thread, reads the heap once all sleep (if asked). */
    private static void round(Thread[] threads, int sleeps, long[] held) {
        AtomicInteger arrived = new AtomicInteger();
        Runnable sleeper = () -> {
            arrived.incrementAndGet();
            try {
                for (int s = 0; s < sleeps; s++) {
                    Thread.sleep(SLEEP_MS);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        Thread parent = VirtualThreads.start(() -> {
            for (int i = 0; i < threads.length; i++) {
                threads[i] = VirtualThreads.start(sleeper);
            }
            for (Thread t : threads) {
                VirtualThreads.join(t);
            }
        });
        if (held != null) {
            while (arrived.get() < threads.length) {
                Thread.onSpinWait();
            }
            held[0] = HeapMeter.settledUsedHeap();
        }
        VirtualThreads.join(parent);
    }
}
