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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark 3, Loom peer: heap retained per virtual thread blocked {@code DEPTH} frames deep (its Runnable plus
 * {@code DEPTH - 1} nested calls) in {@code CountDownLatch.await()}. Same procedure as
 * {@code dev.coro.bench.CoroHeap}: a warm-up round, the baseline, a second round read while all threads are
 * blocked (every thread's state is WAITING, so its stack has been frozen into a heap stack chunk), release. The
 * figure covers the Thread object, its continuation and stack chunk, and the latch's wait node.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LoomHeap {
    static final int DEPTH = 10;
    static final int HEAP_COUNT = 10_000;

    @Setup(Level.Trial)
    public void check() {
        VirtualThreads.checkOneCarrier();
    }

    /**
     * The figure to read is the secondary result {@code :bytesPerCoroutine}, reported by {@link HeapBytesProfiler}
     * ({@code -prof dev.coro.bench.HeapBytesProfiler}, which run.sh adds); the time is that of a whole measurement.
     */
    @Benchmark
    public double held_depth10() {
        double bytes = measure(HEAP_COUNT).bytesPerCoroutine();
        HeapBytesProfiler.record(bytes);
        return bytes;
    }

    private static volatile CountDownLatch gate;
    private static final AtomicInteger arrived = new AtomicInteger();

    /** One measurement of {@code count} virtual threads, from a platform thread. */
    public static HeapMeter.Result measure(int count) {
        Thread[] threads = new Thread[count];
        holdAndRelease(threads, false);
        Arrays.fill(threads, null);
        long baseline = HeapMeter.settledUsedHeap();
        long held = holdAndRelease(threads, true);
        Arrays.fill(threads, null);
        long released = HeapMeter.settledUsedHeap();
        return new HeapMeter.Result("loom", count, baseline, held, released);
    }

    private static long holdAndRelease(Thread[] threads, boolean read) {
        gate = new CountDownLatch(1);
        arrived.set(0);
        Runnable body = () -> parkAt(DEPTH - 1);
        for (int i = 0; i < threads.length; i++) {
            threads[i] = VirtualThreads.start(body);
        }
        // every thread counted itself in, and is parked (frozen), not merely on its way to the latch
        while (arrived.get() < threads.length) {
            Thread.yield();
        }
        for (Thread t : threads) {
            while (t.getState() != Thread.State.WAITING) {
                Thread.yield();
            }
        }
        long held = read ? HeapMeter.settledUsedHeap() : 0;
        gate.countDown();
        for (Thread t : threads) {
            VirtualThreads.join(t);
        }
        gate = null;
        return held;
    }

    /** {@code frames} nested frames (this one included); the innermost blocks on the gate. */
    static int parkAt(int frames) {
        if (frames == 1) {
            arrived.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return 1;
        }
        return parkAt(frames - 1) + 1;
    }
}
