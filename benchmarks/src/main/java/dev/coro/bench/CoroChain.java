package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.CHAIN_CALLS;
import static dev.coro.bench.Shape.DEPTH;

/**
 * Benchmark 4, coro: the cost of instrumentation when nothing suspends. A chain of {@link Shape#DEPTH} nested
 * calls that never suspends, called {@link Shape#CHAIN_CALLS} times per invocation; the score is ns per whole
 * chain call (all ten frames).
 *
 * <ul>
 *   <li>{@code coroChain_inCoroutine}: the chain is {@code @Coroutine} methods (rewritten by the agent), called
 *       from a coroutine: what instrumented code costs on its fast path.</li>
 *   <li>{@code plainChain_inCoroutine}: the same chain as plain Java methods, called from the same coroutine.</li>
 *   <li>{@code plainChain_onThread}: the same plain chain on the JMH thread, no loop at all: the baseline.</li>
 * </ul>
 * Peers: {@code dev.coro.bench.loom.LoomChain}, {@code dev.coro.bench.kotlin.KotlinChain}. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoroChain {

    /** Read from a field so the JIT cannot fold the chain into a constant. */
    public int seed = 17;

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int coroChain_inCoroutine() {
        int x = seed;
        return Coro.run(() -> {
            int sum = 0;
            for (int i = 0; i < CHAIN_CALLS; i++) {
                sum += coroChain(DEPTH, x + i);
            }
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int plainChain_inCoroutine() {
        int x = seed;
        return Coro.run(() -> {
            int sum = 0;
            for (int i = 0; i < CHAIN_CALLS; i++) {
                sum += plainChain(DEPTH, x + i);
            }
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int plainChain_onThread() {
        int x = seed;
        int sum = 0;
        for (int i = 0; i < CHAIN_CALLS; i++) {
            sum += plainChain(DEPTH, x + i);
        }
        return sum;
    }

    /** {@code frames} nested coroutine calls (this one included) that never suspend. */
    @Coroutine
    static int coroChain(int frames, int x) {
        if (frames == 1) {
            return x * 31 + 7;
        }
        return coroChain(frames - 1, x + 1) + 1;
    }

    /** The same chain, plain Java. */
    public static int plainChain(int frames, int x) {
        if (frames == 1) {
            return x * 31 + 7;
        }
        return plainChain(frames - 1, x + 1) + 1;
    }
}
