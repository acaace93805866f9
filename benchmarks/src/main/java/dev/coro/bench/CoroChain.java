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
 * The {@code *Distinct*} variants make the same ten calls through ten distinct methods ({@code c10} calls
 * {@code c9} ... calls {@code c1}), the shape the JIT can inline whole (it inlines a recursive method only one
 * level deep, so the recursive chain above measures ten real calls either way).
 *
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

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int coroChainDistinct_inCoroutine() {
        int x = seed;
        return Coro.run(() -> {
            int sum = 0;
            for (int i = 0; i < CHAIN_CALLS; i++) {
                sum += c10(x + i);
            }
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int plainChainDistinct_inCoroutine() {
        int x = seed;
        return Coro.run(() -> {
            int sum = 0;
            for (int i = 0; i < CHAIN_CALLS; i++) {
                sum += p10(x + i);
            }
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    public int plainChainDistinct_onThread() {
        int x = seed;
        int sum = 0;
        for (int i = 0; i < CHAIN_CALLS; i++) {
            sum += p10(x + i);
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

    // ten distinct coroutine methods, each with work after its call, as real code has
    @Coroutine
    static int c10(int x) {
        return c9(x + 1) + 1;
    }

    @Coroutine
    static int c9(int x) {
        return c8(x + 1) + 1;
    }

    @Coroutine
    static int c8(int x) {
        return c7(x + 1) + 1;
    }

    @Coroutine
    static int c7(int x) {
        return c6(x + 1) + 1;
    }

    @Coroutine
    static int c6(int x) {
        return c5(x + 1) + 1;
    }

    @Coroutine
    static int c5(int x) {
        return c4(x + 1) + 1;
    }

    @Coroutine
    static int c4(int x) {
        return c3(x + 1) + 1;
    }

    @Coroutine
    static int c3(int x) {
        return c2(x + 1) + 1;
    }

    @Coroutine
    static int c2(int x) {
        return c1(x + 1) + 1;
    }

    @Coroutine
    static int c1(int x) {
        return x * 31 + 7;
    }

    // the same ten, plain Java
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
