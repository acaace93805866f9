package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.SLEEPERS;
import static dev.coro.bench.Shape.SLEEPS;
import static dev.coro.bench.Shape.SLEEP_MS;

/**
 * Many sleepers, coro: {@link Shape#SLEEPERS} coroutines on one loop each sleep {@link Shape#SLEEP_MS} ms
 * {@link Shape#SLEEPS} times ({@code Coro.sleep}); the ideal is SLEEPS × SLEEP_MS of wall time.
 *
 * <ul>
 *   <li>{@code sleepers_wall}: SingleShotTime of one whole round: spawn them all, join them all.</li>
 *   <li>{@code sleepers_heap}: the heap each sleeper holds while it sleeps, the secondary result
 *       {@code :bytesPerCoroutine} (see {@link HeapBytesProfiler}): a first round in which each sleeps once
 *       (grows the loop's timer and ready structures, loads and compiles the code), the baseline, then a full
 *       round read once every sleeper has begun its first sleep. The readings run on the loop thread, so the
 *       sleepers wait meanwhile; its time is not the wall figure.</li>
 * </ul>
 * {@code -Dcoro.watchdog.blocked=0}: a heap reading's {@code System.gc()} calls on the loop thread would otherwise
 * make the watchdog report a blocked loop (the flag is prepended, since run.sh's {@code -jvmArgsAppend} replaces an
 * annotation's). Peers: {@code dev.coro.bench.loom.LoomSleep}, {@code dev.coro.bench.kotlin.KotlinSleep}. Needs the
 * coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsPrepend = "-Dcoro.watchdog.blocked=0")
public class CoroSleep {

    // Only the loop thread touches this.
    private static int arrived;

    @Benchmark
    public long sleepers_wall() {
        return Coro.run(() -> round(new Task<?>[SLEEPERS], SLEEPS, false));
    }

    @Benchmark
    public double sleepers_heap() {
        HeapMeter.Result r = Coro.run(() -> {
            Task<?>[] tasks = new Task<?>[SLEEPERS];
            round(tasks, 1, false);
            Arrays.fill(tasks, null);
            long baseline = HeapMeter.settledUsedHeap();
            long held = round(tasks, SLEEPS, true);
            Arrays.fill(tasks, null);
            long released = HeapMeter.settledUsedHeap();
            return new HeapMeter.Result("coro", SLEEPERS, baseline, held, released);
        });
        double bytes = r.bytesPerCoroutine();
        HeapBytesProfiler.record(bytes);
        return bytes;
    }

    /** Spawns tasks.length sleepers, reads the heap once all sleep (if asked), joins them all. */
    @Coroutine
    private static long round(Task<?>[] tasks, int sleeps, boolean read) {
        arrived = 0;
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = Coro.spawn(() -> {
                arrived++;
                for (int s = 0; s < sleeps; s++) {
                    Coro.sleep(SLEEP_MS);
                }
            });
        }
        long held = 0;
        if (read) {
            while (arrived < tasks.length) {
                Coro.yield();
            }
            held = HeapMeter.settledUsedHeap();
        }
        for (Task<?> t : tasks) {
            t.join();
        }
        return held;
    }
}
