package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.DEPTH;
import static dev.coro.bench.Shape.YIELDS;

/**
 * Benchmarks 1 and 2, coro: ns per yield+resume, the yield made {@link Shape#DEPTH 1 or 10} frames deep.
 *
 * <ul>
 *   <li>{@code solo_*}: one coroutine yields {@link Shape#YIELDS} times with nobody else ready. Coro.yield() still
 *       suspends (unwinds the frames, goes to the back of the ready queue, is resumed by the loop).</li>
 *   <li>{@code pingPong_*}: two coroutines on the loop yield {@code YIELDS / 2} times each, so every yield hands
 *       the thread to the other one.</li>
 * </ul>
 * Each invocation is one {@link Coro#run(dev.coro.CoroutineCallable)}: starting the loop is amortised over the
 * {@code YIELDS} operations. Peers: {@code dev.coro.bench.loom.LoomYield}, {@code dev.coro.bench.kotlin.KotlinYield}.
 * Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoroYield {

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int solo_depth1() {
        return Coro.run(() -> {
            int sum = 0;
            for (int i = 0; i < YIELDS; i++) {
                Coro.yield();
                sum += i;
            }
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int solo_depth10() {
        return Coro.run(() -> yieldAt(DEPTH - 1, YIELDS));
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int pingPong_depth1() {
        return Coro.run(() -> {
            Task<Integer> other = Coro.spawn(() -> {
                int sum = 0;
                for (int i = 0; i < YIELDS / 2; i++) {
                    Coro.yield();
                    sum += i;
                }
                return sum;
            });
            int sum = 0;
            for (int i = 0; i < YIELDS / 2; i++) {
                Coro.yield();
                sum += i;
            }
            return sum + other.join();
        });
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int pingPong_depth10() {
        return Coro.run(() -> {
            Task<Integer> other = Coro.spawn(() -> yieldAt(DEPTH - 1, YIELDS / 2));
            return yieldAt(DEPTH - 1, YIELDS / 2) + other.join();
        });
    }

    /**
     * {@code frames} nested coroutine frames (this one included); the innermost yields {@code n} times. Called from
     * a task's body with {@code DEPTH - 1}, so the yield happens {@code DEPTH} frames deep. Not a tail call: every
     * frame has work left after the call, as real code does.
     */
    @Coroutine
    static int yieldAt(int frames, int n) {
        if (frames == 1) {
            int sum = 0;
            for (int i = 0; i < n; i++) {
                Coro.yield();
                sum += i;
            }
            return sum;
        }
        return yieldAt(frames - 1, n) + 1;
    }
}
