package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.DEPTH;
import static dev.coro.bench.Shape.HEAP_COUNT;

/**
 * Benchmark 3, coro: heap retained per coroutine suspended {@link Shape#DEPTH} frames deep.
 *
 * <p>Inside one loop: a first round spawns {@link Shape#HEAP_COUNT} tasks, lets each one descend
 * {@code DEPTH} frames (its body plus {@code DEPTH - 1} {@code @Coroutine} calls) and suspend there in
 * {@code gate.join()}, then releases them all and waits until they are done. That round grows the loop's ready
 * queue and loads and compiles the code, so none of it is charged to the coroutines. Then the baseline is read,
 * the same round runs again, the heap is read while all are suspended, and they are released. The figure is
 * (held - baseline) / count: the task object, its saved frames and whatever the wait itself keeps (here the
 * waiter entry on the gate task). See {@link HeapMeter} for how the heap is read.
 *
 * <p>Peers: {@code dev.coro.bench.loom.LoomHeap}, {@code dev.coro.bench.kotlin.KotlinHeap}. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CoroHeap {

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

    // Only the loop thread touches these.
    private static Task<?> gate;
    private static boolean open;
    private static int arrived;

    /** One measurement of {@code count} coroutines; needs the agent. */
    public static HeapMeter.Result measure(int count) {
        return Coro.run(() -> {
            Task<?>[] tasks = new Task<?>[count];
            holdAndRelease(tasks, false);
            Arrays.fill(tasks, null);
            long baseline = HeapMeter.settledUsedHeap();
            long held = holdAndRelease(tasks, true);
            Arrays.fill(tasks, null);
            long released = HeapMeter.settledUsedHeap();
            return new HeapMeter.Result("coro", count, baseline, held, released);
        });
    }

    /** Spawns tasks.length coroutines, reads the heap once all are suspended (if asked), releases them. */
    @Coroutine
    private static long holdAndRelease(Task<?>[] tasks, boolean read) {
        open = false;
        arrived = 0;
        gate = Coro.spawn(() -> {
            while (!open) {
                Coro.sleep(1);
            }
        });
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = Coro.spawn(() -> parkAt(DEPTH - 1));
        }
        while (arrived < tasks.length) {
            Coro.yield();
        }
        long held = read ? HeapMeter.settledUsedHeap() : 0;
        open = true;
        // each joined in turn, as the Loom and Kotlin versions do
        for (Task<?> t : tasks) {
            t.join();
        }
        gate.join();
        gate = null;
        return held;
    }

    /** {@code frames} nested coroutine frames (this one included); the innermost waits on the gate. */
    @Coroutine
    static int parkAt(int frames) {
        if (frames == 1) {
            arrived++;
            gate.join();
            return 1;
        }
        return parkAt(frames - 1) + 1;
    }
}
